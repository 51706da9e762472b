import type { Distance } from '../distance.js';
import { DISTANCES } from '../distance.js';
import { BATCH_CAPACITY, toScore, type DistanceKernel } from '../kernels/kernel.js';
import type { TopK } from '../top-k.js';
import type { ScoredOffset } from '../vector-index.js';

/** Reusable output buffers for draining a TopK. */
export class ResultBuffers {
  ids = new Int32Array(64);
  keys = new Float64Array(64);

  ensure(n: number): void {
    if (n <= this.ids.length) return;
    this.ids = new Int32Array(n);
    this.keys = new Float64Array(n);
  }
}

/** Drains `top` (best first) into Qdrant-scored results, keeping at most `k`. */
export function collectResults(top: TopK, k: number, distance: Distance, buf: ResultBuffers): ScoredOffset[] {
  buf.ensure(top.size);
  const n = top.drainSorted(buf.ids, buf.keys);
  const m = Math.min(n, k);
  const out: ScoredOffset[] = new Array<ScoredOffset>(m);
  for (let i = 0; i < m; i++) out[i] = { offset: buf.ids[i]!, score: toScore(distance, buf.keys[i]!) };
  return out;
}

/**
 * Exact scan of offsets `[0, limit)` whose `members` state is in `states` (a bit mask: bit `s` admits
 * state `s`; the flat index's single live state 1 is `0b10`) and that `accept` admits, into `top`.
 * The kernel's query must be set. The one exact scan every dense index runs.
 */
export function scanMembers(
  kernel: DistanceKernel,
  members: Uint8Array,
  limit: number,
  accept: ((offset: number) => boolean) | undefined,
  top: TopK,
  states = 0b10,
): void {
  const n = Math.min(limit, members.length);
  if (accept === undefined) {
    for (let o = 0; o < n; o++) {
      if (((1 << members[o]!) & states) === 0) continue;
      top.push(o, kernel.toQuery(o));
    }
  } else {
    for (let o = 0; o < n; o++) {
      if (((1 << members[o]!) & states) === 0 || !accept(o)) continue;
      top.push(o, kernel.toQuery(o));
    }
  }
}

/**
 * Exact scan of the listed offsets whose `members` state is in `states` (default: any live state) into `top`. Duplicates are reported
 * once: `seen` (length ≥ members) is used as scratch and left all-zero.
 */
export function scanSubset(
  kernel: DistanceKernel,
  members: Uint8Array,
  offsets: ArrayLike<number>,
  top: TopK,
  seen: Uint8Array,
  states = 0xfe,
): void {
  const n = offsets.length;
  // Distances in batches: one kernel call per BATCH_CAPACITY rows instead of one per row.
  const ids = kernel.batchIds;
  const out = kernel.batchOut;
  let nb = 0;
  for (let i = 0; i < n; i++) {
    const o = offsets[i]!;
    // By default any live state counts (HNSW: in the graph, queued or plain); 0 is absent.
    if (!(o >= 0 && o < members.length) || ((1 << members[o]!) & states) === 0 || seen[o] === 1) continue;
    seen[o] = 1;
    ids[nb++] = o;
    if (nb === BATCH_CAPACITY) {
      kernel.toQueryBatch(nb);
      for (let j = 0; j < nb; j++) top.push(ids[j]!, out[j]!);
      nb = 0;
    }
  }
  if (nb > 0) {
    kernel.toQueryBatch(nb);
    for (let j = 0; j < nb; j++) top.push(ids[j]!, out[j]!);
  }
  for (let i = 0; i < n; i++) {
    const o = offsets[i]!;
    if (o >= 0 && o < seen.length) seen[o] = 0;
  }
}

export function parseDistance(s: string): Distance {
  const d = DISTANCES.find((x) => x === s);
  if (d === undefined) throw new Error(`unknown distance ${JSON.stringify(s)} in index image`);
  return d;
}

export function checkQuery(query: Float32Array, dim: number): void {
  if (query.length !== dim) throw new RangeError(`Vector dimension error: expected dim: ${dim}, got ${query.length}`);
}

/** Grows a flag array to at least `n` entries (doubling), keeping its content; `shared` puts it on a SharedArrayBuffer. */
export function growFlags(a: Uint8Array, n: number, shared = false): Uint8Array {
  if (n <= a.length) return a;
  let cap = Math.max(16, a.length);
  while (cap < n) cap *= 2;
  const next = shared ? new Uint8Array(new SharedArrayBuffer(cap)) : new Uint8Array(cap);
  next.set(a);
  return next;
}
