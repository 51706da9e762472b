/**
 * A large upsert (2,000 × 128) does not hold the event loop: its body is scanned on a worker thread (or, when the
 * scanner does not read it, parsed and validated a slice at a time), converted and encoded a slice at a time, and
 * `/healthz` is answered in between. Observed by structure, not by time: each slice's
 * `JSON.parse` call and the store commit record how many `/healthz` requests had been answered by then.
 */
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startTestApp, type TestApp } from '../support/app.js';
import { validateBody } from '../../src/api/rest/schemas/validator.js';
import { foregroundWork } from '../../src/index/foreground-work.js';
import { upsertScanThread } from '../../src/api/rest/parse/read-upsert-body.js';
import { connect } from 'node:net';
import type { AddressInfo } from 'node:net';

const N = 2000;
const DIM = 128;

function points(from: number, n: number): Array<{ id: number; vector: number[]; payload: Record<string, unknown> }> {
  return Array.from({ length: n }, (_, k) => {
    const i = from + k;
    return { id: i, vector: Array.from({ length: DIM }, (_, d) => Math.sin(i * 131 + d) / 3), payload: { tag: `t${i % 10}`, i } };
  });
}

describe('large upserts and the event loop', () => {
  let app: TestApp;
  before(async () => {
    app = await startTestApp();
    assert.equal((await app.request('PUT', '/collections/big', { vectors: { size: DIM, distance: 'Dot' } })).status, 200);
  });
  after(() => app.destroy());

  /**
   * Sends `body` as an upsert while `/healthz` is probed; records how many probes had been answered at each
   * `JSON.parse` call (other than of the whole body) and at the store commit.
   */
  async function upsertWhileProbing(
    body: string,
    probes: (served: () => number) => void = () => undefined,
  ): Promise<{ status: number; parses: Array<{ text: string; served: number }>; atCommit: number | undefined }> {
    let served = 0;
    probes(() => served);
    let done = false;
    const healthz = (async () => {
      while (!done) {
        // Each probe arrives in a later turn of the event loop, as a request from a socket would (an injected
        // request alone completes in microtasks, which would starve every other callback).
        await new Promise((resolve) => setImmediate(resolve));
        assert.equal((await app.request('GET', '/healthz')).status, 200);
        served++;
      }
    })();
    const parses: Array<{ text: string; served: number }> = [];
    const parse = JSON.parse;
    JSON.parse = (text: string, reviver?: (this: unknown, key: string, value: unknown) => unknown) => {
      if (typeof text === 'string' && text.length < body.length) parses.push({ text, served });
      return parse(text, reviver);
    };
    let atCommit: number | undefined;
    const commit = app.store.commit.bind(app.store);
    app.store.commit = (fn) => {
      atCommit ??= served;
      return commit(fn);
    };
    let status: number;
    try {
      status = (await app.request('PUT', '/collections/big/points?wait=true', body)).status;
    } finally {
      JSON.parse = parse;
      app.store.commit = commit;
      done = true;
      await healthz;
    }
    return { status, parses, atCommit };
  }

  async function assertStored(expected: ReturnType<typeof points>, ids: number[]): Promise<void> {
    const got = await app.request('POST', '/collections/big/points', { ids, with_vector: true, with_payload: true });
    assert.equal(got.body.result.length, ids.length);
    const byId = new Map(expected.map((p) => [p.id, p]));
    for (const p of got.body.result as Array<{ id: number; vector: number[]; payload: unknown }>) {
      assert.deepEqual(p.payload, byId.get(p.id)!.payload);
      assert.deepEqual(p.vector.map(Math.fround), byId.get(p.id)!.vector.map(Math.fround));
    }
  }

  it('a 2000 × 128 upsert is scanned on the worker thread, /healthz answered while it is scanned and staged', async () => {
    const expected = points(0, N);
    // When the scan thread got the body and when it handed back the points, in probes answered by then.
    const thread: { asked?: number; answered?: number } = {};
    const scan = upsertScanThread.scan.bind(upsertScanThread);
    let probes = (): number => 0;
    upsertScanThread.scan = async (body: string | Uint8Array) => {
      thread.asked = probes();
      const scanned = await scan(body);
      thread.answered = probes();
      assert.ok(scanned !== undefined, 'the worker read the body');
      return scanned;
    };
    let result;
    try {
      result = await upsertWhileProbing(JSON.stringify({ points: expected }), (served) => (probes = served));
    } finally {
      upsertScanThread.scan = scan;
    }
    const { status, parses, atCommit } = result;
    assert.equal(status, 200);
    // The main thread never parsed the body, a slice of it, or its payloads: only the probes' replies …
    assert.ok(parses.every((p) => p.text.length < 1000 && !p.text.startsWith('{"tag":')), 'JSON.parse on the main thread');
    // … /healthz was answered while the worker scanned …
    assert.ok(thread.asked !== undefined && thread.answered! > thread.asked, `healthz answered during the scan: ${thread.asked} → ${thread.answered}`);
    // … and again between the scan and the commit (conversion to stored vectors, encoding).
    assert.ok(atCommit !== undefined && atCommit > thread.answered!, `healthz answered between scan and commit: ${thread.answered} → ${atCommit}`);
    const info = await app.request('GET', '/collections/big');
    assert.equal(info.body.result.points_count, N);
    await assertStored(expected, [0, 1234, N - 1]);
  });

  it('a 2000 × 128 upsert the scanner does not read is parsed, validated and staged in slices, /healthz answered meanwhile', async () => {
    // An unknown member in each point (valid: Qdrant ignores it) sends the body down the general path.
    const expected = points(2_000, N);
    const { status, parses, atCommit } = await upsertWhileProbing(JSON.stringify({ points: expected.map((p) => ({ ...p, note: 1 })) }));
    assert.equal(status, 200);
    const atSlices = parses.filter((p) => p.text.length > 100_000).map((p) => p.served);
    // The body was parsed in slices (never in one call), with /healthz answered between the first and the last …
    assert.ok(atSlices.length >= Math.floor(N / 128), `${atSlices.length} slices`);
    assert.ok(atSlices.at(-1)! > atSlices[0]!, `healthz answered during the parse: ${atSlices.join(',')}`);
    // … and again between the parse and the commit (validation, conversion to vectors, encoding).
    assert.ok(atCommit !== undefined && atCommit > atSlices.at(-1)!, `healthz answered between parse and commit: ${atSlices.at(-1)} → ${atCommit}`);
    await assertStored(expected, [2_000, 3_234, 2_000 + N - 1]);
  });

  it('a large upsert is foreground work (background builds give way) until its reply, a small one is not', async () => {
    const busyAtCommit: boolean[] = [];
    const commit = app.store.commit.bind(app.store);
    app.store.commit = (fn) => {
      busyAtCommit.push(foregroundWork.busy);
      return commit(fn);
    };
    try {
      assert.equal((await app.request('PUT', '/collections/big/points?wait=true', JSON.stringify({ points: points(5_000, 200) }))).status, 200);
      assert.equal(foregroundWork.busy, false, 'ended with the reply');
      assert.equal((await app.request('PUT', '/collections/big/points?wait=true', JSON.stringify({ points: points(6_000, 2) }))).status, 200);
      // A refused large request ends its foreground work too.
      const bad = JSON.stringify({ points: points(50_000, 200) }).slice(0, -3);
      assert.equal((await app.request('PUT', '/collections/big/points?wait=true', bad)).status, 400);
    } finally {
      app.store.commit = commit;
    }
    assert.deepEqual(busyAtCommit, [true, false]);
    assert.equal(foregroundWork.busy, false);
  });

  it('a large body still arriving is not foreground work (a slow upload does not hold back index builds)', async () => {
    await app.app.listen({ port: 0, host: '127.0.0.1' });
    const { port } = app.app.server.address() as AddressInfo;
    const body = JSON.stringify({ points: points(8_000, 200) });
    const headersSeen = new Promise<void>((resolve) => app.app.server.once('request', () => resolve()));
    const socket = connect(port, '127.0.0.1');
    const reply = new Promise<string>((resolve) => {
      let text = '';
      socket.on('data', (d: Buffer) => {
        text += d.toString();
        if (text.includes('"status":"ok"') || text.includes('"status":{')) resolve(text);
      });
    });
    socket.write(`PUT /collections/big/points?wait=true HTTP/1.1\r\nhost: localhost\r\ncontent-type: application/json\r\ncontent-length: ${Buffer.byteLength(body)}\r\nconnection: close\r\n\r\n`);
    socket.write(body.slice(0, 1000));
    await headersSeen;
    for (let i = 0; i < 20; i++) await new Promise((resolve) => setImmediate(resolve));
    assert.equal(foregroundWork.busy, false, 'headers and part of the body arrived: not yet foreground work');
    socket.write(body.slice(1000));
    assert.match(await reply, /HTTP\/1\.1 200/);
    socket.destroy();
    assert.equal((await app.request('POST', '/collections/big/points/count', { filter: { must: [{ key: 'i', range: { gte: 8_000, lt: 8_200 } }] }, exact: true })).body.result.count, 200);
  });

  it('a large upsert with one bad point is refused with the whole-body validation error, and changes nothing', async () => {
    const list: unknown[] = points(10_000, N);
    list[1500] = { id: 11_500, vector: [1, 'x'] };
    const body = { points: list };
    let expected = '';
    try {
      validateBody('upsert_points', body);
    } catch (e) {
      expected = (e as Error).message;
    }
    assert.notEqual(expected, '');
    const r = await app.request('PUT', '/collections/big/points?wait=true', JSON.stringify(body));
    assert.equal(r.status, 400);
    assert.equal(r.body.status.error, expected);
    // Cut short: the same answer as a small body cut short gets.
    const cut = JSON.stringify({ points: points(20_000, N) }).slice(0, -3);
    const r2 = await app.request('PUT', '/collections/big/points?wait=true', cut);
    const small = await app.request('PUT', '/collections/big/points?wait=true', '{"points":[{"id":1');
    assert.equal(r2.status, 400);
    assert.equal(r2.body.status.error, small.body.status.error);
    const count = await app.request('POST', '/collections/big/points/count', { filter: { must: [{ key: 'i', range: { gte: 10_000 } }] }, exact: true });
    assert.equal(count.body.result.count, 0);
  });
});
