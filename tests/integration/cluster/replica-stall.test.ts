/**
 * A shard replica whose consumer stops delivering (one nats-server): seen in the fault test after the NATS server
 * leading a stream was killed, the ordered consumer neither delivered nor re-created itself, and the replica stayed
 * behind for minutes. The replica closes a consumer that delivered nothing for `stallMs` while the stream holds
 * operations it has not applied, and creates a new one after its applied sequence; an idle stream is left alone.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { connect, StorageType, type ConsumerMessages, type JetStreamClient, type JetStreamManager, type NatsConnection } from 'nats';
import { assertCanRun, skipUnlessRequired } from '../../support/skips.js';
import { natsServerMissing, startNatsCluster, type NatsCluster } from '../../support/nats-cluster.js';
import { pollUntil } from '../../support/poll.js';
import { config, openCollection, upsert, type Opened } from '../../unit/collection/helpers.js';
import { ShardReplica } from '../../../src/cluster/shard-replica.js';
import { ShardSnapshots } from '../../../src/cluster/shard-snapshots.js';
import { encodeShardMessage } from '../../../src/cluster/shard-message.js';
import { shardOf } from '../../../src/cluster/shard-router.js';

const missing = natsServerMissing();
const STALL_MS = 300;

/** Consumer messages that never deliver anything, as the stuck ordered consumer did; `close()` ends them. */
function silentMessages(): ConsumerMessages {
  let end = (): void => undefined;
  const closed = new Promise<void>((resolve) => (end = resolve));
  return {
    [Symbol.asyncIterator]: () => ({ next: async () => (await closed, { done: true as const, value: undefined }) }),
    close: () => {
      end();
      return Promise.resolve();
    },
  } as unknown as ConsumerMessages;
}

void describe('shard replica: a stalled consumer', skipUnlessRequired(missing), () => {
  let nats: NatsCluster;
  let nc: NatsConnection;
  let js: JetStreamClient;
  let jsm: JetStreamManager;
  let snapshots: ShardSnapshots;

  before(async () => {
    assertCanRun(missing);
    nats = await startNatsCluster(1);
    nc = await connect({ servers: nats.urls });
    js = nc.jetstream();
    jsm = await nc.jetstreamManager();
    snapshots = new ShardSnapshots(await js.views.os('t_stall_snapshots', { storage: StorageType.File, replicas: 1 }));
  });

  after(async () => {
    await nc?.close();
    await nats?.stop();
  });

  /** A replica of a new one-shard stream whose first `silent` consumers deliver nothing. */
  async function replicaOf(name: string, silent: number): Promise<{ replica: ShardReplica; o: Opened; subject: string; consumers: () => number; warnings: string[] }> {
    await jsm.streams.add({ name, subjects: [`${name}.ops`], storage: StorageType.File, num_replicas: 1 });
    let created = 0;
    const wrapped = {
      consumers: {
        get: (stream: string, opts: unknown) => {
          created++;
          return created <= silent ? Promise.resolve({ consume: () => Promise.resolve(silentMessages()) }) : js.consumers.get(stream, opts as Parameters<JetStreamClient['consumers']['get']>[1]);
        },
      },
    } as unknown as JetStreamClient;
    const o = openCollection(config({ dim: 2 }));
    const warnings: string[] = [];
    const replica = new ShardReplica({ js: wrapped, jsm, snapshots, store: o.store, collection: o.c, stream: name, shard: 0, shards: 1, hash: shardOf, seeded: false, log: { info: () => undefined, warn: (m) => warnings.push(m) }, stallMs: STALL_MS });
    return { replica, o, subject: `${name}.ops`, consumers: () => created, warnings };
  }

  void it('re-creates a consumer that delivers nothing while the stream holds unapplied operations, and applies them', async () => {
    const { replica, o, subject, consumers, warnings } = await replicaOf('t_stall_a', 1);
    try {
      replica.start();
      for (let i = 1; i <= 3; i++) await js.publish(subject, encodeShardMessage([upsert([{ id: i, vector: [i, 1] }])]));
      await replica.waitApplied(3, 30_000);
      assert.equal(replica.applied, 3);
      assert.equal(consumers(), 2, 'the silent consumer was replaced once');
      assert.equal(warnings.length, 1, warnings.join('\n'));
      assert.match(warnings[0]!, /delivered nothing for 300 ms while the stream holds operations up to 3; re-creating it after sequence 0/);
      assert.deepEqual([...o.c.segment.scan({})].map((off) => o.c.segment.idAt(off)).sort(), [1, 2, 3]);
    } finally {
      await replica.stop();
      await o.close();
    }
  });

  void it('leaves the consumer of an idle stream alone', async () => {
    const { replica, o, subject, consumers, warnings } = await replicaOf('t_stall_b', 0);
    try {
      replica.start();
      await js.publish(subject, encodeShardMessage([upsert([{ id: 1, vector: [1, 1] }])]));
      await replica.waitApplied(1, 30_000);
      // Idle for many stall windows: every check finds nothing to deliver.
      const idleUntil = Date.now() + 6 * STALL_MS;
      await pollUntil('idle windows passed', () => Date.now() >= idleUntil, 10_000, 50);
      assert.equal(consumers(), 1);
      assert.deepEqual(warnings, []);
      // And it still delivers what comes next.
      await js.publish(subject, encodeShardMessage([upsert([{ id: 2, vector: [2, 1] }])]));
      await replica.waitApplied(2, 30_000);
      assert.equal(consumers(), 1);
    } finally {
      await replica.stop();
      await o.close();
    }
  });
});
