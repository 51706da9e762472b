/**
 * The tombstone repair in slices (`repairInBackground`, and the repair before re-inserting updates in
 * `buildPending`): the event loop gets turns while it walks the graph, the result equals a repair done in one go,
 * and deletes and updates made between slices leave a valid graph.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { normalizeInPlace } from '../../../../src/index/distance.js';
import type { HnswIndex } from '../../../../src/index/hnsw/hnsw-index.js';
import { ClusteredGenerator, mulberry32 } from '../../../fixtures/clustered.js';
import { assertNoDanglingLinks, buildHnsw, dataset, type Dataset } from './helpers.js';

const SEED = 5151;

/** Level-0 link lists of every node, for comparing two graphs. */
function level0(index: HnswIndex): string[] {
  const g = index.graph;
  const out: string[] = [];
  for (let o = 0; o < g.capacity; o++) {
    if (!g.has(o)) continue;
    const base = g.linksBase(o, 0);
    out.push(`${o}:${Array.from(g.level0.subarray(base + 1, base + 1 + g.level0[base]!)).join(',')}`);
  }
  return out;
}

/** Live points not found by their own vector (top-1 at ef 64) through the graph. */
function unreachable(ds: Dataset, index: HnswIndex, live: Iterable<number>): number[] {
  const lost: number[] = [];
  for (const o of live) if (index.search(ds.store.get(o)!.slice(), 1, { ef: 64 })[0]?.offset !== o) lost.push(o);
  return lost;
}

describe('HNSW repair in slices', () => {
  it('yields between slices and leaves the graph a repair in one go leaves', async () => {
    const ds = dataset({ count: 3000, dim: 16, distance: 'Cosine', seed: SEED });
    const options = { distance: 'Cosine' as const, m: 12, efConstruct: 64 };
    const once = buildHnsw(ds, options);
    const sliced = buildHnsw(ds, options);
    const rand = mulberry32(SEED);
    const dead: number[] = [];
    for (let o = 0; o < ds.count; o++) if (rand() < 0.25) dead.push(o);
    for (const o of dead) {
      once.delete(o);
      sliced.delete(o);
    }
    assert.ok(sliced.needsRepair);
    assert.equal(once.repair(), dead.length);
    let pauses = 0;
    await sliced.repairInBackground({
      sliceMs: 0,
      pause: async () => {
        pauses++;
        // Between slices the graph serves, tombstones still skipped.
        for (const r of sliced.search(ds.queries[pauses % ds.queries.length]!, 10, { ef: 32 })) assert.ok(!dead.includes(r.offset), `${r.offset} was deleted`);
        await new Promise((resolve) => setImmediate(resolve));
      },
    });
    // 3000 nodes, 64 a slice at sliceMs 0: ~46 pauses; one repair in one go would have none.
    assert.ok(pauses >= 40, `${pauses} pauses`);
    assert.equal(sliced.deletedCount, 0);
    assert.equal(sliced.graph.nodeCount, ds.count - dead.length);
    assert.equal(sliced.graph.entry, once.graph.entry);
    assert.deepEqual(level0(sliced), level0(once));
    assertNoDanglingLinks(sliced);
  });

  it('updates and deletes between slices of a build leave no dangling link and no lost point', async () => {
    const ds = dataset({ count: 3000, dim: 16, distance: 'Cosine', seed: SEED + 1 });
    const index = buildHnsw(ds, { distance: 'Cosine', m: 12, efConstruct: 64 });
    const gen = new ClusteredGenerator({ dim: ds.dim, clusters: 50, seed: SEED });
    const next = gen.stream(SEED + 2);
    const rand = mulberry32(SEED + 3);
    const live = new Set(Array.from({ length: ds.count }, (_, o) => o));
    const v = new Float32Array(ds.dim);
    const update = (o: number): void => {
      next(v);
      ds.store.set(o, normalizeInPlace(v));
      index.enqueue(o);
      live.add(o);
    };
    // 2% of the points replaced: the build repairs their old positions before it re-inserts them.
    for (let o = 0; o < ds.count; o++) if (rand() < 0.02) update(o);
    let pauses = 0;
    const build = async (): Promise<void> =>
      index.buildPending({
        sliceMs: 0,
        pause: async () => {
          pauses++;
          // Between the first 150 slices: more updates (some of points already waiting) and deletes. An update
          // made during a repair waits for the next repair, so changes at every pause of a slice-per-pause build
          // would never let it finish.
          const o = Math.floor(rand() * ds.count);
          if (pauses > 150) {
            // no change
          } else if (rand() < 0.5) update(o);
          else {
            index.delete(o);
            live.delete(o);
          }
          for (const r of index.search(ds.queries[pauses % ds.queries.length]!, 10, { ef: 32 })) assert.ok(live.has(r.offset), `${r.offset} was deleted`);
          await new Promise((resolve) => setImmediate(resolve));
        },
      });
    await build();
    // Deletes made during the last slices may still be tombstones; a repair removes them.
    if (index.deletedCount > 0) await index.repairInBackground({ sliceMs: 0 });
    assert.ok(pauses >= 40, `${pauses} pauses: the repair ran in slices`);
    assert.equal(index.pendingCount, 0);
    assert.equal(index.deletedCount, 0);
    assert.equal(index.size, live.size);
    assertNoDanglingLinks(index);
    const lost = unreachable(ds, index, live);
    assert.ok(lost.length <= Math.ceil(live.size * 0.002), `${lost.length} of ${live.size} live points unreachable by their own vector: ${lost.slice(0, 10).join(', ')}`);
  });

  it('a build asked for while a repair runs also indexes what was queued meanwhile', async () => {
    const ds = dataset({ count: 2000, dim: 16, distance: 'Cosine', seed: SEED + 4 });
    const index = buildHnsw(ds, { distance: 'Cosine', m: 12, efConstruct: 64 });
    for (let o = 0; o < ds.count; o += 3) index.delete(o);
    let pauses = 0;
    const repair = index.repairInBackground({ sliceMs: 0, pause: () => Promise.resolve(void pauses++) });
    // Re-add a deleted point while the repair walks the graph (it is a tombstone there until the repair ends).
    index.enqueue(0);
    await Promise.all([repair, index.buildPending({ sliceMs: 0 })]);
    assert.ok(pauses > 10, `${pauses} pauses`);
    assert.equal(index.pendingCount, 0);
    assert.equal(index.deletedCount, 0);
    assertNoDanglingLinks(index);
    assert.equal(index.search(ds.store.get(0)!.slice(), 1, { ef: 64 })[0]?.offset, 0);
  });
});
