import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Store } from '../../../src/storage/kv/store.js';
import { IdTracker } from '../../../src/storage/id-tracker.js';
import { pointKey } from '../../../src/storage/point-id.js';
import { removeDir, tempDir } from '../../support/app.js';

describe('Store', () => {
  it('a committed transaction is all there after reopening', async () => {
    const dir = tempDir('quiver-unit-store-');
    try {
      let store = Store.open(dir);
      const t = store.table<{ n: number }>('points:x');
      await store.commit(() => {
        t.put(1, { n: 1 });
        t.put('c0ffee00-0000-4000-8000-000000000000', { n: 2 });
        store.meta.put('state', { opSeq: 1 });
      });
      await store.close();
      store = Store.open(dir);
      const again = store.table<{ n: number }>('points:x');
      assert.deepEqual(again.get(1), { n: 1 });
      assert.equal(again.get(2), undefined);
      assert.equal(again.count(), 2);
      assert.deepEqual(store.meta.get('state'), { opSeq: 1 });
      await store.close();
    } finally {
      removeDir(dir);
    }
  });

  it('orders point keys as scroll does: integers ascending, then UUIDs', async () => {
    const dir = tempDir('quiver-unit-store-');
    const store = Store.open(dir);
    try {
      const t = store.table<number>('points:y');
      const uuid = 'c0ffee00-0000-4000-8000-000000000000';
      await store.commit(() => {
        for (const k of [uuid, 10, 2, 1000]) t.put(k, 0);
      });
      assert.deepEqual([...t.keys()], [2, 10, 1000, uuid]);
      assert.deepEqual([...t.keys(10)], [10, 1000, uuid]);
    } finally {
      await store.close();
      removeDir(dir);
    }
  });
});

describe('IdTracker', () => {
  it('maps keys to dense offsets and frees them on removal', () => {
    const ids = new IdTracker();
    const a = ids.assign(pointKey(7));
    const b = ids.assign(pointKey('c0ffee00-0000-4000-8000-000000000000'));
    assert.deepEqual([a, b], [0, 1]);
    assert.equal(ids.assign(pointKey(7)), 0, 'assigning a known key returns its offset');
    assert.equal(ids.remove(pointKey(7)), 0);
    assert.equal(ids.offsetOf(pointKey(7)), undefined);
    assert.deepEqual([...ids.offsets()], [1]);
    ids.restore(pointKey(9), 5);
    assert.equal(ids.keyAt(5), pointKey(9));
    assert.deepEqual([...ids.offsets()], [1, 5]);
    assert.equal(ids.size, 2);
  });
});
