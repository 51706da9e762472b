import type { DistanceKernel } from '../kernels/kernel.js';
import type { HnswGraph } from './graph.js';
import { levelFor } from './levels.js';
import type { LayerSearch } from './search.js';
import { TopK } from '../top-k.js';
import type { VisitedSet } from './visited-pool.js';

/** A repair in steps ({@link GraphBuilder.startRepair}). */
export interface RepairPass {
  /** Nodes below this take part (the graph's capacity when the pass started). */
  readonly end: number;
  /** Re-selects the links of the nodes in `[from, to)` that link to a tombstone. */
  relink(kernel: DistanceKernel, from: number, to: number): void;
  /** Removes the pass's tombstones and re-inserts nodes left without links; returns the number removed. */
  finish(kernel: DistanceKernel): number;
}

export interface BuildParams {
  m: number;
  efConstruct: number;
  seed: number;
}

/**
 * Per-node spin locks for concurrent builds (Int32Array on a SharedArrayBuffer, 0 = free). Critical
 * sections are a few microseconds, so waiters spin, then nap 50 µs at a time (no notify needed).
 */
function lock(locks: Int32Array, i: number): void {
  let spins = 0;
  while (Atomics.compareExchange(locks, i, 0, 1) !== 0) {
    if (++spins >= 100) {
      Atomics.wait(locks, i, 1, 0.05);
      spins = 0;
    }
  }
}

function unlock(locks: Int32Array, i: number): void {
  Atomics.store(locks, i, 0);
}

/** Sorts the first `n` (key, id) pairs ascending by key (then id); n is small (≤ ~2m + 1). */
function insertionSort(ids: Int32Array, keys: Float64Array, n: number): void {
  for (let i = 1; i < n; i++) {
    const k = keys[i]!;
    const id = ids[i]!;
    let j = i - 1;
    while (j >= 0 && (keys[j]! > k || (keys[j] === k && ids[j]! > id))) {
      keys[j + 1] = keys[j]!;
      ids[j + 1] = ids[j]!;
      j--;
    }
    keys[j + 1] = k;
    ids[j + 1] = id;
  }
}

/**
 * Incremental HNSW construction: insert (and re-insert for updates) with heuristic neighbour
 * selection (Malkov & Yashunin algorithm 4, as hnswlib's getNeighborsByHeuristic2), and the repair
 * pass that unlinks tombstones.
 */
export class GraphBuilder {
  private readonly g: HnswGraph;
  private readonly search: LayerSearch;
  private readonly params: BuildParams;
  private candIds: Int32Array;
  private candKeys: Float64Array;
  private readonly selIds: Int32Array;
  private readonly selKeys: Float64Array;
  private readonly linkIds: Int32Array;
  private readonly linkKeys: Float64Array;
  private readonly sel2Ids: Int32Array;
  private readonly sel2Keys: Float64Array;

  /** Node locks (+1 global lock at index `capacity`) when several threads build one graph. */
  private readonly locks: Int32Array | undefined;

  constructor(g: HnswGraph, search: LayerSearch, params: BuildParams, locks?: Int32Array) {
    this.g = g;
    this.locks = locks;
    this.search = search;
    this.params = params;
    const n = Math.max(params.efConstruct, g.m0 + 1);
    this.candIds = new Int32Array(n);
    this.candKeys = new Float64Array(n);
    this.selIds = new Int32Array(g.m0 + 1);
    this.selKeys = new Float64Array(g.m0 + 1);
    this.linkIds = new Int32Array(g.m0 + 1);
    this.linkKeys = new Float64Array(g.m0 + 1);
    this.sel2Ids = new Int32Array(g.m0 + 1);
    this.sel2Keys = new Float64Array(g.m0 + 1);
  }

  levelOf(node: number): number {
    return levelFor(this.params.seed, node, this.params.m);
  }

  /**
   * Inserts `node` (its vector is in the store), or re-links it when it is already in the graph
   * (an update, or an un-delete): its old out-links are replaced; stale in-links stay until repair.
   */
  insert(kernel: DistanceKernel, node: number): void {
    const g = this.g;
    const locks = this.locks;
    let level: number;
    let oldLinks: Int32Array[] | undefined;
    if (g.has(node)) {
      level = g.levels[node]!;
      if (g.deleted[node] === 1) {
        g.deleted[node] = 0;
        g.deletedCount--;
      }
      // An update: remember whom the node linked to at its old position (see reconnectOldNeighbours).
      if (locks === undefined) oldLinks = this.linksOf(node, level);
    } else {
      level = this.levelOf(node);
      g.addNode(node, level);
    }
    kernel.setQueryRow(node);
    // A node that raises the top level holds the global lock throughout (as in hnswlib).
    const globalLock = locks !== undefined && level > g.maxLevel ? g.capacity : -1;
    if (globalLock >= 0) lock(locks!, globalLock);
    try {
      this.link(kernel, node, level);
    } finally {
      if (globalLock >= 0) unlock(locks!, globalLock);
    }
    if (oldLinks !== undefined) this.reconnectOldNeighbours(kernel, node, oldLinks);
  }

