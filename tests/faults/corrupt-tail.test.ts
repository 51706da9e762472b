/**
 * A damaged end of the data file. Quiver has no separate WAL: LMDB's commit is the durability point. A
 * transaction writes its pages copy-on-write, then one of the two meta pages (pages 0 and 1, alternating)
 * naming the new root; the highest valid transaction id wins on open. So the equivalents of "a corrupted last
 * WAL record" are, precisely:
 *
 * 1. garbage after the last page of the file (a torn append): ignored on open;
 * 2. a torn last commit — its pages written (here: then overwritten with garbage) but its meta page not: the
 *    newest meta page is put back to its bytes before the commit. LMDB opens the previous transaction;
 * 3. a zeroed newest meta page (a meta write that never reached the disk): LMDB falls back to the other one.
 *
 * In every case the earlier data must be intact, the last commit absent as a whole (never half-applied), and
 * the store must take new writes that survive another restart.
 *
 * Not tested, documented instead: random garbage in the newest meta page. lmdb-js checks the magic of the
 * first meta page only, so a garbage second meta page with a higher transaction id is trusted; in a trial the
 * server then hung on start. LMDB relies on meta writes being atomic (one sector), so this needs a disk that
 * tears sectors. lmdb-js's `usePreviousSnapshot` option (MDB_PREVSNAPSHOT) would be the recovery tool.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { appendFileSync, closeSync, openSync, readFileSync, readSync, statSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { spawn } from 'node:child_process';
import { startChildServer, tempDir, removeDir, freePort, type ChildServer } from '../support/app.js';

const MAIN = join(import.meta.dirname, '..', '..', 'src', 'main.ts');

const PAGE = 4096;
/** MDB_meta field offsets inside a meta page (24-byte page header, then magic, version, address, mapsize, 2 × MDB_db). */
const MAGIC_AT = 24;
const LAST_PG_AT = 144;
const TXNID_AT = 152;

interface Meta {
  readonly slot: 0 | 1;
  readonly txn: bigint;
  readonly lastPage: bigint;
  readonly bytes: Buffer;
}

function readMetas(file: string): [Meta, Meta] {
  const fd = openSync(file, 'r');
  try {
    const read = (slot: 0 | 1): Meta => {
      const bytes = Buffer.alloc(PAGE);
      readSync(fd, bytes, 0, PAGE, slot * PAGE);
      assert.equal(bytes.readUInt32LE(MAGIC_AT), 0xbeefc0de, `meta page ${slot} has no LMDB magic: is the page size ${PAGE}?`);
      return { slot, txn: bytes.readBigUInt64LE(TXNID_AT), lastPage: bytes.readBigUInt64LE(LAST_PG_AT), bytes };
    };
    return [read(0), read(1)];
  } finally {
    closeSync(fd);
  }
}

const newest = (m: [Meta, Meta]): Meta => (m[0].txn > m[1].txn ? m[0] : m[1]);

function writeAt(file: string, offset: number, bytes: Buffer): void {
  const fd = openSync(file, 'r+');
  try {
    writeSync(fd, bytes, 0, bytes.length, offset);
  } finally {
    closeSync(fd);
  }
}

async function req(server: ChildServer, method: string, path: string, body?: unknown): Promise<{ status: number; body: any }> {
  const r = await fetch(server.url + path, { method, headers: { 'content-type': 'application/json' }, ...(body === undefined ? {} : { body: JSON.stringify(body) }) });
  return { status: r.status, body: await r.json() };
}

const points = (from: number, to: number, marker: string): unknown[] =>
  Array.from({ length: to - from + 1 }, (_, i) => ({ id: from + i, vector: [from + i, 1, 2, 3], payload: { marker, n: from + i } }));

/** Ids and markers of every stored point. */
async function state(server: ChildServer): Promise<Map<number, string>> {
  const r = await req(server, 'POST', '/collections/t/points/scroll', { limit: 10_000, with_payload: true });
  assert.equal(r.status, 200, JSON.stringify(r.body));
  return new Map((r.body.result.points as Array<{ id: number; payload: { marker: string } }>).map((p) => [p.id, p.payload.marker]));
}

