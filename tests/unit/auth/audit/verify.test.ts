import { strict as assert } from 'node:assert';
import { appendFileSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { verifyAuditDir, type AuditVerifyResult } from '../../../../src/auth/audit/verify.js';
import { ev, KEY, rawLines, tempDir, writeAll, writeLines } from './helpers.js';

const F1 = 'audit.2030-06-01.log';
const F2 = 'audit.2030-06-02.log';
const F3 = 'audit.2030-06-03.log';

/** Three daily files of three lines each: seq 1–3, 4–6, 7–9. */
async function standardLog(options: { maxLogFiles?: number } = {}): Promise<string> {
  const dir = tempDir();
  const events = [1, 2, 3].flatMap((d) => [1, 2, 3].map((h) => ev(`2030-06-0${d}T0${h}:00:00.000Z`, { collection: `c${d}${h}` })));
  await writeAll(dir, events, options);
  return dir;
}

function assertBad(r: AuditVerifyResult, file: string, line: number, reason: RegExp): void {
  assert.equal(r.ok, false, 'expected verification to fail');
  if (r.ok) return;
  assert.equal(r.file, file);
  assert.equal(r.line, line);
  assert.match(r.reason, reason);
}

/** Rewrites one file through `edit` of its raw lines. */
function edit(dir: string, file: string, change: (lines: string[]) => string[]): void {
  writeLines(dir, file, change(rawLines(dir, file)));
}

void describe('verifyAuditDir', () => {
  void it('accepts an intact log and counts its lines', async () => {
    assert.deepEqual(verifyAuditDir(await standardLog(), KEY), { ok: true, lines: 9 });
  });

  void it('accepts a missing or empty directory', () => {
    assert.deepEqual(verifyAuditDir(join(tempDir(), 'absent'), KEY), { ok: true, lines: 0 });
    assert.deepEqual(verifyAuditDir(tempDir(), KEY), { ok: true, lines: 0 });
  });

  void it('ignores files that are not audit files', async () => {
    const dir = await standardLog();
    writeFileSync(join(dir, 'notes.txt'), 'hello');
    writeFileSync(join(dir, 'audit.2030-02-30.log'), 'not a real date');
    assert.deepEqual(verifyAuditDir(dir, KEY), { ok: true, lines: 9 });
  });

  void it('names an edited line', async () => {
    const dir = await standardLog();
    edit(dir, F2, (l) => l.map((x, i) => (i === 1 ? x.replace('"result":"ok"', '"result":"denied"') : x)));
    assertBad(verifyAuditDir(dir, KEY), F2, 2, /hash mismatch: the line was edited/);
  });

  void it('names an edited seq', async () => {
    const dir = await standardLog();
    edit(dir, F2, (l) => l.map((x, i) => (i === 1 ? x.replace('"seq":5', '"seq":50') : x)));
    assertBad(verifyAuditDir(dir, KEY), F2, 2, /expected seq 5, found seq 50/);
  });

  void it('names a reformatted line and one with a duplicate key', async () => {
    const dir = await standardLog();
    edit(dir, F1, (l) => l.map((x, i) => (i === 2 ? x.replace('{"timestamp"', '{ "timestamp"') : x)));
    assertBad(verifyAuditDir(dir, KEY), F1, 3, /hash mismatch/);

    const dup = await standardLog();
    // JSON.parse keeps the last "result", so a re-serializing check would see the original value.
    edit(dup, F1, (l) => l.map((x, i) => (i === 0 ? x.replace('"result":"ok"', '"result":"denied","result":"ok"') : x)));
    assertBad(verifyAuditDir(dup, KEY), F1, 1, /hash mismatch/);
  });

  void it('names the line after a deleted one', async () => {
    const dir = await standardLog();
    edit(dir, F2, (l) => l.filter((_, i) => i !== 1));
    assertBad(verifyAuditDir(dir, KEY), F2, 2, /expected seq 5, found seq 6: a line was deleted, inserted or reordered/);
  });

  void it('names the first line of a file whose predecessor lost its first line', async () => {
    const dir = await standardLog();
    edit(dir, F2, (l) => l.slice(1));
    assertBad(verifyAuditDir(dir, KEY), F2, 1, /expected seq 4, found seq 5/);
  });

  void it('detects lines deleted from the start of the oldest file', async () => {
    const dir = await standardLog();
    edit(dir, F1, (l) => l.slice(1));
    assertBad(verifyAuditDir(dir, KEY), F1, 1, /no prev_hash: lines were deleted from its start/);
  });

  void it('names an inserted copy of a line', async () => {
    const dir = await standardLog();
    edit(dir, F3, (l) => [l[0]!, l[0]!, ...l.slice(1)]);
    assertBad(verifyAuditDir(dir, KEY), F3, 2, /expected seq 8, found seq 7/);
  });

  void it('names an inserted forged line that continues the numbering', async () => {
    const dir = await standardLog();
    edit(dir, F3, (l) => {
      const forged = JSON.parse(l[2]!) as Record<string, unknown>;
      forged['seq'] = 10;
      forged['hash'] = 'f'.repeat(64);
      return [...l, JSON.stringify(forged)];
    });
    assertBad(verifyAuditDir(dir, KEY), F3, 4, /hash mismatch/);
  });

  void it('names the first of two reordered lines', async () => {
    const dir = await standardLog();
    edit(dir, F1, (l) => [l[0]!, l[2]!, l[1]!]);
    assertBad(verifyAuditDir(dir, KEY), F1, 2, /expected seq 2, found seq 3/);
  });

  void it('detects a file moved before another (renamed)', async () => {
    const dir = await standardLog();
    renameSync(join(dir, F3), join(dir, 'audit.2030-05-31.log'));
    assertBad(verifyAuditDir(dir, KEY), 'audit.2030-05-31.log', 1, /oldest line is seq 7 but audit\.head records that retention kept seq 1/);
  });

  void it('detects lines cut from the end of the newest file (checkpoint)', async () => {
    const dir = await standardLog();
    edit(dir, F3, (l) => l.slice(0, 2));
    assertBad(verifyAuditDir(dir, KEY), F3, 3, /ends at seq 8 but audit\.head records seq 9: lines were deleted from the end/);
  });

  void it('detects a deleted or emptied newest file', async () => {
    const dir = await standardLog();
    rmSync(join(dir, F3));
    assertBad(verifyAuditDir(dir, KEY), F2, 4, /ends at seq 6 but audit\.head records seq 9/);
    writeFileSync(join(dir, F3), '');
    assertBad(verifyAuditDir(dir, KEY), F2, 4, /ends at seq 6/);
  });

  void it('detects every file deleted', async () => {
    const dir = await standardLog();
    for (const f of [F1, F2, F3]) rmSync(join(dir, f));
    assertBad(verifyAuditDir(dir, KEY), 'audit.head', 0, /every log file is missing/);
  });

  void it('detects the newest lines replaced by a different, validly chained ending (checkpoint hash)', async () => {
    const dir = await standardLog();
    const other = tempDir();
    const events = [1, 2, 3].flatMap((d) => [1, 2, 3].map((h) => ev(`2030-06-0${d}T0${h}:00:00.000Z`, { collection: `c${d}${h}` })));
    events[8] = ev('2030-06-03T03:00:00.000Z', { collection: 'rewritten' });
    await writeAll(other, events);
    writeFileSync(join(dir, F3), readFileSync(join(other, F3)));
    assertBad(verifyAuditDir(dir, KEY), F3, 3, /does not match audit\.head \(seq 9\)/);
  });

  void it('still verifies after retention deleted the oldest files', async () => {
    const dir = await standardLog({ maxLogFiles: 2 });
    assert.deepEqual(verifyAuditDir(dir, KEY), { ok: true, lines: 6 });
  });

  void it('detects the oldest file deleted outside retention (checkpoint first seq)', async () => {
    const dir = await standardLog();
    rmSync(join(dir, F1));
    assertBad(verifyAuditDir(dir, KEY), F2, 1, /oldest line is seq 4 but audit\.head records that retention kept seq 1/);
  });

  void it('detects a missing or edited checkpoint', async () => {
    const dir = await standardLog();
    const head = readFileSync(join(dir, 'audit.head'));
    writeFileSync(join(dir, 'audit.head'), head.toString('utf8').replace(/"seq":9/g, '"seq":8'));
    assertBad(verifyAuditDir(dir, KEY), 'audit.head', 0, /does not verify/);
    rmSync(join(dir, 'audit.head'));
    assertBad(verifyAuditDir(dir, KEY), 'audit.head', 0, /is missing/);
  });

  void it('fails on the first line with the wrong key', async () => {
    const dir = await standardLog();
    rmSync(join(dir, 'audit.head'));
    writeFileSync(join(dir, 'audit.head'), '');
    assertBad(verifyAuditDir(dir, Buffer.from('another key')), F1, 1, /not the log's key/);
    assertBad(verifyAuditDir(await standardLog(), Buffer.from('another key')), 'audit.head', 0, /not the log's key/);
  });

  void it('ignores an incomplete last line of the newest file (in flight or torn), not of an older one', async () => {
    const dir = await standardLog();
    appendFileSync(join(dir, F3), '{"timestamp":"2030');
    assert.deepEqual(verifyAuditDir(dir, KEY), { ok: true, lines: 9 });
    appendFileSync(join(dir, F2), '{"timestamp":"2030');
    assertBad(verifyAuditDir(dir, KEY), F2, 4, /incomplete last line in a file that is no longer written to/);
  });

  void it('names a line that is not JSON', async () => {
    const dir = await standardLog();
    edit(dir, F2, (l) => [l[0]!, 'hello', ...l.slice(1)]);
    assertBad(verifyAuditDir(dir, KEY), F2, 2, /not an audit line/);
  });

  void it('detects a changed prev_hash on the first line of a file', async () => {
    const dir = await standardLog();
    edit(dir, F2, (l) => [l[0]!.replace(/"prev_hash":"[0-9a-f]{64}"/, `"prev_hash":"${'a'.repeat(64)}"`), ...l.slice(1)]);
    assertBad(verifyAuditDir(dir, KEY), F2, 1, /prev_hash does not match the hash of audit\.2030-06-01\.log line 3/);
  });
});
