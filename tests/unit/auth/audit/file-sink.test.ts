import { strict as assert } from 'node:assert';
import { appendFileSync, existsSync, mkdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { AUDIT_UNAVAILABLE_MESSAGE, AuditWriteError, JsonlFileSink } from '../../../../src/auth/audit/file-sink.js';
import { verifyAuditDir } from '../../../../src/auth/audit/verify.js';
import { readCheckpoint } from '../../../../src/auth/audit/chain.js';
import { isAppError } from '../../../../src/errors.js';
import { ev, fileSink, KEY, logFiles, rawLines, readLines, tempDir, writeAll } from './helpers.js';

const day = (d: number, time = '12:00:00'): string => `2030-06-${String(d).padStart(2, '0')}T${time}.000Z`;

void describe('JsonlFileSink rotation and retention', () => {
  void it('writes one JSON object per line to audit.YYYY-MM-DD.log, chosen by the event timestamp', async () => {
    const dir = tempDir();
    await writeAll(dir, [ev(day(1)), ev(day(1, '23:59:59')), ev(day(2, '00:00:00'))]);
    assert.deepEqual(logFiles(dir), ['audit.2030-06-01.log', 'audit.2030-06-02.log']);
    const first = readLines(dir, 'audit.2030-06-01.log');
    assert.equal(first.length, 2);
    assert.equal(first[0]!['timestamp'], day(1));
    assert.equal(first[0]!['method'], 'search_points');
    assert.deepEqual(
      first.map((l) => l['seq']),
      [1, 2],
    );
    assert.equal(readLines(dir, 'audit.2030-06-02.log')[0]!['seq'], 3);
  });

  void it('rotates hourly to audit.YYYY-MM-DD-HH.log (UTC)', async () => {
    const dir = tempDir();
    await writeAll(dir, [ev('2030-06-01T10:59:59.999Z'), ev('2030-06-01T11:00:00.000Z'), ev('2030-06-01T13:30:00+02:00')], { rotation: 'hourly' });
    assert.deepEqual(logFiles(dir), ['audit.2030-06-01-10.log', 'audit.2030-06-01-11.log']);
    assert.equal(readLines(dir, 'audit.2030-06-01-11.log').length, 2);
  });

  for (const maxLogFiles of [1, 2, 3]) {
    void it(`keeps the newest ${maxLogFiles} daily file(s) and the rest still verifies`, async () => {
      const dir = tempDir();
      const events = [1, 2, 3, 4, 5].flatMap((d) => [ev(day(d, '01:00:00')), ev(day(d, '02:00:00'))]);
      await writeAll(dir, events, { maxLogFiles });
      const expected = [1, 2, 3, 4, 5].slice(5 - maxLogFiles).map((d) => `audit.2030-06-0${d}.log`);
      assert.deepEqual(logFiles(dir), expected);
      assert.deepEqual(verifyAuditDir(dir, KEY), { ok: true, lines: 2 * maxLogFiles });
    });

    void it(`keeps the newest ${maxLogFiles} hourly file(s)`, async () => {
      const dir = tempDir();
      const events = [0, 1, 2, 3].map((h) => ev(`2030-06-01T0${h}:15:00Z`));
      await writeAll(dir, events, { maxLogFiles, rotation: 'hourly' });
      const expected = [0, 1, 2, 3].slice(4 - maxLogFiles).map((h) => `audit.2030-06-01-0${h}.log`);
      assert.deepEqual(logFiles(dir), expected);
      assert.deepEqual(verifyAuditDir(dir, KEY), { ok: true, lines: maxLogFiles });
    });
  }

  void it('applies retention to files already there when it opens', async () => {
    const dir = tempDir();
    await writeAll(dir, [1, 2, 3].map((d) => ev(day(d))));
    const { sink } = fileSink(dir, { maxLogFiles: 1 });
    await sink.open();
    assert.deepEqual(logFiles(dir), ['audit.2030-06-03.log']);
    await sink.close();
    assert.deepEqual(verifyAuditDir(dir, KEY), { ok: true, lines: 1 });
  });

  void it('never goes back to an older file: a late event joins the current one', async () => {
    const dir = tempDir();
    await writeAll(dir, [ev(day(2, '00:00:00')), ev(day(1, '23:59:59'))]);
    assert.deepEqual(logFiles(dir), ['audit.2030-06-02.log']);
    assert.equal(readLines(dir, 'audit.2030-06-02.log').length, 2);
  });

  void it('uses the injected clock for an event whose timestamp does not parse', async () => {
    const dir = tempDir();
    await writeAll(dir, [ev('not a time')], { clock: () => new Date(day(9)) });
    assert.deepEqual(logFiles(dir), ['audit.2030-06-09.log']);
  });

  void it('creates files with mode 0600 in a directory created with mode 0700', async () => {
    const dir = join(tempDir(), 'nested', 'audit');
    await writeAll(dir, [ev(day(1))]);
    assert.equal(statSync(dir).mode & 0o777, 0o700);
    assert.equal(statSync(join(dir, 'audit.2030-06-01.log')).mode & 0o777, 0o600);
  });
});

void describe('JsonlFileSink group commit', () => {
  void it('loses nothing and keeps call order under 10k concurrent writes, in far fewer appends', async () => {
    const dir = tempDir();
    const { sink } = fileSink(dir);
    const n = 10_000;
    await Promise.all(Array.from({ length: n }, (_, i) => sink.write(ev(day(1), { tracing_id: String(i) }))));
    await sink.close();
    assert.ok(sink.appendCount < n / 10, `expected group commits, got ${sink.appendCount} appends for ${n} lines`);
    const lines = readLines(dir, 'audit.2030-06-01.log');
    assert.equal(lines.length, n);
    lines.forEach((l, i) => {
      assert.equal(l['seq'], i + 1);
      assert.equal(l['tracing_id'], String(i));
    });
    assert.deepEqual(verifyAuditDir(dir, KEY), { ok: true, lines: n });
  });

  void it('resolves write only after the line is in the file', async () => {
    const dir = tempDir();
    const { sink } = fileSink(dir);
    for (let i = 0; i < 3; i++) {
      await sink.write(ev(day(1), { tracing_id: `t${i}` }));
      assert.equal(readLines(dir, 'audit.2030-06-01.log').length, i + 1);
    }
    await sink.close();
  });

  void it('batches events that arrive while an append is in flight, and splits batches at maxBatch', async () => {
    const dir = tempDir();
    const { sink } = fileSink(dir, { maxBatch: 7 });
    await Promise.all(Array.from({ length: 100 }, (_, i) => sink.write(ev(day(1), { tracing_id: String(i) }))));
    await sink.close();
    assert.deepEqual(
      readLines(dir, 'audit.2030-06-01.log').map((l) => l['tracing_id']),
      Array.from({ length: 100 }, (_, i) => String(i)),
    );
  });

  void it('a quiet sink starts an append at once, before callbacks already scheduled run (the sync overlaps the handler)', async () => {
    const dir = tempDir();
    const { sink } = fileSink(dir, { livenessCheckMs: -1 });
    await sink.write(ev(day(1), { tracing_id: 'r0' }));
    // The drain that wrote it ends in the microtasks after it resolved.
    await new Promise((resolve) => setImmediate(resolve));
    // What the append count was when a callback scheduled before the write ran. The write may finish before that
    // callback (its sync is fast on a slow loop), so wait for both rather than assume an order.
    let seen = -1;
    const looked = new Promise<void>((resolve) =>
      setImmediate(() => {
        seen = sink.appendCount;
        resolve();
      }),
    );
    await sink.write(ev(day(1), { tracing_id: 'r1' }));
    await looked;
    assert.equal(seen, 2);
    await sink.close();
  });

  void it('a busy sink puts the events of separate callbacks of one event-loop phase in one append, in order', async () => {
    // Like requests whose data arrived together: each is its own callback (macrotask), run in the same phase.
    const dir = tempDir();
    const { sink } = fileSink(dir, { livenessCheckMs: -1 });
    // Three events in one drain: requests are arriving together.
    await Promise.all(['r0', 'r1', 'r2'].map((t) => sink.write(ev(day(1), { tracing_id: t }))));
    assert.equal(sink.appendCount, 1);
    const writes = await new Promise<Array<Promise<void>>>((resolve) => {
      const out: Array<Promise<void>> = [];
      for (let i = 3; i < 8; i++) {
        setImmediate(() => {
          out.push(sink.write(ev(day(1), { tracing_id: `r${i}` })));
          if (out.length === 5) resolve(out);
        });
      }
    });
    await Promise.all(writes);
    assert.equal(sink.appendCount, 2);
    await sink.close();
    assert.deepEqual(
      readLines(dir, 'audit.2030-06-01.log').map((l) => l['tracing_id']),
      Array.from({ length: 8 }, (_, i) => `r${i}`),
    );
    assert.deepEqual(verifyAuditDir(dir, KEY), { ok: true, lines: 8 });
  });

  void it('splits one batch across a rotation, each file starting with prev_hash', async () => {
    const dir = tempDir();
    const { sink } = fileSink(dir);
    await Promise.all([ev(day(1)), ev(day(1)), ev(day(2)), ev(day(2))].map((e) => sink.write(e)));
    await sink.close();
    const [a, b] = [readLines(dir, 'audit.2030-06-01.log'), readLines(dir, 'audit.2030-06-02.log')];
    assert.equal(a.length, 2);
    assert.equal(b.length, 2);
    assert.equal(a[0]!['prev_hash'], '0'.repeat(64));
    assert.equal(a[1]!['prev_hash'], undefined);
    assert.equal(b[0]!['prev_hash'], a[1]!['hash']);
    assert.deepEqual(verifyAuditDir(dir, KEY), { ok: true, lines: 4 });
  });

  void it('drops chain fields an event brings along', async () => {
    const dir = tempDir();
    const { sink } = fileSink(dir);
    await sink.write({ ...ev(day(1)), seq: 99, hash: 'x', prev_hash: 'y' } as never);
    await sink.close();
    const [line] = readLines(dir, 'audit.2030-06-01.log');
    assert.equal(line!['seq'], 1);
    assert.deepEqual(verifyAuditDir(dir, KEY), { ok: true, lines: 1 });
  });
});

void describe('JsonlFileSink restart', () => {
  void it('continues seq and hash chain after reopen, across files', async () => {
    const dir = tempDir();
    await writeAll(dir, [ev(day(1)), ev(day(1))]);
    await writeAll(dir, [ev(day(1)), ev(day(2))]);
    const lines = [...readLines(dir, 'audit.2030-06-01.log'), ...readLines(dir, 'audit.2030-06-02.log')];
    assert.deepEqual(
      lines.map((l) => l['seq']),
      [1, 2, 3, 4],
    );
    assert.deepEqual(verifyAuditDir(dir, KEY), { ok: true, lines: 4 });
  });

  void it('cuts a torn last line (a crash mid-write) before appending', async () => {
    const dir = tempDir();
    await writeAll(dir, [ev(day(1)), ev(day(1))]);
    const file = join(dir, 'audit.2030-06-01.log');
    appendFileSync(file, '{"timestamp":"2030-06-01T12:00:00.000Z","method":"sear');
    const { sink, warnings } = fileSink(dir);
    await sink.write(ev(day(1), { tracing_id: 'after' }));
    await sink.close();
    const lines = readLines(dir, 'audit.2030-06-01.log');
    assert.deepEqual(
      lines.map((l) => l['seq']),
      [1, 2, 3],
    );
    assert.equal(lines[2]!['tracing_id'], 'after');
    assert.ok(warnings.some((w) => w.includes('torn last line')));
    assert.deepEqual(verifyAuditDir(dir, KEY), { ok: true, lines: 3 });
  });

  void it('cuts a file that holds only a torn line to empty and resumes from the previous file', async () => {
    const dir = tempDir();
    await writeAll(dir, [ev(day(1))]);
    writeFileSync(join(dir, 'audit.2030-06-02.log'), '{"timesta');
    await writeAll(dir, [ev(day(2))]);
    const lines = readLines(dir, 'audit.2030-06-02.log');
    assert.equal(lines.length, 1);
    assert.equal(lines[0]!['seq'], 2);
    assert.equal(lines[0]!['prev_hash'], readLines(dir, 'audit.2030-06-01.log')[0]!['hash']);
    assert.deepEqual(verifyAuditDir(dir, KEY), { ok: true, lines: 2 });
  });

  void it('continues from the checkpoint when lines were cut from the end, so verify reports the gap', async () => {
    const dir = tempDir();
    await writeAll(dir, [ev(day(1)), ev(day(1)), ev(day(1))]);
    const file = join(dir, 'audit.2030-06-01.log');
    const keep = rawLines(dir, 'audit.2030-06-01.log').slice(0, 1);
    writeFileSync(file, `${keep.join('\n')}\n`);
    const { sink, warnings } = fileSink(dir);
    await sink.write(ev(day(1)));
    await sink.close();
    assert.deepEqual(
      readLines(dir, 'audit.2030-06-01.log').map((l) => l['seq']),
      [1, 4],
    );
    assert.ok(warnings.some((w) => w.includes('lines were removed')));
    const r = verifyAuditDir(dir, KEY);
    assert.equal(r.ok, false);
    assert.equal(!r.ok && r.line, 2);
  });

  void it('brings the checkpoint up to the newest line in the background, never ahead of the log', async () => {
    const dir = tempDir();
    const { sink } = fileSink(dir);
    const head = (): { seq: number; hash: string } => {
      const c = readCheckpoint(KEY, readFileSync(join(dir, 'audit.head')));
      assert.equal(c.state, 'ok');
      return c.state === 'ok' ? c.checkpoint : { seq: -1, hash: '' };
    };
    const lastLine = (): Record<string, unknown> => readLines(dir, 'audit.2030-06-01.log').at(-1)!;
    for (let round = 0; round < 20; round++) {
      await Promise.all(Array.from({ length: 1 + (round % 5) }, () => sink.write(ev(day(1)))));
      // The write resolved, so the line is durable; the checkpoint may trail it, never lead it.
      assert.ok(head().seq <= (lastLine()['seq'] as number));
    }
    // Without close (which syncs it), the checkpoint catches up to the last line of its own accord.
    const last = lastLine();
    for (let i = 0; i < 6000 && head().seq !== last['seq']; i++) await new Promise((resolve) => setTimeout(resolve, 10));
    assert.deepEqual(head(), { ...head(), seq: last['seq'], hash: last['hash'] });
    await sink.close();
    assert.equal(verifyAuditDir(dir, KEY).ok, true);
  });

  void it('writes a checkpoint that verifies', async () => {
    const dir = tempDir();
    await writeAll(dir, [ev(day(1))]);
    assert.ok(existsSync(join(dir, 'audit.head')));
    assert.equal(statSync(join(dir, 'audit.head')).size, 512);
  });
});

void describe('JsonlFileSink write failures', () => {
  /** A path under a regular file: mkdir and open fail with ENOTDIR, for root too. */
  function unusableDir(): string {
    const parent = join(tempDir(), 'not-a-dir');
    writeFileSync(parent, '');
    return join(parent, 'audit');
  }

  void it('fail-closed: rejects with AuditWriteError (503 unavailable) when the directory cannot be used', async () => {
    const { sink, warnings } = fileSink(unusableDir(), { failClosed: true });
    const write = sink.write(ev(day(1)));
    await assert.rejects(write, (e: unknown) => {
      assert.ok(e instanceof AuditWriteError);
      assert.ok(isAppError(e));
      assert.equal(e.kind, 'unavailable');
      assert.equal(e.message, AUDIT_UNAVAILABLE_MESSAGE);
      assert.match(e.detail, /ENOTDIR/);
      return true;
    });
    assert.equal(sink.lostLines, 0);
    assert.equal(warnings.length, 1);
    assert.match(warnings[0]!, /refused with 503/);
    await sink.close();
  });

  void it('fail-closed: refuses once the directory is replaced after it was in use, then recovers', async () => {
    const dir = tempDir();
    const { sink, warnings } = fileSink(dir, { failClosed: true, livenessCheckMs: 0 });
    await sink.write(ev(day(1)));
    rmSync(dir, { recursive: true });
    writeFileSync(dir, 'not a directory');
    await assert.rejects(sink.write(ev(day(1))), AuditWriteError);
    await assert.rejects(sink.write(ev(day(2))), AuditWriteError);
    rmSync(dir);
    mkdirSync(dir);
    await sink.write(ev(day(2)));
    await sink.close();
    assert.ok(warnings.some((w) => w.includes('writable again')));
    assert.equal(readLines(dir, 'audit.2030-06-02.log').length, 1);
  });

  void it('fail-open: resolves, counts lost lines, reports them through onLost and warns once', async () => {
    const lost: number[] = [];
    const { sink, warnings } = fileSink(unusableDir(), { onLost: (n) => lost.push(n) });
    await Promise.all([sink.write(ev(day(1))), sink.write(ev(day(1))), sink.write(ev(day(1)))]);
    await sink.write(ev(day(1)));
    assert.equal(sink.lostLines, 4);
    assert.equal(
      lost.reduce((a, b) => a + b, 0),
      4,
    );
    assert.equal(warnings.length, 1);
    assert.match(warnings[0]!, /being lost/);
    await sink.close();
  });

  void it('fail-open: a throwing onLost callback does not break write', async () => {
    const { sink } = fileSink(unusableDir(), {
      onLost: () => {
        throw new Error('metric broke');
      },
    });
    await sink.write(ev(day(1)));
    assert.equal(sink.lostLines, 1);
    await sink.close();
  });

  void it('never throws synchronously, and fails writes after close per the policy', async () => {
    const dir = tempDir();
    const closedOpen = fileSink(dir).sink;
    await closedOpen.close();
    await closedOpen.write(ev(day(1)));
    assert.equal(closedOpen.lostLines, 1);
    const closedShut = fileSink(dir, { failClosed: true }).sink;
    await closedShut.close();
    await assert.rejects(closedShut.write(ev(day(1))), AuditWriteError);
  });

  void it('close() flushes queued lines', async () => {
    const dir = tempDir();
    const { sink } = fileSink(dir);
    const writes = Array.from({ length: 50 }, () => sink.write(ev(day(1))));
    await sink.close();
    await Promise.all(writes);
    assert.equal(readLines(dir, 'audit.2030-06-01.log').length, 50);
  });

  void it('restarts a file deleted while open, and verify reports the deletion', async () => {
    const dir = tempDir();
    const { sink, warnings } = fileSink(dir, { livenessCheckMs: 0 });
    await sink.write(ev(day(1)));
    await sink.write(ev(day(2)));
    rmSync(join(dir, 'audit.2030-06-02.log'));
    await sink.write(ev(day(2)));
    await sink.close();
    assert.ok(warnings.some((w) => w.includes('deleted while open')));
    assert.equal(readLines(dir, 'audit.2030-06-02.log').length, 1);
    assert.equal(verifyAuditDir(dir, KEY).ok, false);
  });

  void it('rejects a bad max_log_files at construction', () => {
    assert.throws(() => new JsonlFileSink({ dir: tempDir(), rotation: 'daily', maxLogFiles: 0, failClosed: false, hmacKey: KEY }), RangeError);
  });

  void it('reports the directory size', async () => {
    const dir = tempDir();
    const { sink } = fileSink(dir);
    await sink.write(ev(day(1)));
    const size = sink.dirSize();
    assert.ok(size >= readFileSync(join(dir, 'audit.2030-06-01.log')).length + 512);
    await sink.close();
  });

  void it('resumes after a last line that is not a chain line, which verify then names', async () => {
    const dir = tempDir();
    await writeAll(dir, [ev(day(1))]);
    appendFileSync(join(dir, 'audit.2030-06-01.log'), 'garbage\n');
    await writeAll(dir, [ev(day(1))]);
    const r = verifyAuditDir(dir, KEY);
    assert.equal(r.ok, false);
    assert.equal(!r.ok && r.line, 2);
    const raw = rawLines(dir, 'audit.2030-06-01.log');
    assert.equal(raw[1], 'garbage');
    assert.equal(JSON.parse(raw[2]!).seq, 2);
  });
});