describe('damaged end of the data file (LMDB)', () => {
  /** A store holding batches A (ids 1–50) and B (51–100); returns the directory and the data file. */
  async function prepared(): Promise<{ dir: string; file: string; env: Record<string, string> }> {
    const dir = tempDir('quiver-tail-');
    const env = { QDRANT__STORAGE__STORAGE_PATH: join(dir, 'storage') };
    const server = await startChildServer(dir, env);
    try {
      assert.equal((await req(server, 'PUT', '/collections/t', { vectors: { size: 4, distance: 'Dot' } })).status, 200);
      assert.equal((await req(server, 'PUT', '/collections/t/points?wait=true', { points: points(1, 50, 'A') })).status, 200);
      assert.equal((await req(server, 'PUT', '/collections/t/points?wait=true', { points: points(51, 100, 'B') })).status, 200);
    } finally {
      await server.stop('SIGKILL');
    }
    return { dir, file: join(dir, 'storage', 'quiver.mdb'), env };
  }

  async function assertIntactAndWritable(dir: string, env: Record<string, string>, expected: Map<number, string>): Promise<void> {
    let server = await startChildServer(dir, env);
    try {
      assert.deepEqual(await state(server), expected, 'stored points after the damage');
      assert.equal((await req(server, 'PUT', '/collections/t/points?wait=true', { points: points(500, 520, 'D') })).status, 200, 'a write after the damage');
      await server.stop('SIGKILL');
      server = await startChildServer(dir, env);
      const after = await state(server);
      for (let id = 500; id <= 520; id++) expected.set(id, 'D');
      assert.deepEqual(after, expected, 'stored points after a write and another restart');
    } finally {
      await server.stop('SIGKILL');
    }
  }

  const baseline = (): Map<number, string> => new Map([...Array.from({ length: 50 }, (_, i): [number, string] => [i + 1, 'A']), ...Array.from({ length: 50 }, (_, i): [number, string] => [i + 51, 'B'])]);

  it('ignores garbage appended after the last page', { timeout: 120_000 }, async () => {
    const { dir, file, env } = await prepared();
    try {
      const size = statSync(file).size;
      appendFileSync(file, randomBytes(3 * PAGE + 1234));
      assert.ok(statSync(file).size > size);
      await assertIntactAndWritable(dir, env, baseline());
    } finally {
      removeDir(dir);
    }
  });

  for (const damage of ['meta page put back to its bytes before the commit, commit pages garbage', 'newest meta page zeroed'] as const) {
    it(`drops a torn last commit as a whole (${damage})`, { timeout: 120_000 }, async () => {
      const { dir, file, env } = await prepared();
      try {
        const before = readMetas(file);
        // Commit C: new points 101–150 and a new marker on 1–10, in one atomic request.
        const server = await startChildServer(dir, env);
        try {
          const r = await req(server, 'POST', '/collections/t/points/batch?wait=true', {
            operations: [{ upsert: { points: points(101, 150, 'C') } }, { set_payload: { payload: { marker: 'C' }, points: Array.from({ length: 10 }, (_, i) => i + 1) } }],
          });
          assert.equal(r.status, 200, JSON.stringify(r.body));
        } finally {
          await server.stop('SIGKILL');
        }
        const after = readMetas(file);
        const last = newest(after);
        assert.equal(last.txn, newest(before).txn + 1n, 'the batch was expected to be exactly one LMDB transaction (did a restart write to the store?)');
        if (damage === 'newest meta page zeroed') {
          writeAt(file, last.slot * PAGE, Buffer.alloc(PAGE));
        } else {
          writeAt(file, last.slot * PAGE, before[last.slot].bytes);
          // The commit's appended pages, torn: garbage where they were.
          const firstNew = Number(newest(before).lastPage) + 1;
          const end = Math.min(Number(last.lastPage) + 1, Math.floor(statSync(file).size / PAGE));
          for (let p = firstNew; p < end; p++) writeAt(file, p * PAGE, randomBytes(PAGE));
        }
        await assertIntactAndWritable(dir, env, baseline());
      } finally {
        removeDir(dir);
      }
    });
  }

  it('never serves a store it cannot read, leaves the file alone, and reads it again once repaired', { timeout: 120_000 }, async (t) => {
    const { dir, file, env } = await prepared();
    try {
      // Meta page 0 is the one LMDB validates: with a bad magic the environment cannot be opened.
      const original = readFileSync(file);
      writeAt(file, MAGIC_AT, Buffer.from([0x00, 0x00, 0x00, 0x00]));
      const port = await freePort();
      const proc = spawn(process.execPath, ['--import', import.meta.resolve('tsx'), MAIN], {
        cwd: dir,
        env: { PATH: process.env['PATH'] ?? '', QDRANT__SERVICE__HTTP_PORT: String(port), QDRANT__SERVICE__GRPC_PORT: String(await freePort()), ...env },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      let output = '';
      proc.stdout.on('data', (d: Buffer) => (output += d.toString()));
      proc.stderr.on('data', (d: Buffer) => (output += d.toString()));
      const exited = await new Promise<boolean>((resolve) => {
        const timer = setTimeout(() => resolve(false), 20_000);
        proc.once('exit', () => {
          clearTimeout(timer);
          resolve(true);
        });
      });
      if (!exited) {
        const ready = await fetch(`http://127.0.0.1:${port}/readyz`).then((r) => r.ok, () => false);
        proc.kill('SIGKILL');
        assert.equal(ready, false, 'the server started on a store it cannot read (empty?)');
      } else {
        assert.ok(proc.exitCode !== 0, 'the server exited 0 on a store it cannot read');
        // lmdb-js dies with SIGSEGV here instead of reporting MDB_INVALID: no message for the operator.
        t.diagnostic(`refused: exit code ${proc.exitCode}, signal ${proc.signalCode}; output: ${output.trim().slice(0, 300) || '(none)'}`);
      }
      assert.ok(readFileSync(file).subarray(PAGE).equals(original.subarray(PAGE)), 'the refused start changed the data file');
      writeAt(file, MAGIC_AT, original.subarray(MAGIC_AT, MAGIC_AT + 4));
      await assertIntactAndWritable(dir, env, baseline());
    } finally {
      removeDir(dir);
    }
  });
});
