/**
 * Reading a shard snapshot whose chunks stop arriving (the object was replaced and its old chunks purged while a
 * replica read it: the object store's reader then waits forever) fails with UNAVAILABLE after the idle bound, so
 * the replica retries instead of staying behind for good; a slow reader whose chunks keep coming is not cut off.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { ObjectStore } from 'nats';
import { ShardSnapshots } from '../../../src/cluster/shard-snapshots.js';
import { encodeShardMessage } from '../../../src/cluster/shard-message.js';
import { upsert } from '../collection/helpers.js';

const UUID = 'c0ffee00-0000-4000-8000-0000000000aa';

function line(id: number): Uint8Array {
  const data = encodeShardMessage([upsert([{ id, vector: [id, 1] }])]);
  return Buffer.concat([data, Buffer.from('\n')]);
}

/** An object store holding one lines-format snapshot at sequence 9 whose reader serves `chunks` (each after its delay) and then either ends or stalls. */
function store(chunks: ReadonlyArray<{ data: Uint8Array; delayMs: number }>, end: 'close' | 'stall'): { os: ObjectStore; cancelled: () => boolean } {
  let cancelled = false;
  const info = { name: `${UUID}.0`, deleted: false, metadata: { applied_sequence: '9', format: 'lines' } };
  const os = {
    info: () => Promise.resolve(info),
    get: () => {
      let i = 0;
      let finished!: (e: Error | null) => void;
      const error = new Promise<Error | null>((resolve) => (finished = resolve));
      const data = new ReadableStream<Uint8Array>({
        async pull(controller) {
          const next = chunks[i++];
          if (next === undefined) {
            if (end === 'close') {
              controller.close();
              finished(null);
            }
            return new Promise<void>(() => undefined); // stalls: no chunk, no end
          }
          await new Promise((r) => setTimeout(r, next.delayMs));
          controller.enqueue(next.data);
        },
        cancel() {
          cancelled = true;
        },
      });
      return Promise.resolve({ info, data, error });
    },
  };
  return { os: os as unknown as ObjectStore, cancelled: () => cancelled };
}

void describe('shard snapshot reads', () => {
  void it('fail with UNAVAILABLE when the next chunk does not come within the idle bound, and stop the reader', async () => {
    const { os, cancelled } = store([{ data: line(1), delayMs: 0 }], 'stall');
    await assert.rejects(new ShardSnapshots(os, 100).get(UUID, 0), (e: Error & { kind?: string }) => {
      assert.equal(e.kind, 'unavailable');
      assert.match(e.message, /no data for 100 ms/);
      return true;
    });
    assert.equal(cancelled(), true, 'the stalled reader is cancelled');
  });

  void it('read every line of a snapshot whose chunks arrive slowly but steadily', async () => {
    const { os, cancelled } = store([1, 2, 3, 4, 5].map((id) => ({ data: line(id), delayMs: 10 })), 'close');
    const snapshot = await new ShardSnapshots(os, 5_000).get(UUID, 0);
    assert.equal(snapshot.seq, 9);
    assert.deepEqual(snapshot.ops.flatMap((op) => (op.type === 'upsert' ? op.points.map((p) => p.id) : [])), [1, 2, 3, 4, 5]);
    assert.equal(cancelled(), false);
  });
});
