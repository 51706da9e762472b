import { strict as assert } from 'node:assert';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import type { AuditEvent } from '../../../src/auth/audit-event.js';
import { JsonlFileSink } from '../../../src/auth/audit/file-sink.js';
import { deriveAuditKey, keyFromFile } from '../../../src/auth/audit/key.js';
import { runAuditCommand, type AuditCommandContext } from '../../../src/cli/audit.js';

const KEY = Buffer.from('cli-test-key');
const dirs: string[] = [];
after(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});
function tempDir(): string {
  const d = mkdtempSync(join(tmpdir(), 'quiver-cli-audit-'));
  dirs.push(d);
  return d;
}

const event = (i: number): AuditEvent => ({
  timestamp: `2030-06-01T10:00:0${i}.000Z`,
  method: 'get_collections',
  api: '/collections',
  auth_type: 'ApiKey',
  result: 'ok',
});

async function writeLog(dir: string, key: Buffer, n = 3): Promise<void> {
  const sink = new JsonlFileSink({ dir, rotation: 'daily', maxLogFiles: 7, failClosed: true, hmacKey: key });
  for (let i = 0; i < n; i++) await sink.write(event(i));
  await sink.close();
}

async function run(argv: string[], config: AuditCommandContext['config']): Promise<{ code: number; out: string[]; err: string[] }> {
  const out: string[] = [];
  const err: string[] = [];
  const code = await runAuditCommand(argv, { config, out: (s) => out.push(s), err: (s) => err.push(s) });
  return { code, out, err };
}

void describe('quiver audit verify', () => {
  void it('exits 0 on an intact log in the configured directory', async () => {
    const dir = tempDir();
    await writeLog(dir, KEY);
    const r = await run(['verify'], { dir, hmacKey: KEY });
    assert.equal(r.code, 0);
    assert.deepEqual(r.out, [`audit log intact: 3 lines in ${dir}`]);
    assert.deepEqual(r.err, []);
  });

  void it('exits 1 naming the first bad line of the directory given as DIR', async () => {
    const dir = tempDir();
    await writeLog(dir, KEY);
    const file = join(dir, 'audit.2030-06-01.log');
    writeFileSync(file, readFileSync(file, 'utf8').replace('"method":"get_collections"', '"method":"delete_collection"'));
    const r = await run(['verify', dir], { dir: '/nonexistent', hmacKey: KEY });
    assert.equal(r.code, 1);
    assert.equal(r.err.length, 1);
    assert.match(r.err[0]!, new RegExp(`^audit log verification failed: ${file.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')} line 1: hash mismatch`));
  });

  void it('names a deleted line', async () => {
    const dir = tempDir();
    await writeLog(dir, KEY, 4);
    const file = join(dir, 'audit.2030-06-01.log');
    const lines = readFileSync(file, 'utf8').split('\n');
    writeFileSync(file, [lines[0], lines[2], lines[3], ''].join('\n'));
    const r = await run(['verify'], { dir, hmacKey: KEY });
    assert.equal(r.code, 1);
    assert.match(r.err[0]!, /line 2: expected seq 2, found seq 3/);
  });

  void it('uses the directory key when no key is configured, and --key-file when given', async () => {
    const dir = tempDir();
    const dirKey = deriveAuditKey({ dir, hmac_key: null, hmac_key_file: null }, null);
    await writeLog(dir, dirKey);
    assert.equal((await run(['verify'], { dir, hmacKey: null })).code, 0);

    const other = tempDir();
    const keyFile = join(tempDir(), 'key');
    writeFileSync(keyFile, 'key file contents');
    await writeLog(other, keyFromFile(keyFile));
    assert.equal((await run(['verify', other, '--key-file', keyFile], { dir, hmacKey: KEY })).code, 0);
    assert.equal((await run(['verify', other], { dir, hmacKey: KEY })).code, 1);
  });

  void it('exits 2 without a key, on unknown options, extra arguments and unknown subcommands', async () => {
    const dir = tempDir();
    await writeLog(dir, KEY);
    const noKey = await run(['verify'], { dir, hmacKey: null });
    assert.equal(noKey.code, 2);
    assert.match(noKey.err[0]!, /no audit key/);
    assert.equal((await run(['verify', '--bogus'], { dir, hmacKey: KEY })).code, 2);
    assert.equal((await run(['verify', dir, dir], { dir, hmacKey: KEY })).code, 2);
    assert.equal((await run(['frobnicate'], { dir, hmacKey: KEY })).code, 2);
    assert.equal((await run([], { dir, hmacKey: KEY })).code, 2);
  });

  void it('exits 1 when DIR is not a directory, and prints usage on help', async () => {
    const r = await run(['verify', join(tempDir(), 'absent')], { dir: '.', hmacKey: KEY });
    assert.equal(r.code, 1);
    assert.match(r.err[0]!, /is not a directory/);
    const help = await run(['help'], { dir: '.', hmacKey: KEY });
    assert.equal(help.code, 0);
    assert.match(help.out[0]!, /quiver audit verify \[DIR\]/);
  });
});