  private linksOf(node: number, level: number): Int32Array[] {
    const out: Int32Array[] = [];
    for (let l = 0; l <= level; l++) {
      const arr = this.g.linksArray(l);
      const base = this.g.linksBase(node, l);
      out.push(arr.slice(base + 1, base + 1 + arr[base]!));
    }
    return out;
  }

  /**
   * After an update moved `node`, points that were reachable only through its old links would be cut off
   * (its link list now describes its new position). As hnswlib's `updatePoint` does, each old neighbour
   * re-selects its links, with the heuristic, from its own links plus the node's other old neighbours,
   * which the node used to bridge.
   */
  private reconnectOldNeighbours(kernel: DistanceKernel, node: number, oldLinks: Int32Array[]): void {
    const g = this.g;
    for (let l = 0; l < oldLinks.length; l++) {
      const old = oldLinks[l]!;
      const arr = g.linksArray(l);
      const max = g.maxLinks(l);
      for (const x of old) {
        if (x === node || g.deleted[x] === 1 || !g.has(x) || g.levels[x]! < l) continue;
        const base = g.linksBase(x, l);
        const cnt = arr[base]!;
        const pool = new Set<number>();
        for (let j = 1; j <= cnt; j++) pool.add(arr[base + j]!);
        for (const y of old) if (y !== x && y !== node && g.deleted[y] === 0 && g.has(y)) pool.add(y);
        pool.delete(x);
        const n = pool.size;
        const ids = new Int32Array(n);
        const keys = new Float64Array(n);
        let i = 0;
        for (const y of pool) {
          ids[i] = y;
          keys[i] = kernel.between(x, y);
          i++;
        }
        insertionSort(ids, keys, n);
        const outIds = new Int32Array(Math.min(n, max));
        const outKeys = new Float64Array(Math.min(n, max));
        const s = this.selectNeighbours(kernel, ids, keys, n, max, outIds, outKeys);
        for (let j = 0; j < s; j++) arr[base + 1 + j] = outIds[j]!;
        arr[base] = s;
      }
    }
  }

  private link(kernel: DistanceKernel, node: number, level: number): void {
    const g = this.g;
    const locks = this.locks;
    if (g.entry < 0 || (g.entry === node && g.nodeCount === 1)) {
      g.entry = node;
      g.maxLevel = level;
      return;
    }
    const search = this.search;
    const ef = this.params.efConstruct;
    let cur = g.entry;
    // Another thread may be swapping entry and max level: never start above the entry's own level.
    const maxLevel = Math.min(g.maxLevel, g.levels[cur]!);
    let curDist = kernel.toQuery(cur);
    if (maxLevel > level) {
      search.greedy(kernel, g, cur, curDist, maxLevel, level, node);
      cur = search.node;
      curDist = search.dist;
    }
    for (let l = Math.min(level, maxLevel); l >= 0; l--) {
      search.searchLayer(kernel, g, cur, curDist, l, ef, undefined, true, node);
      const top = search.top;
      if (top.size > this.candIds.length) {
        this.candIds = new Int32Array(top.size);
        this.candKeys = new Float64Array(top.size);
      }
      let n = top.drainSorted(this.candIds, this.candKeys);
      // Drop the node itself (an update finds itself).
      let w = 0;
      for (let i = 0; i < n; i++) {
        if (this.candIds[i] === node) continue;
        this.candIds[w] = this.candIds[i]!;
        this.candKeys[w] = this.candKeys[i]!;
        w++;
      }
      n = w;
      if (n === 0) {
        // Everything reachable is tombstoned: link to the routing node anyway, so the graph stays connected.
        if (cur === node) continue;
        this.candIds[0] = cur;
        this.candKeys[0] = curDist;
        n = 1;
      }
      const nextCur = this.candIds[0]!;
      const nextDist = this.candKeys[0]!;
      const s = this.selectNeighbours(kernel, this.candIds, this.candKeys, n, g.m, this.selIds, this.selKeys);
      const arr = g.linksArray(l);
      const base = g.linksBase(node, l);
      if (locks !== undefined) lock(locks, node);
      for (let i = 0; i < s; i++) arr[base + 1 + i] = this.selIds[i]!;
      // The count goes last (and atomically when shared): readers never see unwritten links.
      if (locks !== undefined) {
        Atomics.store(arr, base, s);
        unlock(locks, node);
      } else {
        arr[base] = s;
      }
      for (let i = 0; i < s; i++) this.addLink(kernel, this.selIds[i]!, node, l, this.selKeys[i]!);
      cur = nextCur;
      curDist = nextDist;
    }
    if (level > g.maxLevel) {
      g.entry = node;
      g.maxLevel = level;
    }
  }

