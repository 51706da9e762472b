/**
 * Shard snapshots in a JetStream object store (one nats-server): a shard without a snapshot has none and cannot be
 * restored; a snapshot round-trips its operations and its stream sequence; a newer one replaces it; a deleted
 * collection's snapshots go.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { connect, StorageType, type NatsConnection } from 'nats';
import { assertCanRun, skipUnlessRequired } from '../../support/skips.js';
import { natsServerMissing, startNatsCluster, type NatsCluster } from '../../support/nats-cluster.js';
import { ShardSnapshots } from '../../../src/cluster/shard-snapshots.js';
import { upsert } from '../../unit/collection/helpers.js';

const missing = natsServerMissing();

void describe('shard snapshots in the object store', skipUnlessRequired(missing), () => {
  let nats: NatsCluster;
  let nc: NatsConnection;
  let snapshots: ShardSnapshots;

  before(async () => {
    assertCanRun(missing);
    nats = await startNatsCluster(1);
    nc = await connect({ servers: nats.urls });
    snapshots = new ShardSnapshots(await nc.jetstream().views.os('t_snapshots', { storage: StorageType.File, replicas: 1 }));
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
});
