/**
 * `timeout` on a `wait=true` write (Qdrant 1.19), through REST and gRPC: a write that outlasts it is answered
 * without waiting further — REST `{"operation_id": null, "status": "wait_timeout"}`, gRPC an OK `UpdateResult` with
 * status `WaitTimeout` (Qdrant's shard answers `UpdateStatus::WaitTimeout` and its gRPC API converts it) — and goes
 * on: the point is stored once the collection's update queue moves. The queue is held by the test (an update that
 * waits on a promise the test resolves), so the write cannot finish before its 1-second timeout, whatever the load.
 */
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startTestApp, type TestApp } from '../../support/app.js';
import { GrpcPoints } from '../../support/grpc-writes.js';

/** Holds the collection's update queue until `release` (Collection.serial is how every update is ordered). */
function holdUpdates(app: TestApp, collection: string): () => void {
  const c = app.toc.uncheckedCollection(collection, 'test') as unknown as { serial(fn: () => Promise<void>): Promise<void> };
  let release!: () => void;
  void c.serial(() => new Promise<void>((resolve) => (release = resolve)));
  return () => release();
}

describe('conformance: wait=true writes with a timeout, REST and gRPC', () => {
  let app: TestApp;
  let grpc: GrpcPoints;

  before(async () => {
    app = await startTestApp();
    grpc = new GrpcPoints((await app.startGrpc('127.0.0.1', 0)).port);
    assert.equal((await app.request('PUT', '/collections/w', { vectors: { size: 2, distance: 'Dot' } })).status, 200);
  });
  after(async () => {
    grpc.close();
    await app.destroy();
  });

  const stored = async (id: number): Promise<boolean> => (await app.request('GET', `/collections/w/points/${id}`)).status === 200;
  const eventually = async (id: number): Promise<void> => {
    for (let i = 0; i < 2000 && !(await stored(id)); i++) await new Promise((r) => setImmediate(r));
    assert.ok(await stored(id), `point ${id} stored after the answer`);
  };

  it('REST: answers wait_timeout with no operation id, and the write goes on', async () => {
    const release = holdUpdates(app, 'w');
    const r = await app.request('PUT', '/collections/w/points?wait=true&timeout=1', { points: [{ id: 1, vector: [1, 0] }] });
    assert.equal(r.status, 200, r.text);
    assert.deepEqual(r.body.result, { operation_id: null, status: 'wait_timeout' });
    assert.equal(await stored(1), false, 'not applied while the queue is held');
    release();
    await eventually(1);
  });

  it('gRPC: answers OK with UpdateResult status WaitTimeout and no operation id, and the write goes on', async () => {
    const release = holdUpdates(app, 'w');
    const res = await grpc.call('Upsert', { collection_name: 'w', wait: true, timeout: 1, points: [{ id: { num: 2 }, vectors: { vector: { dense: { data: [1, 0] } } } }] });
    const result = res['result'] as { operation_id?: unknown; status: string };
    assert.equal(result.status, 'WaitTimeout');
    assert.equal(result.operation_id ?? null, null);
    assert.equal(await stored(2), false, 'not applied while the queue is held');
    release();
    await eventually(2);
  });

  it('both: a write done within its timeout answers completed with its operation id', async () => {
    const rest = await app.request('PUT', '/collections/w/points?wait=true&timeout=60', { points: [{ id: 3, vector: [1, 0] }] });
    assert.equal(rest.body.result.status, 'completed');
    assert.equal(typeof rest.body.result.operation_id, 'number');
    const res = await grpc.call('Upsert', { collection_name: 'w', wait: true, timeout: 60, points: [{ id: { num: 4 }, vectors: { vector: { dense: { data: [1, 0] } } } }] });
    const result = res['result'] as { operation_id?: unknown; status: string };
    assert.equal(result.status, 'Completed');
    assert.equal(Number(result.operation_id), rest.body.result.operation_id + 1);
  });
});
