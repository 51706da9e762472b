import type { DistanceKernel } from '../kernels/kernel.js';
import type { HnswGraph } from './graph.js';
import { MinHeap, ResultHeap } from './heap.js';
import { VisitedPool } from './visited-pool.js';

/**
 * Graph traversal (Malkov & Yashunin, algorithms 2 and 5), shared by queries and construction.
 * Owns its scratch heaps; results of `searchLayer` are left in `top` for the caller to drain.
 */
export class LayerSearch {
  readonly cand = new MinHeap(256);
  readonly top = new ResultHeap(64);
  readonly visited: VisitedPool;
  /** Result of `greedy`. */
  node = -1;
  dist = 0;

  constructor(capacity: number) {
    this.visited = new VisitedPool(capacity);
  }

  /**
   * Greedy descent (ef = 1) from `ep` through layers `fromLevel` down to `toLevel + 1`; leaves the
   * closest node found in `node` / `dist`. Tombstones and filters are ignored: this only routes.
   * `exclude` is never moved to (a node being re-inserted must not route through its own stale links).
   */
  greedy(kernel: DistanceKernel, g: HnswGraph, ep: number, epDist: number, fromLevel: number, toLevel: number, exclude = -1): void {
    let cur = ep;
    let curDist = epDist;
    const upper = g.upper;
    const upperStart = g.upperStart;
    const strideU = g.strideU;
    const ids = kernel.batchIds;
    const out = kernel.batchOut;
    for (let level = fromLevel; level > toLevel; level--) {
      let changed = true;
      while (changed) {
        changed = false;
        const base = level === 0 ? cur * g.stride0 : upperStart[cur]! + (level - 1) * strideU;
        const arr = level === 0 ? g.level0 : upper;
        const cnt = arr[base]!;
        for (let j = 0; j < cnt; j++) ids[j] = arr[base + 1 + j]!;
        kernel.toQueryBatch(cnt);
        for (let j = 0; j < cnt; j++) {
          const d = out[j]!;
          if (d < curDist && ids[j] !== exclude) {
            curDist = d;
            cur = ids[j]!;
            changed = true;
          }
        }
      }
    }
    this.node = cur;
    this.dist = curDist;
  }

  /**
   * Beam search of width `ef` on one layer from `ep`. Every reachable node may be traversed;
   * only nodes that are not tombstoned (when `skipDeleted`) and that `accept` admits enter `top`.
   * While fewer than `ef` admitted nodes are found the beam keeps expanding (hnswlib's filtered
   * search), so a selective filter widens the traversal instead of returning too few results.
   */
  searchLayer(
    kernel: DistanceKernel,
    g: HnswGraph,
    ep: number,
    epDist: number,
    level: number,
    ef: number,
    accept: ((offset: number) => boolean) | undefined,
    skipDeleted: boolean,
    exclude = -1,
  ): void {
    const visited = this.visited.acquire();
    const tag = visited.begin(g.capacity);
    const marks = visited.marks;
    // Marked visited up front: never expanded, never a result.
    if (exclude >= 0 && exclude !== ep) marks[exclude] = tag;
    const cand = this.cand;
    const top = this.top;
    cand.clear();
    top.reset(ef);
    const deleted = g.deleted;
    const checkDeleted = skipDeleted && g.deletedCount > 0;
    const filtering = accept !== undefined || checkDeleted;

    // `size`/`worst` mirror the result heap: worst kept key, +∞ while empty (hnswlib's lowerBound).
    let size = 0;
    let worst = Infinity;
    marks[ep] = tag;
    cand.push(ep, epDist);
    if (!(checkDeleted && deleted[ep] === 1) && (accept === undefined || accept(ep))) {
      worst = top.push(ep, epDist);
      size = 1;
    }

    const arr = level === 0 ? g.level0 : g.upper;
    const stride0 = g.stride0;
    const strideU = g.strideU;
    const upperStart = g.upperStart;
    const ids = kernel.batchIds;
    const out = kernel.batchOut;

    while (cand.size > 0) {
      if (cand.minKey > worst && (size >= ef || !filtering)) break;
      const c = cand.pop();
      const base = level === 0 ? c * stride0 : upperStart[c]! + (level - 1) * strideU;
      const cnt = arr[base]!;
      // Gather the unvisited neighbours, then one kernel call for all their distances.
      let nb = 0;
      for (let j = 1; j <= cnt; j++) {
        const n = arr[base + j]!;
        if (marks[n] === tag) continue;
        marks[n] = tag;
        ids[nb++] = n;
      }
      if (nb === 0) continue;
      kernel.toQueryBatch(nb);
      for (let j = 0; j < nb; j++) {
        const d = out[j]!;
        if (size < ef || d < worst) {
          const n = ids[j]!;
          cand.push(n, d);
          if (checkDeleted && deleted[n] === 1) continue;
          if (accept !== undefined && !accept(n)) continue;
          if (size < ef) {
            worst = top.push(n, d);
            size++;
          } else {
            worst = top.replaceTop(n, d);
          }
        }
      }
    }
    this.visited.release(visited);
  }
}
