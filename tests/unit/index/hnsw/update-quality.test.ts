/**
 * Index quality under updates: replacing vectors in place (re-upserting existing ids) must leave a graph as
 * good as a fresh build over the same vectors. Seeded, statistical, against exact search.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { normalizeInPlace } from '../../../../src/index/distance.js';
import { HnswIndex } from '../../../../src/index/hnsw/hnsw-index.js';
import { ClusteredGenerator, mulberry32 } from '../../../fixtures/clustered.js';
import { dataset, measureRecall, type Dataset } from './helpers.js';

const SEED = 9191;

/** Replaces `share` of the points with new vectors drawn from the same clusters, in update batches. */
function replace(ds: Dataset, index: HnswIndex, share: number, seed: number, batches: number): number[] {
  return replaceWith(ds, index, share, seed, batches, () => index.buildPendingSync());
}

function replaceWith(ds: Dataset, index: HnswIndex, share: number, seed: number, batches: number, build: () => void): number[] {
  const gen = new ClusteredGenerator({ dim: ds.dim, clusters: 50, seed: SEED });
  const next = gen.stream(seed);
  const rand = mulberry32(seed);
  const chosen: number[] = [];
  for (let o = 0; o < ds.count; o++) if (rand() < share) chosen.push(o);
  const v = new Float32Array(ds.dim);
  const per = Math.ceil(chosen.length / batches);
  for (let b = 0; b < chosen.length; b += per) {
    for (const o of chosen.slice(b, b + per)) {
      next(v);
      ds.store.set(o, normalizeInPlace(v));
      index.enqueue(o);
    }
    build();
  }
  return chosen;
}

function fresh(ds: Dataset, m: number, efConstruct: number): HnswIndex {
  const index = new HnswIndex(ds.store, { distance: 'Cosine', m, efConstruct });
  for (let o = 0; o < ds.count; o++) index.add(o);
  return index;
}

/** Points not found by their own vector (top-1 at ef) through the graph. */
function unreachable(ds: Dataset, index: HnswIndex, offsets: number[], ef: number): number {
  let misses = 0;
  for (const o of offsets) if (index.search(ds.store.get(o)!.slice(), 1, { ef })[0]?.offset !== o) misses++;
  return misses;
}

describe('HNSW quality under updates', () => {
  for (const [m, efc] of [[16, 100], [8, 32]] as const) {
    it(`after replacing 30% of the vectors, recall is within 0.5 points of a fresh build (m ${m}, ef_construct ${efc})`, () => {
      const ds = dataset({ count: 4000, dim: 24, distance: 'Cosine', seed: SEED, queries: 300 });
      const index = fresh(ds, m, efc);
      // 7 batches of ~4.3%: the graph is rebuilt past 10% updates, and the last batch stays repaired in place.
      const moved = replace(ds, index, 0.3, SEED + 7, 7);
      // The flat reference follows the store (it reads the same rows).
      const ef = 24;
      const updated = measureRecall(ds, 10, (q) => index.search(q, 10, { ef }));
      const rebuilt = fresh(ds, m, efc);
      const base = measureRecall(ds, 10, (q) => rebuilt.search(q, 10, { ef }));
      const lost = unreachable(ds, index, moved, 64);
      assert.ok(updated.mean >= base.mean - 0.005, `recall@10 ${updated.mean.toFixed(4)} after updates vs ${base.mean.toFixed(4)} fresh`);
      assert.ok(updated.failures <= base.failures + 3, `${updated.failures} queries under 0.8 recall vs ${base.failures} fresh`);
      assert.ok(lost <= Math.ceil(moved.length * 0.002), `${lost} of ${moved.length} updated points unreachable by their own vector`);
    });
  }

  it('rebuilds in the background past the update threshold while searches keep answering from the old graph', async () => {
    const ds = dataset({ count: 3000, dim: 16, distance: 'Cosine', seed: SEED + 1, queries: 200 });
    const index = fresh(ds, 12, 64);
    const before = index.graph;
    const chosen = replaceWith(ds, index, 0.25, SEED + 3, 1, () => undefined);
    assert.ok(index.needsRebuild);
    let searchesDuringBuild = 0;
    const build = index.buildPending({
      sliceMs: 1,
      onProgress: () => {
        // Between slices: every row is found (pending rows by exact scan, the rest through the graph).
        const o = chosen[searchesDuringBuild % chosen.length]!;
        assert.equal(index.search(ds.store.get(o)!.slice(), 1, { ef: 64 })[0]?.offset, o);
        searchesDuringBuild++;
      },
    });
    await build;
    assert.ok(searchesDuringBuild > 0);
    assert.notEqual(index.graph, before, 'the graph was rebuilt');
    assert.ok(!index.needsRebuild);
    assert.equal(index.graph.nodeCount, ds.count);
    assert.equal(index.graph.deletedCount, 0);
    const rebuilt = fresh(ds, 12, 64);
    const got = measureRecall(ds, 10, (q) => index.search(q, 10, { ef: 24 }));
    const base = measureRecall(ds, 10, (q) => rebuilt.search(q, 10, { ef: 24 }));
    assert.ok(got.mean >= base.mean - 0.005, `recall@10 ${got.mean.toFixed(4)} after the rebuild vs ${base.mean.toFixed(4)} fresh`);
    assert.equal(unreachable(ds, index, chosen, 64), 0);
  });
});
