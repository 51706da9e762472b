/**
 * Upsert bodies scanned on a worker thread (`upsert-scan-thread.ts`): the same points as the main-thread scan, and
 * whatever happens to the worker (it exits, crashes, cannot start, fails on a body), every body is still answered
 * correctly — scanned on the main thread meanwhile — and never lost.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Worker } from 'node:worker_threads';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { UpsertScanThread } from '../../../src/api/rest/parse/upsert-scan-thread.js';
import { scanUpsert, type ScannedUpsert } from '../../../src/api/rest/parse/upsert-scan.js';
import { readUpsertBody } from '../../../src/api/rest/parse/read-upsert-body.js';
import { startTicker } from '../../support/ticker.js';

function body(n: number, from = 0): string {
  const points = Array.from({ length: n }, (_, k) => {
    const i = from + k;
    return `{"id":${i},"vector":[${Array.from({ length: 16 }, (_, d) => Math.fround(Math.sin(i * 7 + d))).join(',')}],"payload":{"i":${i},"big":1844674407370955161${i % 10},"__proto__":{"x":[1,"y"]}}}`;
  });
  return `{"points":[${points.join(',')}],"update_mode":"upsert"}`;
}

function assertSame(got: ScannedUpsert | undefined, expected: ScannedUpsert | undefined): void {
  assert.ok(got !== undefined && expected !== undefined);
  assert.deepEqual(got.members, expected.members);
  assert.deepEqual(got.ids, expected.ids);
  assert.equal(got.dim, expected.dim);
  assert.deepEqual([...got.vectors], [...expected.vectors]);
  assert.deepEqual(got.payloads, expected.payloads);
  for (const p of got.payloads) assert.ok(Object.hasOwn(p!, '__proto__') && Object.getPrototypeOf(p) === Object.prototype);
}

/** A worker that runs `code` (plain JavaScript) instead of the scanner. */
function fakeWorker(code: string): () => Worker {
  return () => new Worker(`const { parentPort } = require('node:worker_threads'); ${code}`, { eval: true });
}

describe('upsert scan thread', () => {
  it('scans on the worker exactly as on the main thread; a body it does not read is undefined', async () => {
    const thread = new UpsertScanThread();
    try {
      const text = body(300);
      assertSame(await thread.scan(text), await scanUpsert(text));
      assert.equal(await thread.scan('{"points":[{"id":-1,"vector":[1]}]}'), undefined);
      assert.equal(await thread.scan('{"points":[{"id":1,"vector":[1'), undefined);
      // Given as UTF-8 bytes (as the server receives a body), decoded by the worker.
      const unicode = '{"points":[{"id":1,"vector":[0.5,-1],"payload":{"ünï":"côdé ☃ 𝄞","__proto__":{}}}]}';
      assertSame(await thread.scan(Buffer.from(unicode, 'utf8')), await scanUpsert(unicode));
      assert.deepEqual(thread.state, { started: 1, answered: 4, enabled: true });
    } finally {
      await thread.close();
    }
  });

  it('the worker starts whatever the working directory (a server runs in its data directory)', async () => {
    const cwd = process.cwd();
    const dir = mkdtempSync(join(tmpdir(), 'quiver-scan-cwd-'));
    process.chdir(dir);
    const thread = new UpsertScanThread();
    try {
      const text = body(10);
      assertSame(await thread.scan(text), await scanUpsert(text));
      assert.deepEqual(thread.state, { started: 1, answered: 1, enabled: true });
    } finally {
      process.chdir(cwd);
      await thread.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('a worker that exits while bodies wait: they are scanned on the main thread, the next body starts a worker', async () => {
    // Exits on the second body it is given, answering none.
    const thread = new UpsertScanThread(fakeWorker(`let n = 0; parentPort.on('message', () => { if (++n === 2) process.exit(3); });`));
    const texts = [body(50), body(60, 100)];
    const got = await Promise.all(texts.map((t) => thread.scan(t)));
    for (let k = 0; k < texts.length; k++) assertSame(got[k], await scanUpsert(texts[k]!));
    assert.equal(thread.state.started, 1);
    // Lost again (no reply ever): still answered; a new worker each time until three in a row are lost.
    const again = [body(10, 500), body(10, 600)];
    for (const t of again) {
      const [a, b] = await Promise.all([thread.scan(t), thread.scan(t)]);
      assertSame(a, await scanUpsert(t));
      assertSame(b, await scanUpsert(t));
    }
    assert.deepEqual(thread.state, { started: 3, answered: 0, enabled: false });
    // From now on the main thread scans every body itself.
    assertSame(await thread.scan(texts[0]!), await scanUpsert(texts[0]!));
    assert.equal(thread.state.started, 3);
  });

  it('a worker that throws while loading, or cannot be started, loses no body', async () => {
    const crashing = new UpsertScanThread(fakeWorker(`throw new Error('broken build');`));
    const text = body(20);
    assertSame(await crashing.scan(text), await scanUpsert(text));
    const unstartable = new UpsertScanThread(() => {
      throw new Error('no threads');
    });
    assertSame(await unstartable.scan(text), await scanUpsert(text));
    assert.equal(unstartable.state.started, 0);
  });

  it('a worker that fails on a body answers it with the general path (undefined), and keeps serving', async () => {
    const thread = new UpsertScanThread(fakeWorker(`parentPort.on('message', (m) => parentPort.postMessage({ id: m.id, error: 'scanner bug' }));`));
    try {
      assert.equal(await thread.scan(body(5)), undefined);
      assert.equal(await thread.scan(body(5)), undefined);
      assert.deepEqual(thread.state, { started: 1, answered: 2, enabled: true });
    } finally {
      await thread.close();
    }
  });

  it('readUpsertBody validates the members beside the points with the schema', async () => {
    const thread = new UpsertScanThread();
    try {
      const good = body(1000);
      assert.ok(good.length > 256 * 1024);
      assertSame(await readUpsertBody(good, thread), await scanUpsert(good));
      assert.equal(await readUpsertBody(good.replace('"update_mode":"upsert"', '"update_mode":"replace"'), thread), undefined);
      assert.equal(await readUpsertBody('{"points":[{"id":1,"vector":[1]}],"shard_key":{"target":1}}', thread), undefined);
      assert.ok((await readUpsertBody('{"points":[{"id":1,"vector":[1]}],"shard_key":"a"}', thread)) !== undefined);
    } finally {
      await thread.close();
    }
  });
});

describe('upsert scanner on the main thread', () => {
  it('yields to the event loop between slices of points', async () => {
    const ticker = startTicker();
    const scanned = await scanUpsert(body(1000));
    const ticks = ticker.ticks;
    assert.equal(scanned?.length, 1000);
    // 1000 points in slices of 128: 7 yields, each a turn of the event loop.
    assert.ok(ticks >= 7, `${ticks} turns of the event loop during the scan`);
    await scanUpsert(body(1000), false);
    assert.equal(ticker.stop(), ticks, 'no yields when asked for none');
  });
});
