/**
 * The command line through the real entry point (`src/main.ts` in a child process): help and version everywhere,
 * one-line errors, exit statuses (0 done, 1 failed, 2 bad command line or configuration), `config check`.
 */
import { strict as assert } from 'node:assert';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { removeDir, runQuiver, tempDir } from '../../support/app.js';

const VERSION = (JSON.parse(readFileSync(join(import.meta.dirname, '..', '..', '..', 'package.json'), 'utf8')) as { version: string }).version;
const KEY = 'entry-test-key-0123456789abcdef0123456789abcdef';

const dirs: string[] = [];
after(() => dirs.forEach(removeDir));

function cwdWith(files: Record<string, string> = {}): string {
  const dir = tempDir('quiver-cli-');
  dirs.push(dir);
  for (const [name, text] of Object.entries(files)) {
    mkdirSync(join(dir, name, '..'), { recursive: true });
    writeFileSync(join(dir, name), text);
  }
  return dir;
}

function quiver(args: string[], cwd = cwdWith(), env: Record<string, string> = {}): Promise<{ code: number | null; out: string; err: string }> {
  return runQuiver(args, cwd, env);
}

describe('quiver command line', () => {
  it('prints help and the version for the server and every subcommand, exit 0', async () => {
    const help = await quiver(['--help']);
    assert.equal(help.code, 0);
    assert.match(help.out, /^Usage: quiver \[options\] \[command\]/);
    for (const flag of ['--config-path', '--uri', '--bootstrap', '--stacktrace', '--snapshot', '--storage-snapshot', '--disable-telemetry']) assert.ok(help.out.includes(flag), flag);
    for (const command of ['keys', 'jwt', 'audit', 'config', 'migrate']) assert.match(help.out, new RegExp(`^  ${command}\\b`, 'm'));
    assert.deepEqual(await quiver(['--version']), { code: 0, out: `${VERSION}\n`, err: '' });
    const sub = await quiver(['keys', 'create', '--help']);
    assert.equal(sub.code, 0);
    assert.match(sub.out, /^Usage: quiver keys create \[options\]/);
    assert.ok(sub.out.includes('--name <name>') && sub.out.includes('--config-path <file>'));
    assert.deepEqual(await quiver(['audit', 'verify', '--version']), { code: 0, out: `${VERSION}\n`, err: '' });
    assert.match((await quiver(['migrate', '--help'])).out, /--from <url>/);
  });

  it('rejects unknown options and commands with one line and exit 2', async () => {
    assert.deepEqual(await quiver(['--bogus']), { code: 2, out: '', err: "error: unknown option '--bogus'\n" });
    assert.deepEqual(await quiver(['keys', 'list', '--confg-path', 'x.yaml']), { code: 2, out: '', err: "error: unknown option '--confg-path' (did you mean --config-path?)\n" });
    const unknown = await quiver(['frob']);
    assert.equal(unknown.code, 2);
    assert.match(unknown.err, /^error: unknown command 'frob' \(commands: keys, jwt, audit, config, storage, migrate; see quiver --help\)\n$/);
    const missing = await quiver(['jwt', '--access', 'r']);
    assert.deepEqual(missing, { code: 2, out: '', err: "error: required option '--exp <when>' not specified\n" });
  });

  it('accepts --config-path on every subcommand and reports a missing file as a configuration error, exit 2', async () => {
    for (const args of [['audit', 'verify'], ['keys', 'list'], ['jwt', '--access', 'r', '--exp', '1h'], ['config', 'check'], []]) {
      const r = await quiver([...args, '--config-path', 'missing.yaml']);
      assert.equal(r.code, 2, `${args.join(' ')}: ${r.err}`);
      assert.match(r.err, /^error: configuration: config file \/.*\/missing\.yaml: cannot read \(ENOENT\)\n$/, args.join(' '));
    }
  });

  it('uses the configuration given with --config-path', async () => {
    const cwd = cwdWith({ 'my.yaml': `service:\n  api_key: ${KEY}\n` });
    const jwt = await quiver(['jwt', '--access', 'r', '--exp', '1h', '--config-path', 'my.yaml'], cwd);
    assert.equal(jwt.code, 0, jwt.err);
    assert.match(jwt.out, /^[\w-]+\.[\w-]+\.[\w-]+\n$/);
    const noKey = await quiver(['jwt', '--access', 'r', '--exp', '1h']);
    assert.deepEqual(noKey, { code: 1, out: '', err: 'error: no service.api_key is configured: tokens are signed with it\n' });
  });

  it('config check prints the effective config with secrets redacted and suggests the key a typo meant', async () => {
    const cwd = cwdWith({ 'config/config.yaml': `service:\n  api_key: ${KEY}\n  api_kye: x\n  max_workers: 3\n` });
    const r = await quiver(['config', 'check'], cwd, { QDRANT__AUDIT__HMAC_KEY: 'hmac-secret-value-0123456789abcdef' });
    assert.equal(r.code, 0, r.err);
    assert.ok(!r.out.includes(KEY) && !r.err.includes(KEY), 'the api key is never printed');
    assert.ok(!r.out.includes('hmac-secret-value'), 'the hmac key is never printed');
    assert.match(r.out, /^ {2}api_key: <redacted>$/m);
    assert.match(r.out, /^ {2}hmac_key: <redacted>$/m);
    assert.match(r.out, /^ {2}http_port: 6333$/m);
    assert.match(r.err, /warning: unknown config key service\.api_kye \(in .*config\.yaml\); ignored; did you mean service\.api_key\?/);
    assert.match(r.err, /warning: service\.max_workers is set to 3 but has no effect/);
    assert.match(r.err, /configuration OK\n$/);
  });

  it('config check fails with exit 2 on bad YAML (file:line:column), a bad value, or a config the server would refuse', async () => {
    const yaml = await quiver(['config', 'check'], cwdWith({ 'config/config.yaml': 'service:\n  http_port: 1\n   host: x\n' }));
    assert.equal(yaml.code, 2);
    assert.match(yaml.err, /^error: configuration: config file \/.*\/config\/config\.yaml:2:14: invalid YAML: Nested mappings/m);
    const value = await quiver(['config', 'check'], cwdWith(), { QDRANT__SERVICE__HTTP_PORT: 'abc' });
    assert.equal(value.code, 2);
    assert.match(value.err, /^error: configuration: service\.http_port: expected an integer between 0 and 65535, got "abc"/m);
    const open = await quiver(['config', 'check'], cwdWith(), { QDRANT__SERVICE__HOST: '0.0.0.0' });
    assert.equal(open.code, 2);
    assert.match(open.err, /^error: the server would refuse to start: refusing to listen on 0\.0\.0\.0 without an API key/m);
  });
});
