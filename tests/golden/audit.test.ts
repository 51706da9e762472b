/**
 * The audit log of format version 1 (`tests/fixtures/golden/v1/audit`, 5 lines over two daily files and the
 * checkpoint `audit.head`, chained with the key derived from `audit.key`): `quiver audit verify` passes on it,
 * fails on an edited copy, refuses a directory marked with a newer format, and the file sink continues the chain.
 */
import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { cpSync, existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { tempDir, removeDir } from '../support/app.js';
import { runAuditCommand } from '../../src/cli/audit.js';
import { keyFromFile } from '../../src/auth/audit/key.js';
import { verifyAuditDir } from '../../src/auth/audit/verify.js';
import { JsonlFileSink } from '../../src/auth/audit/file-sink.js';
import { GOLDEN_V1 } from './fixtures.js';
import { killDuringMigration } from './kill-migration.js';

const KEY_FILE = join(GOLDEN_V1, 'audit.key');
const DAY1 = 'audit.2030-06-01.log';
const DAY2 = 'audit.2030-06-02.log';

const dirs: string[] = [];
after(() => dirs.forEach(removeDir));
function copyAuditDir(): string {
  const dir = join(tempDir('quiver-golden-audit-'), 'audit');
  dirs.push(join(dir, '..'));
  cpSync(join(GOLDEN_V1, 'audit'), dir, { recursive: true });
  return dir;
}
async function verifyCli(dir: string, keyFile = KEY_FILE): Promise<{ code: number; out: string[]; err: string[] }> {
  const out: string[] = [];
  const err: string[] = [];
  const code = await runAuditCommand(['verify', dir, '--key-file', keyFile], { config: { dir: '/nonexistent', hmacKey: null }, out: (s) => out.push(s), err: (s) => err.push(s) });
  return { code, out, err };
}

describe('golden v1 audit log', () => {
  it('holds the five events it was made with, in order', () => {
    const lines = [DAY1, DAY2].flatMap((f) => readFileSync(join(GOLDEN_V1, 'audit', f), 'utf8').trimEnd().split('\n')).map((l) => JSON.parse(l));
    assert.deepEqual(
      lines.map((l) => [l.seq, l.method ?? null, l.result, l.collection ?? null]),
      [
        [1, 'create_collection', 'ok', 'docs'],
        [2, 'upsert_points', 'ok', 'docs'],
        [3, 'delete_collection', 'denied', 'docs'],
        [4, null, 'denied', null],
        [5, 'get_collections', 'ok', null],
      ],
    );
    assert.equal(lines[1].subject, 'alice');
    assert.equal(lines[4].tracing_id, 'trace-ü-1');
  });

  it('verifies with the known key (quiver audit verify exits 0)', async () => {
    const dir = copyAuditDir();
    const r = await verifyCli(dir);
    assert.deepEqual(r, { code: 0, out: [`audit log intact: 5 lines in ${dir}`], err: [] });
    assert.deepEqual(verifyAuditDir(join(GOLDEN_V1, 'audit'), keyFromFile(KEY_FILE)), { ok: true, lines: 5 });
  });

  it('fails with another key', async () => {
    const dir = copyAuditDir();
    const other = join(dir, '..', 'other.key');
    writeFileSync(other, 'not the golden key\n');
    const r = await verifyCli(dir, other);
    assert.equal(r.code, 1);
    assert.match(r.err.join('\n'), /does not verify|not the log's key/);
  });

  it('fails on an edited copy, naming the line', async () => {
    const dir = copyAuditDir();
    const file = join(dir, DAY1);
    writeFileSync(file, readFileSync(file, 'utf8').replace('"subject":"alice"', '"subject":"mallo"'));
    const r = await verifyCli(dir);
    assert.equal(r.code, 1);
    assert.deepEqual(r.err, [`audit log verification failed: ${file} line 2: hash mismatch: the line was edited`]);
  });

  it('fails when the last line is cut off (the checkpoint records it)', async () => {
    const dir = copyAuditDir();
    writeFileSync(join(dir, DAY2), '');
    const r = await verifyCli(dir);
    assert.equal(r.code, 1);
    assert.match(r.err.join('\n'), /records seq 5: lines were deleted from the end/);
  });

  it('is continued by the file sink, which records the format (v1) of the unmarked directory', async () => {
    const dir = copyAuditDir();
    assert.equal(existsSync(join(dir, 'audit.format')), false, 'the v1 fixture predates the marker');
    const sink = new JsonlFileSink({ dir, rotation: 'daily', maxLogFiles: 7, failClosed: true, hmacKey: keyFromFile(KEY_FILE) });
    await sink.write({ timestamp: '2030-06-02T00:00:01.000Z', method: 'get_collections', api: '/collections', auth_type: 'None', result: 'ok' });
    await sink.close();
    assert.deepEqual(JSON.parse(readFileSync(join(dir, 'audit.format'), 'utf8')), { format: 'quiver-audit', version: 1 });
    assert.equal(JSON.parse(readFileSync(join(dir, DAY2), 'utf8').trimEnd().split('\n').at(-1)!).seq, 6);
    assert.deepEqual(verifyAuditDir(dir, keyFromFile(KEY_FILE)), { ok: true, lines: 6 });
  });

  it('survives SIGKILL at a random point of writing the marker: the log still verifies, the marker completes', async (t) => {
    const dir = copyAuditDir();
    const marker = join(dir, 'audit.format');
    const outcomes = await killDuringMigration(
      ['audit', dir, KEY_FILE],
      10,
      () => rmSync(marker, { force: true }),
      (finished) => {
        // None (the next open writes it) or the whole of it, never a torn file.
        if (existsSync(marker) || finished) assert.deepEqual(JSON.parse(readFileSync(marker, 'utf8')), { format: 'quiver-audit', version: 1 });
        assert.deepEqual(verifyAuditDir(dir, keyFromFile(KEY_FILE)), { ok: true, lines: 5 });
      },
    );
    t.diagnostic(`kills: ${outcomes.join(' ')}`);
    const sink = new JsonlFileSink({ dir, rotation: 'daily', maxLogFiles: 7, failClosed: true, hmacKey: keyFromFile(KEY_FILE) });
    await sink.open();
    await sink.close();
    assert.deepEqual(JSON.parse(readFileSync(marker, 'utf8')), { format: 'quiver-audit', version: 1 });
    assert.deepEqual(verifyAuditDir(dir, keyFromFile(KEY_FILE)), { ok: true, lines: 5 });
  });

  it('a directory of a newer format is refused by verify and by the sink, not called tampered', async () => {
    const dir = copyAuditDir();
    writeFileSync(join(dir, 'audit.format'), '{"format":"quiver-audit","version":2}\n');
    const r = await verifyCli(dir);
    assert.equal(r.code, 1);
    assert.deepEqual(r.err, [
      `audit log verification failed: ${join(dir, 'audit.format')}: audit log format version 2 is newer than this Quiver supports (max 1); upgrade Quiver`,
    ]);
    const before = readFileSync(join(dir, DAY2));
    const sink = new JsonlFileSink({ dir, rotation: 'daily', maxLogFiles: 7, failClosed: true, hmacKey: keyFromFile(KEY_FILE) });
    await assert.rejects(sink.open(), /audit log format version 2 is newer than this Quiver supports \(max 1\); upgrade Quiver/);
    await sink.close().catch(() => undefined);
    assert.deepEqual(readFileSync(join(dir, DAY2)), before, 'nothing was appended');
  });
});