  /**
   * The neighbour-selection heuristic: walks candidates closest first and keeps one unless it is
   * closer to an already kept neighbour than to the base node. Candidates must be sorted ascending.
   * Returns the number kept (≤ `max`), written to `outIds` / `outKeys`.
   */
  selectNeighbours(
    kernel: DistanceKernel,
    ids: Int32Array,
    keys: Float64Array,
    n: number,
    max: number,
    outIds: Int32Array,
    outKeys: Float64Array,
  ): number {
    if (n <= max && n <= 1) {
      for (let i = 0; i < n; i++) {
        outIds[i] = ids[i]!;
        outKeys[i] = keys[i]!;
      }
      return n;
    }
    let s = 0;
    for (let i = 0; i < n && s < max; i++) {
      const e = ids[i]!;
      const de = keys[i]!;
      let good = true;
      for (let j = 0; j < s; j++) {
        if (kernel.between(e, outIds[j]!) < de) {
          good = false;
          break;
        }
      }
      if (good) {
        outIds[s] = e;
        outKeys[s] = de;
        s++;
      }
    }
    return s;
  }

  /** Adds `node` to `target`'s list at `level`; a full list is re-selected with the heuristic. */
  private addLink(kernel: DistanceKernel, target: number, node: number, level: number, dist: number): void {
    const locks = this.locks;
    if (locks === undefined) {
      this.addLinkUnlocked(kernel, target, node, level, dist);
      return;
    }
    lock(locks, target);
    try {
      this.addLinkUnlocked(kernel, target, node, level, dist);
    } finally {
      unlock(locks, target);
    }
  }

  private addLinkUnlocked(kernel: DistanceKernel, target: number, node: number, level: number, dist: number): void {
    const g = this.g;
    const arr = g.linksArray(level);
    const base = g.linksBase(target, level);
    const cnt = arr[base]!;
    for (let j = 1; j <= cnt; j++) if (arr[base + j] === node) return;
    const max = g.maxLinks(level);
    const shared = this.locks !== undefined;
    if (cnt < max) {
      arr[base + 1 + cnt] = node;
      if (shared) Atomics.store(arr, base, cnt + 1);
      else arr[base] = cnt + 1;
      return;
    }
    const ids = this.linkIds;
    const keys = this.linkKeys;
    const bIds = kernel.batchIds;
    const bOut = kernel.batchOut;
    for (let j = 0; j < cnt; j++) bIds[j] = arr[base + 1 + j]!;
    kernel.betweenBatch(target, cnt);
    for (let j = 0; j < cnt; j++) {
      ids[j] = bIds[j]!;
      keys[j] = bOut[j]!;
    }
    ids[cnt] = node;
    keys[cnt] = dist;
    insertionSort(ids, keys, cnt + 1);
    const s = this.selectNeighbours(kernel, ids, keys, cnt + 1, max, this.sel2Ids, this.sel2Keys);
    for (let i = 0; i < s; i++) arr[base + 1 + i] = this.sel2Ids[i]!;
    if (shared) Atomics.store(arr, base, s);
    else arr[base] = s;
  }

  /**
   * Unlinks every tombstoned node and removes it from the graph (FreshDiskANN-style consolidation):
   * a live node that linked to a tombstone re-selects its links, with the heuristic, from its live
   * links plus the live links of its tombstoned neighbours. Nodes left without level-0 links are
   * re-inserted. Returns the number of nodes removed. All at once: {@link startRepair} does the same a slice of
   * nodes at a time.
   */
  repair(kernel: DistanceKernel): number {
    if (this.g.deletedCount === 0) return 0;
    const pass = this.startRepair();
    pass.relink(kernel, 0, pass.end);
    return pass.finish(kernel);
  }

  /** Full repairs finished on this graph; a sliced pass whose count moved under it has nothing left to do. */
  private repairs = 0;

