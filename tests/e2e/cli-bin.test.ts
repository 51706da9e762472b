/**
 * The CLI through the real `bin` entry: `npm run build` (tsc → dist/), then the file package.json's `bin.quiver`
 * names, run with plain node exactly as an installed `quiver` is: `keys create|list|revoke`, `jwt`, `audit verify`,
 * bad arguments, and the server itself (serving the keys and tokens the CLI made, reloading a revocation,
 * exiting 0 on SIGTERM).
 */
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { httpJson, startChildServer, tempDir, removeDir, type ChildServer } from '../support/app.js';
import { pollUntil } from '../support/poll.js';

const REPO = fileURLToPath(new URL('../../', import.meta.url));
const API_KEY = 'cli-bin-test-admin-key-0123456789abcdef0123';
const AUDIT_KEY = 'cli-bin-test-audit-hmac-key-0123456789abcd';

describe('the quiver bin entry', () => {
  let bin: string;
  let dir: string;
  let env: Record<string, string>;

  /** Runs `node <bin> ...args` in `dir` with `env`; returns exit code and output. */
  const quiver = (args: readonly string[], extra: Record<string, string> = {}): { code: number | null; out: string; err: string } => {
    const r = spawnSync(process.execPath, [bin, ...args], { cwd: dir, env: { PATH: process.env['PATH'] ?? '', ...env, ...extra }, encoding: 'utf8', timeout: 60_000 });
    return { code: r.status, out: r.stdout, err: r.stderr };
  };

  before(() => {
    const build = spawnSync(process.execPath, [join(REPO, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', join(REPO, 'tsconfig.build.json')], { cwd: REPO, encoding: 'utf8', timeout: 600_000 });
    assert.equal(build.status, 0, `npm run build failed:\n${build.stdout}${build.stderr}`);
    const pkg = JSON.parse(readFileSync(join(REPO, 'package.json'), 'utf8')) as { bin: Record<string, string>; scripts: Record<string, string> };
    // `npm run build` also bundles the dashboard (vite); the CLI needs only the tsc part this test runs.
    assert.match(pkg.scripts['build'] ?? '', /^tsc -p tsconfig\.build\.json(?: && |$)/, 'this test builds the way `npm run build` does');
    bin = join(REPO, pkg.bin['quiver']!);
    assert.ok(existsSync(bin), `package.json bin.quiver (${pkg.bin['quiver']}) does not exist after the build`);
    assert.match(readFileSync(bin, 'utf8'), /^#!\/usr\/bin\/env node\n/, 'the bin file starts with a node shebang');
    dir = tempDir('quiver-cli-bin-');
    env = {
      QDRANT__STORAGE__STORAGE_PATH: join(dir, 'storage'),
      QDRANT__SERVICE__API_KEY: API_KEY,
      QDRANT__SERVICE__JWT_RBAC: 'true',
      QDRANT__SERVICE__API_KEYS_FILE: join(dir, 'keys.yaml'),
      QDRANT__AUDIT__ENABLED: 'true',
      QDRANT__AUDIT__DIR: join(dir, 'audit'),
      QDRANT__AUDIT__HMAC_KEY: AUDIT_KEY,
    };
  });
  after(() => removeDir(dir));

  it('manages keys, mints JWTs, serves them, reloads a revocation, verifies the audit log and stops on SIGTERM', { timeout: 240_000 }, async () => {
    const created = quiver(['keys', 'create', '--name', 'ci', '--access', 'r', '--expires', '90d']);
    assert.equal(created.code, 0, created.err);
    const key = created.out.trim();
    assert.match(key, /^qvk_[A-Za-z0-9_-]{43}$/);
    assert.match(created.err, /this is the only time it is shown/);
    assert.ok(!readFileSync(join(dir, 'keys.yaml'), 'utf8').includes(key), 'the keys file holds the hash only');
    const listed = quiver(['keys', 'list']);
    assert.equal(listed.code, 0, listed.err);
    assert.match(listed.out, /\bci\b/);
    assert.ok(!listed.out.includes(key));
    const jwt = quiver(['jwt', '--access', 'docs:rw', '--exp', '1h', '--subject', 'alice']);
    assert.equal(jwt.code, 0, jwt.err);
    const token = jwt.out.trim();
    assert.match(token, /^[\w-]+\.[\w-]+\.[\w-]+$/);

    const server: ChildServer = await startChildServer(dir, env, undefined, [], { entry: bin });
    try {
      const admin = { 'api-key': API_KEY };
      assert.equal((await httpJson(server.url, 'PUT', '/collections/docs', { vectors: { size: 2, distance: 'Dot' } }, admin)).status, 200);
      assert.equal((await httpJson(server.url, 'PUT', '/collections/other', { vectors: { size: 2, distance: 'Dot' } }, admin)).status, 200);
      // The named key reads, and may not write.
      assert.equal((await httpJson(server.url, 'GET', '/collections', undefined, { 'api-key': key })).status, 200);
      assert.equal((await httpJson(server.url, 'DELETE', '/collections/other', undefined, { 'api-key': key })).status, 403);
      // The JWT writes to docs only.
      const bearer = { authorization: `Bearer ${token}` };
      assert.equal((await httpJson(server.url, 'PUT', '/collections/docs/points?wait=true', { points: [{ id: 1, vector: [1, 0] }] }, bearer)).status, 200);
      assert.equal((await httpJson(server.url, 'GET', '/collections/other', undefined, bearer)).status, 403);
      // Revoked through the CLI: the running server drops the key without a restart.
      const revoked = quiver(['keys', 'revoke', 'ci']);
      assert.equal(revoked.code, 0, revoked.err);
      await pollUntil('the revocation to reach the running server', async () => (await httpJson(server.url, 'GET', '/collections', undefined, { 'api-key': key })).status === 401);
      assert.equal(await server.stop('SIGTERM'), 0, server.output());
    } finally {
      await server.stop('SIGKILL');
    }

    const verified = quiver(['audit', 'verify', join(dir, 'audit')]);
    assert.equal(verified.code, 0, `${verified.out}${verified.err}`);
    const [file] = readdirSync(join(dir, 'audit')).filter((f) => f.endsWith('.log'));
    assert.ok(file !== undefined);
    const lines = readFileSync(join(dir, 'audit', file), 'utf8').split('\n');
    assert.match(lines[1]!, /"result":"ok"/);
    lines[1] = lines[1]!.replace('"result":"ok"', '"result":"denied"');
    writeFileSync(join(dir, 'audit', file), lines.join('\n'));
    const tampered = quiver(['audit', 'verify', join(dir, 'audit')]);
    assert.notEqual(tampered.code, 0, 'an edited audit line must fail verification');
    assert.match(`${tampered.out}${tampered.err}`, /line 2: hash mismatch/);
  });

  it('refuses bad arguments and bad configuration with exit code 2 and a message', () => {
    const unknown = quiver(['--no-such-flag']);
    assert.equal(unknown.code, 2, `${unknown.out}${unknown.err}`);
    assert.match(unknown.err, /no-such-flag/);
    const badKeys = quiver(['keys', 'create', '--name', 'x', '--access', 'r', '--expires', 'soon']);
    assert.equal(badKeys.code, 2, badKeys.err);
    assert.match(badKeys.err, /--expires must be a duration/);
    const badConfig = quiver([], { QDRANT__SERVICE__HTTP_PORT: 'not-a-port' });
    assert.equal(badConfig.code, 2, badConfig.err);
    assert.match(badConfig.err, /^error: configuration: service\.http_port: /);
  });
});
