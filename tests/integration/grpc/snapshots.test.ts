/** `qdrant.Snapshots` and `qdrant.ShardSnapshots` through the official gRPC client, checked against REST. */
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { QdrantClient } from '@qdrant/js-client-grpc';
import { credentials, status, type ServiceError } from '@grpc/grpc-js';
import { contract } from '../../../src/api/grpc/proto.js';
import { startTestApp, type TestApp } from '../../support/app.js';
import { dense, pid } from '../../support/grpc-values.js';

describe('gRPC snapshots', () => {
  let app: TestApp;
  let client: QdrantClient;
  let port: number;
  before(async () => {
    app = await startTestApp();
    const g = await app.startGrpc('127.0.0.1', 0);
    port = g.port;
    client = new QdrantClient({ host: '127.0.0.1', port: g.port, checkCompatibility: false });
    await client.api('collections').create({ collectionName: 's', vectorsConfig: { config: { case: 'params', value: { size: 2n, distance: 3 } } } });
    await client.api('points').upsert({ collectionName: 's', wait: true, points: [1, 2, 3].map((i) => ({ id: pid(i), vectors: { vectorsOptions: { case: 'vector', value: dense([i, 1]) } } })) });
  });
  after(async () => {
    await app.destroy();
  });

  it('creates, lists and deletes collection snapshots as REST sees them', async () => {
    const snaps = client.api('snapshots');
    const created = (await snaps.create({ collectionName: 's' })).snapshotDescription!;
    assert.ok(created.name.endsWith('.snapshot') && created.size > 0n && created.creationTime !== undefined);
    const listed = (await snaps.list({ collectionName: 's' })).snapshotDescriptions.map((d) => d.name);
    const rest = (await app.request('GET', '/collections/s/snapshots')).body.result.map((d: any) => d.name);
    assert.deepEqual(listed, rest);
    await snaps.delete({ collectionName: 's', snapshotName: created.name });
    assert.deepEqual((await snaps.list({ collectionName: 's' })).snapshotDescriptions, []);
    await assert.rejects(snaps.delete({ collectionName: 's', snapshotName: created.name }), (e: any) => e.code === 5);
  });

  it('creates, lists and deletes full snapshots', async () => {
    const snaps = client.api('snapshots');
    const created = (await snaps.createFull({})).snapshotDescription!;
    assert.deepEqual((await snaps.listFull({})).snapshotDescriptions.map((d) => d.name), [created.name]);
    await snaps.deleteFull({ snapshotName: created.name });
    assert.deepEqual((await snaps.listFull({})).snapshotDescriptions, []);
  });

  it('creates, lists, recovers (by path) and deletes shard snapshots of shard 0; other shards are NOT_FOUND', async () => {
    // The official JS client has no ShardSnapshots service: a grpc-js client of the vendored contract.
    const shards = new (contract().qdrant.ShardSnapshots)(`127.0.0.1:${port}`, credentials.createInsecure()) as unknown as Record<string, (req: unknown, cb: (e: ServiceError | null, res?: any) => void) => void>;
    const rpc = (method: string, req: unknown): Promise<any> =>
      new Promise((resolve, reject) => shards[method]!.call(shards, req, (e, res) => (e === null ? resolve(res) : reject(e))));
    const created = (await rpc('Create', { collection_name: 's', shard_id: 0 })).snapshot_description;
    assert.deepEqual((await rpc('List', { collection_name: 's', shard_id: 0 })).snapshot_descriptions.map((d: any) => d.name), [created.name]);
    await assert.rejects(rpc('List', { collection_name: 's', shard_id: 3 }), (e: ServiceError) => e.code === status.NOT_FOUND);
    await client.api('points').delete({ collectionName: 's', wait: true, points: { pointsSelectorOneOf: { case: 'points', value: { ids: [pid(1), pid(2)] } } } });
    assert.equal(Number((await client.api('points').count({ collectionName: 's', exact: true })).result!.count), 1);
    await rpc('Recover', { collection_name: 's', shard_id: 0, snapshot_location: { path: join(app.dir, 'snapshots', 's', 'shards', '0', created.name) } });
    assert.equal(Number((await client.api('points').count({ collectionName: 's', exact: true })).result!.count), 3);
    await assert.rejects(rpc('Recover', { collection_name: 's', shard_id: 0, snapshot_location: { path: '/etc/passwd' } }), (e: ServiceError) => e.code === status.PERMISSION_DENIED && /outside the snapshots directory/.test(e.details));
    await rpc('Delete', { collection_name: 's', shard_id: 0, snapshot_name: created.name });
    assert.deepEqual((await rpc('List', { collection_name: 's', shard_id: 0 })).snapshot_descriptions ?? [], []);
    (shards as unknown as { close(): void }).close();
  });
});
