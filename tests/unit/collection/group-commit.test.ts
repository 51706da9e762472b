import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { AppError, isAppError } from '../../../src/errors.js';
import { count, retrieve } from '../../../src/collection/read.js';
import type { Store } from '../../../src/storage/kv/store.js';
import { openCollection, upsert, type Opened } from './helpers.js';

const ALL = { withPayload: { kind: 'all' }, withVector: { kind: 'all' } } as const;

/** Counts the store's write transactions from now on. */
function countCommits(store: Store): { readonly n: number } {
  const counter = { n: 0 };
  const original = store.commit.bind(store);
  store.commit = (fn) => {
    counter.n++;
    return original(fn);
  };
  return counter;
}

/** The state a reader and a reopened store must agree on: each id's payload and version, and the point count. */
function snapshot(o: Opened, ids: number[]): unknown {
  return {
    points: o.c.pointsCount,
    scanned: [...o.c.segment.scan({})].length,
    byId: ids.map((id) => {
      const offset = o.c.segment.offsetOf(id);
      return offset === undefined ? null : { payload: o.c.segment.payloadAt(offset), version: o.c.segment.view(offset)?.version };
    }),
  };
}

describe('group commit (concurrent updates share one transaction)', () => {
  it('updates submitted together commit in one transaction, each with its own operation id, in arrival order', async () => {
    let o = openCollection();
    try {
      await o.c.update([upsert([{ id: 0, vector: [1, 0, 0] }])], true);
      const commits = countCommits(o.store);
      const results = await Promise.all([1, 2, 3, 4].map((id) => o.c.update([upsert([{ id, vector: [id, 0, 0], payload: { id } }])], id % 2 === 0)));
      assert.equal(commits.n, 1);
      assert.deepEqual(
        results.map((r) => [r.operationId, r.status]),
        [
          [2, 'acknowledged'],
          [3, 'completed'],
          [4, 'acknowledged'],
          [5, 'completed'],
        ],
      );
      assert.equal(o.c.lastOperationId, 5);
      const before = snapshot(o, [0, 1, 2, 3, 4]);
      assert.deepEqual((before as { byId: unknown[] }).byId[3], { payload: { id: 3 }, version: 4 });
      o = await o.reopen();
      assert.deepEqual(snapshot(o, [0, 1, 2, 3, 4]), before);
      assert.equal(o.c.lastOperationId, 5);
    } finally {
      await o.close();
    }
  });

  it('a later update of the group sees the earlier ones: set_payload on a point upserted by another writer', async () => {
    const o = openCollection();
    try {
      const [a, b] = await Promise.all([
        o.c.update([upsert([{ id: 7, vector: [1, 1, 1], payload: { a: 1 } }])], true),
        o.c.update([{ type: 'set_payload', selector: { kind: 'ids', ids: [7] }, payload: { b: 2 } }], true),
      ]);
      assert.deepEqual([a.operationId, b.operationId], [1, 2]);
      assert.deepEqual(retrieve(o.c, [7], ALL)[0]?.payload, { a: 1, b: 2 });
      assert.equal(o.c.segment.view(o.c.segment.offsetOf(7)!)?.version, 2);
    } finally {
      await o.close();
    }
  });

  it('an update that fails to stage is rejected alone: the others of its group commit, its own changes are nowhere', async () => {
    let o = openCollection();
    try {
      await o.c.update([upsert([{ id: 1, vector: [1, 0, 0], payload: { n: 1 } }])], true);
      const commits = countCommits(o.store);
      const settled = await Promise.allSettled([
        o.c.update([upsert([{ id: 2, vector: [0, 1, 0] }])], true),
        // An atomic batch whose second operation fails: its upsert of 3 and overwrite of 1 must not happen.
        o.c.update([upsert([{ id: 3, vector: [0, 0, 1] }]), { type: 'overwrite_payload', selector: { kind: 'ids', ids: [1] }, payload: { n: 99 } }, { type: 'set_payload', selector: { kind: 'ids', ids: [404] }, payload: {} }], true),
        // Depends on the failed batch's point 3: staged without it, so it fails too (point not found).
        o.c.update([{ type: 'set_payload', selector: { kind: 'ids', ids: [3] }, payload: { x: 1 } }], true),
        o.c.update([{ type: 'set_payload', selector: { kind: 'ids', ids: [1, 2] }, payload: { m: 1 } }], true),
      ]);
      assert.deepEqual(
        settled.map((s) => s.status),
        ['fulfilled', 'rejected', 'rejected', 'fulfilled'],
      );
      for (const s of settled) if (s.status === 'rejected') assert.ok(isAppError(s.reason) && s.reason.code === 'POINT_NOT_FOUND');
      assert.equal(commits.n, 1);
      // Operation ids are given to the updates that commit, without gaps.
      assert.deepEqual(
        settled.flatMap((s) => (s.status === 'fulfilled' ? [s.value.operationId] : [])),
        [2, 3],
      );
      const expect = { points: 2, scanned: 2, byId: [{ payload: { n: 1, m: 1 }, version: 3 }, { payload: { m: 1 }, version: 3 }, null] };
      assert.deepEqual(snapshot(o, [1, 2, 3]), expect);
      o = await o.reopen();
      assert.deepEqual(snapshot(o, [1, 2, 3]), expect);
    } finally {
      await o.close();
    }
  });

  it('a failed transaction rejects every update of its group and applies none; the next group commits', async () => {
    const o = openCollection();
    try {
      await o.c.update([upsert([{ id: 1, vector: [1, 0, 0], payload: { n: 1 } }])], true);
      const original = o.store.commit.bind(o.store);
      o.store.commit = () => Promise.reject(new AppError('INSUFFICIENT_STORAGE', ['the storage volume is full']));
      const settled = await Promise.allSettled([o.c.update([upsert([{ id: 2, vector: [0, 1, 0] }])], true), o.c.update([{ type: 'set_payload', selector: { kind: 'ids', ids: [1] }, payload: { n: 2 } }], true)]);
      assert.deepEqual(
        settled.map((s) => s.status === 'rejected' && isAppError(s.reason) && s.reason.code),
        ['INSUFFICIENT_STORAGE', 'INSUFFICIENT_STORAGE'],
      );
      assert.equal(o.c.lastOperationId, 1);
      assert.deepEqual(snapshot(o, [1, 2]), { points: 1, scanned: 1, byId: [{ payload: { n: 1 }, version: 1 }, null] });
      o.store.commit = original;
      const r = await o.c.update([upsert([{ id: 2, vector: [0, 1, 0] }])], true);
      assert.equal(r.operationId, 2);
      assert.equal(count(o.c, undefined), 2);
    } finally {
      await o.close();
    }
  });

  it('a point deleted and upserted again within one group is replaced in place: one live offset for its id', async () => {
    let o = openCollection();
    try {
      await o.c.update([upsert([{ id: 5, vector: [1, 0, 0], payload: { v: 1 } }])], true);
      await Promise.all([
        o.c.update([{ type: 'delete', selector: { kind: 'ids', ids: [5] } }], true),
        o.c.update([upsert([{ id: 5, vector: [0, 1, 0], payload: { v: 2 } }])], true),
        // And within one atomic batch.
        o.c.update([upsert([{ id: 6, vector: [0, 0, 1] }]), { type: 'delete', selector: { kind: 'ids', ids: [6] } }, upsert([{ id: 6, vector: [1, 1, 0], payload: { v: 6 } }])], true),
      ]);
      const expect = { points: 2, scanned: 2, byId: [{ payload: { v: 2 }, version: 3 }, { payload: { v: 6 }, version: 4 }] };
      assert.deepEqual(snapshot(o, [5, 6]), expect);
      assert.deepEqual(Array.from((retrieve(o.c, [5], ALL)[0]?.vectors?.get('') as { data: Float32Array }).data), [0, 1, 0]);
      o = await o.reopen();
      assert.deepEqual(snapshot(o, [5, 6]), expect);
    } finally {
      await o.close();
    }
  });

  it('a group is bounded by points written: past the bound, updates wait for the next transaction', async () => {
    const o = openCollection();
    try {
      const commits = countCommits(o.store);
      const batch = (base: number) => upsert(Array.from({ length: 3000 }, (_, i) => ({ id: base + i, vector: [1, i, 0] })));
      const results = await Promise.all([0, 10_000, 20_000].map((base) => o.c.update([batch(base)], true)));
      // 3,000 + 3,000 points exceed one group's 4,096: three transactions, ids still in arrival order.
      assert.equal(commits.n, 3);
      assert.deepEqual(
        results.map((r) => r.operationId),
        [1, 2, 3],
      );
      assert.equal(o.c.pointsCount, 9000);
    } finally {
      await o.close();
    }
  });
});
