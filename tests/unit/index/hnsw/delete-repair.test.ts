import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mulberry32 } from '../../../fixtures/clustered.js';
import { assertNoDanglingLinks, buildHnsw, dataset, measureRecall } from './helpers.js';

const SEED = 4242;

describe('HNSW deletes, updates and repair', () => {
  it('never returns tombstoned offsets and keeps recall over the survivors', () => {
    const ds = dataset({ count: 4000, dim: 24, distance: 'Cosine', seed: SEED });
    const index = buildHnsw(ds, { distance: 'Cosine', m: 12, efConstruct: 80 });
    const rand = mulberry32(SEED);
    const dead = new Set<number>();
    for (let o = 0; o < ds.count; o++) if (rand() < 0.3) dead.add(o);
    dead.add(index.graph.entry); // the entry point too: it keeps routing
    for (const o of dead) {
      index.delete(o);
      ds.flat.delete(o);
    }
    assert.equal(index.deletedCount, dead.size);
    assert.equal(index.size, ds.count - dead.size);
    assert.ok(index.needsRepair);
    for (const q of ds.queries) for (const r of index.search(q, 10, { ef: 64 })) assert.ok(!dead.has(r.offset), `${r.offset} was deleted`);
    const before = measureRecall(ds, 10, (q) => index.search(q, 10, { ef: 64 }));
    assert.ok(before.mean >= 0.95, `recall with tombstones ${before.mean} (seed ${SEED})`);

    assert.equal(index.repair(), dead.size);
    assert.equal(index.deletedCount, 0);
    assert.ok(!index.needsRepair);
    assert.equal(index.graph.nodeCount, ds.count - dead.size);
    // No live node links to a removed one.
    assertNoDanglingLinks(index);
    const after = measureRecall(ds, 10, (q) => index.search(q, 10, { ef: 64 }));
    assert.ok(after.mean >= 0.95, `recall after repair ${after.mean} (seed ${SEED})`);
    assert.equal(index.repair(), 0);
  });

  it('re-adds deleted offsets and applies vector updates', () => {
    const ds = dataset({ count: 1500, dim: 16, distance: 'Euclid', seed: SEED + 1 });
    const index = buildHnsw(ds, { distance: 'Euclid', m: 8, efConstruct: 60 });
    const q = ds.queries[0]!;
    // Move 50 points onto the query's neighbourhood: they must become its top hits.
    const moved: number[] = [];
    for (let i = 0; i < 50; i++) {
      const o = i * 29;
      const v = q.slice();
      v[i % 16]! += 0.001 * (i + 1);
      ds.store.set(o, v);
      if (i % 2 === 0) index.delete(o);
      index.add(o);
      moved.push(o);
    }
    assert.equal(index.size, 1500);
    assert.equal(index.deletedCount, 0);
    const got = index.search(q, 10, { ef: 100 });
    for (const r of got) assert.ok(moved.includes(r.offset), `${r.offset} is not a moved point`);
  });

  it('survives deleting everything, repairing, and starting again', () => {
    const ds = dataset({ count: 300, dim: 8, distance: 'Dot', seed: SEED + 2 });
    const index = buildHnsw(ds, { distance: 'Dot', m: 4, efConstruct: 20 });
    for (let o = 0; o < 300; o++) index.delete(o);
    assert.deepEqual(index.search(ds.queries[0]!, 5), []);
    assert.equal(index.repair(), 300);
    assert.equal(index.graph.entry, -1);
    for (let o = 0; o < 300; o += 3) index.add(o);
    assert.equal(index.size, 100);
    const got = index.search(ds.queries[0]!, 5, { ef: 100 });
    assert.equal(got.length, 5);
    for (const r of got) assert.equal(r.offset % 3, 0);
  });
});