  /**
   * A {@link repair} in steps, so that the event loop can serve between them: `relink` the nodes of
   * `[from, to)` (in order, up to `end`), then `finish`. Between steps, searches see a valid graph (tombstones
   * are still in it and skipped in results), and points may be deleted (their tombstones wait for the next
   * repair). Only the tombstones present at the start are removed by `finish`: every other node that existed then
   * (tombstones of later deletes included: they still route searches) has unlinked them by its step, and nothing
   * links to a tombstone anew (inserts link live nodes; a synchronous update runs a full repair first, which makes
   * this pass's `finish` a no-op).
   */
  startRepair(): RepairPass {
    const g = this.g;
    const end = g.capacity;
    const tombstones: number[] = [];
    const removing = new Uint8Array(end);
    for (let p = 0; p < end; p++) {
      if (g.levels[p]! >= 0 && g.deleted[p] === 1) {
        tombstones.push(p);
        removing[p] = 1;
      }
    }
    const orphans: number[] = [];
    const started = this.repairs;
    return {
      end,
      relink: (kernel, from, to) => {
        if (this.repairs !== started) return;
        const visited = this.search.visited.acquire();
        const top = this.repairTop;
        try {
          for (let p = from; p < to; p++) {
            const lv = g.levels[p]!;
            // A node deleted since the start stays (a tombstone still routes searches): its links are mended too.
            if (lv < 0 || removing[p] === 1) continue;
            for (let l = 0; l <= lv; l++) {
              if (this.relink(kernel, p, l, visited, top) === 0 && l === 0) orphans.push(p);
            }
          }
        } finally {
          this.search.visited.release(visited);
        }
      },
      finish: (kernel) => {
        if (this.repairs !== started) return 0;
        this.repairs++;
        // New entry point: the live node with the highest level.
        if (g.entry >= 0 && g.deleted[g.entry] === 1) {
          let best = -1;
          let bestLevel = -1;
          for (let p = 0; p < g.capacity; p++) {
            const lv = g.levels[p]!;
            if (lv > bestLevel && g.deleted[p] === 0) {
              best = p;
              bestLevel = lv;
            }
          }
          g.entry = best;
          g.maxLevel = bestLevel;
        }
        let removed = 0;
        for (const p of tombstones) {
          if (g.levels[p]! >= 0 && g.deleted[p] === 1) {
            g.removeNode(p);
            removed++;
          }
        }
        // Deleted since they were found: a tombstone now, not to be brought back.
        for (const p of orphans) if (g.has(p) && g.deleted[p] === 0 && p !== g.entry) this.insert(kernel, p);
        return removed;
      },
    };
  }

  private readonly repairTop = new TopK(1);

  /** Re-selects `p`'s links at `level` when any of them is tombstoned; returns the link count. */
  private relink(kernel: DistanceKernel, p: number, level: number, visited: VisitedSet, top: TopK): number {
    const g = this.g;
    const arr = g.linksArray(level);
    const base = g.linksBase(p, level);
    const cnt = arr[base]!;
    const deleted = g.deleted;
    let any = false;
    for (let j = 1; j <= cnt; j++) {
      if (deleted[arr[base + j]!] === 1) {
        any = true;
        break;
      }
    }
    if (!any) return cnt;
    const tag = visited.begin(g.capacity);
    const marks = visited.marks;
    marks[p] = tag;
    top.reset(Math.max(this.params.efConstruct, g.maxLinks(level)));
    for (let j = 1; j <= cnt; j++) {
      const x = arr[base + j]!;
      if (deleted[x] === 0) {
        if (marks[x] !== tag) {
          marks[x] = tag;
          top.push(x, kernel.between(p, x));
        }
        continue;
      }
      const xb = g.linksBase(x, level);
      const xc = arr[xb]!;
      for (let i = 1; i <= xc; i++) {
        const y = arr[xb + i]!;
        if (deleted[y] === 1 || marks[y] === tag) continue;
        marks[y] = tag;
        top.push(y, kernel.between(p, y));
      }
    }
    const n = top.size;
    if (n > this.candIds.length) {
      this.candIds = new Int32Array(n);
      this.candKeys = new Float64Array(n);
    }
    top.drainSorted(this.candIds, this.candKeys);
    const s = this.selectNeighbours(kernel, this.candIds, this.candKeys, n, g.maxLinks(level), this.sel2Ids, this.sel2Keys);
    arr[base] = s;
    for (let i = 0; i < s; i++) arr[base + 1 + i] = this.sel2Ids[i]!;
    return s;
  }
}
