/**
 * Shard snapshots in a JetStream object store (one nats-server): a shard without a snapshot has none and cannot be
 * restored; a snapshot round-trips its operations and its stream sequence; a newer one replaces it; a deleted
 * collection's snapshots go.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { connect, StorageType, type NatsConnection, type ObjectStore } from 'nats';
import { assertCanRun, skipUnlessRequired } from '../../support/skips.js';
import { natsServerMissing, startNatsCluster, type NatsCluster } from '../../support/nats-cluster.js';
import { LINE_POINTS, ShardSnapshots } from '../../../src/cluster/shard-snapshots.js';
import { encodeShardMessage } from '../../../src/cluster/shard-message.js';
import { upsert } from '../../unit/collection/helpers.js';

const missing = natsServerMissing();

void describe('shard snapshots in the object store', skipUnlessRequired(missing), () => {
  let nats: NatsCluster;
  let nc: NatsConnection;
  let snapshots: ShardSnapshots;
  let os: ObjectStore;

  before(async () => {
    assertCanRun(missing);
    nats = await startNatsCluster(1);
    nc = await connect({ servers: nats.urls });
    os = await nc.jetstream().views.os('t_snapshots', { storage: StorageType.File, replicas: 1 });
    snapshots = new ShardSnapshots(os);
  });

  after(async () => {
    await nc?.close();
    await nats?.stop();
  });

  void it('stores, replaces and removes the snapshot of each shard with its stream sequence', async () => {
    const uuid = 'c0ffee00-0000-4000-8000-00000000000a';
    assert.equal(await snapshots.latest(uuid, 0), undefined);
    await assert.rejects(snapshots.get(uuid, 0), /no stable snapshot of shard 0/);
    const first = [upsert([{ id: 1, vector: [1, 2], payload: { a: 'x' } }, { id: 'b1c2a3d4-0000-4000-8000-000000000001', vector: [3, 4] }], 'eu')];
    await snapshots.put(uuid, 0, 41, first);
    await snapshots.put(uuid, 1, 7, []);
    assert.equal(await snapshots.latest(uuid, 0), 41);
    assert.deepEqual(await snapshots.get(uuid, 0), { seq: 41, ops: first });
    assert.deepEqual(await snapshots.get(uuid, 1), { seq: 7, ops: [] });
    const second = [upsert([{ id: 2, vector: [5, 6] }])];
    await snapshots.put(uuid, 0, 90, second);
    assert.deepEqual(await snapshots.get(uuid, 0), { seq: 90, ops: second });
    await snapshots.remove(uuid, 2);
    assert.equal(await snapshots.latest(uuid, 0), undefined);
    assert.equal(await snapshots.latest(uuid, 1), undefined);
  });

  void it('streams a large shard as lines of at most LINE_POINTS points, and reads them back in order', async () => {
    const uuid = 'c0ffee00-0000-4000-8000-00000000000b';
    const points = Array.from({ length: LINE_POINTS * 2 + 234 }, (_, i) => ({ id: i, vector: [i, -i], payload: { i, text: 'x'.repeat(i % 50) } }));
    const ops = [upsert(points.slice(0, 700)), { type: 'delete' as const, selector: { kind: 'ids' as const, ids: [3] } }, upsert(points.slice(700), 'eu')];
    await snapshots.put(uuid, 0, 12, ops);
    const back = await snapshots.get(uuid, 0);
    assert.equal(back.seq, 12);
    // The same operations in the same order, upserts cut into lines: every point once, each with its shard key.
    const flat = back.ops.flatMap((op) => (op.type === 'upsert' ? op.points.map((p) => ({ id: p.id, key: op.shardKey })) : [{ id: -1, key: op.type }]));
    assert.deepEqual(flat, [...points.slice(0, 700).map((p) => ({ id: p.id, key: undefined })), { id: -1, key: 'delete' }, ...points.slice(700).map((p) => ({ id: p.id, key: 'eu' }))]);
    assert.ok(back.ops.length > 3, 'the upserts were cut into lines');
    for (const op of back.ops) if (op.type === 'upsert') assert.ok(op.points.length <= LINE_POINTS);
    assert.deepEqual(back.ops.flatMap((op) => (op.type === 'upsert' ? op.points : [])), ops.flatMap((op) => (op.type === 'upsert' ? op.points : [])));
  });

  void it('reads a snapshot stored before lines (one batch of the whole shard)', async () => {
    const uuid = 'c0ffee00-0000-4000-8000-00000000000c';
    const ops = [upsert([{ id: 5, vector: [1, 1], payload: { old: true } }])];
    await os.putBlob({ name: `${uuid}.0`, metadata: { applied_sequence: '33' } }, encodeShardMessage(ops));
    assert.deepEqual(await snapshots.get(uuid, 0), { seq: 33, ops });
  });
});
