/**
 * Nearest-neighbour search over one named vector of a segment: the one entry point every query variant (query,
 * search, recommend, discover, groups, matrix) uses to find and score candidates. Options are plain data (no
 * callbacks), so the same search can run wherever the segment's memory is: `nearestAsyncIn` hands dense searches
 * to the search pool's worker threads (`index/hnsw/search-pool.ts`).
 */
import { AppError, badInput } from '../../errors.js';
import { higherIsBetter, type Distance } from '../../index/distance.js';
import { scanRows } from '../../index/flat/row-scan.js';
import type { Filter } from '../../index/filter/types.js';
import type { FilterPlan } from '../../index/filter/plan.js';
import type { HnswIndex } from '../../index/hnsw/hnsw-index.js';
import { searchPool } from '../../index/hnsw/search-pool.js';
import type { OffsetList } from '../../index/payload/offsets.js';
import type { ScoredOffset } from '../../index/vector-index.js';
import type { ShardKey } from '../types.js';
import type { VectorSchema } from '../config.js';
import { DEFAULT_VECTOR, type QueryVector, type VectorValue } from '../vectors.js';
import type { Scope } from './scope.js';

export interface NearestOptions {
  /** Only points matching this filter are candidates. */
  readonly filter?: Filter | undefined;
  /** Only points of these shard keys are candidates. */
  readonly shardKeys?: readonly ShardKey[] | undefined;
  /** HNSW beam width (Qdrant `params.hnsw_ef`). */
  readonly ef?: number | undefined;
  /** Exact scan instead of the index (Qdrant `params.exact`). */
  readonly exact?: boolean | undefined;
  /**
   * Only vectors already in the index (Qdrant `params.indexed_only`): vectors queued for a background
   * graph build are left out once they are as many as the indexing threshold (an unindexed segment
   * large enough to be slow); fewer, or a collection too small for a graph, are searched in full.
   */
  readonly indexedOnly?: boolean | undefined;
  /** Drop results worse than this score (Qdrant `score_threshold`; for Euclid / Manhattan: a maximum distance). */
  readonly threshold?: number | undefined;
  /** Only these offsets are candidates (e.g. a distance matrix's sample). */
  readonly among?: ReadonlySet<number> | undefined;
  /** This offset is never a candidate (e.g. the sampled point itself). */
  readonly except?: number | undefined;
}

/** What the search reads from its segment. */
export interface NearestSource {
  readonly vectorSchema: VectorSchema;
  vectorIndex(name: string): HnswIndex | undefined;
  otherVectors(name: string): ReadonlyMap<number, VectorValue> | undefined;
  skipsUnindexed(name: string): boolean;
  inScope(offset: number, scope: Scope): boolean;
  scan(scope: Scope): Iterable<number>;
  filterPlan(filter: Filter): FilterPlan;
}

/**
 * The best `k` points for `q` on vector `using`, best first, scored as Qdrant reports them.
 *
 * Dense vectors with an HNSW index go through the planner: a filter whose payload-index candidates are
 * fewer than the index's full-scan threshold is answered by an exact scan of just those points (fast and
 * exact for selective filters); a broader one by filtered graph traversal, which keeps walking through
 * rejected nodes so recall holds; no filter, plain graph search. Sparse and multi vectors are scanned exactly
 * (`index/flat/row-scan.ts`, the same top-k and scoring path as the dense scan).
 * @throws AppError(bad_input) for an unknown vector name, a wrong dimension or a query of the wrong kind.
 */
export function nearestIn(s: NearestSource, using: string, q: QueryVector, k: number, opts: NearestOptions = {}): ScoredOffset[] {
  if (k <= 0) return [];
  const { filter, shardKeys } = opts;
  const threshold = opts.threshold;
  if (q.kind !== 'dense') {
    const scope: Scope = { filter, shardKeys };
    const extra = amongExcept(opts);
    const rows = s.otherVectors(using);
    if (rows === undefined) throw badInput(`Wrong input: Vector \`${using}\` does not accept this query`);
    const spec = s.vectorSchema.dense.get(using);
    if (rows.size > 0 && (q.kind === 'multi') !== (spec?.multivector === true)) throw badInput(`Wrong input: query vector kind does not match vector \`${using || DEFAULT_VECTOR}\``);
    const allowed = filter === undefined && shardKeys === undefined ? undefined : new Set(s.scan(scope));
    const accept = allowed === undefined && extra === undefined ? undefined : (o: number): boolean => (allowed === undefined || allowed.has(o)) && (extra === undefined || extra(o));
    const distance = spec?.distance ?? 'Dot';
    const rowQuery = q.kind === 'sparse' ? { kind: 'sparse' as const, row: q } : { kind: 'multi' as const, rows: q.rows };
    const hits = scanRows(rows, rowQuery, distance, k, accept);
    return withinThreshold(hits, distance, threshold);
  }
  const index = s.vectorIndex(using);
  if (index === undefined) throw badInput(`Wrong input: Vector \`${using}\` is not a dense vector`);
  checkDimension(index.dim, q.data.length);
  return cut(index, runDense(planDense(s, using, index, q.data, k, opts)), threshold);
}

/**
 * `nearestIn`, with the vector work on the search pool's worker threads when there is one: the event loop plans
 * the filter (a selective one becomes the list of offsets to scan, resolved at the current epoch), a worker
 * searches the shared index at a stable epoch. Filtered graph traversal (broad filters) needs the payloads and
 * stays on the event loop, as does everything but dense vectors with an index, and every search while the pool's
 * offload policy says a hand-off does not pay (an event loop with time to spare, or no free core for a worker).
 * When a worker cannot read a stable state (writes kept overlapping, the subset's epoch passed), the search runs
 * here instead.
 */
export async function nearestAsyncIn(s: NearestSource, using: string, q: QueryVector, k: number, opts: NearestOptions = {}): Promise<ScoredOffset[]> {
  const pool = searchPool();
  const index = q.kind === 'dense' ? s.vectorIndex(using) : undefined;
  if (pool === undefined || index === undefined || q.kind !== 'dense' || k <= 0) return nearestIn(s, using, q, k, opts);
  checkDimension(index.dim, q.data.length);
  const plan = planDense(s, using, index, q.data, k, opts);
  // Broad filters need the payloads; and when the event loop has time or no core is free, a hand-off only adds cost.
  if (plan.accept !== undefined || !pool.offloadPays()) return cut(index, runDense(plan), opts.threshold);
  const r = await pool.search({ ...plan, epoch: plan.subset === undefined ? undefined : index.gate.epoch });
  return r.ok ? cut(index, r.hits, opts.threshold) : nearestIn(s, using, q, k, opts);
}

/** One dense search as planned: a graph search (with `accept` for broad filters) or an exact scan of `subset`. */
interface DenseSearch {
  readonly index: HnswIndex;
  readonly query: Float32Array;
  readonly k: number;
  readonly ef: number | undefined;
  readonly exact: boolean;
  readonly indexedOnly: boolean;
  readonly subset?: OffsetList | undefined;
  readonly accept?: ((offset: number) => boolean) | undefined;
  readonly cardinality?: number | undefined;
}

/**
 * The planner: no filter, plain graph search; a filter whose payload-index candidates are fewer than the index's
 * full-scan threshold, an exact scan of just those points (when the index lookups decide the filter, the
 * candidates are the answer and only shard keys / `among` / `except` remain to check); a broader one, filtered
 * graph traversal, which keeps walking through rejected nodes so recall holds.
 */
function planDense(s: NearestSource, using: string, index: HnswIndex, query: Float32Array, k: number, opts: NearestOptions): DenseSearch {
  const { filter, shardKeys } = opts;
  const extra = amongExcept(opts);
  const base = { index, query, k, ef: opts.ef, exact: opts.exact === true, indexedOnly: opts.indexedOnly === true && s.skipsUnindexed(using) };
  if (filter === undefined && shardKeys === undefined && extra === undefined) return base;
  const scope: Scope = { filter, shardKeys };
  const passes = (o: number): boolean => s.inScope(o, scope) && (extra === undefined || extra(o));
  const plan = filter === undefined ? undefined : s.filterPlan(filter);
  const candidates = plan?.candidates ?? null;
  if (candidates !== null && (opts.exact === true || candidates.length <= index.fullScanVectors)) {
    const rest = shardKeys !== undefined || extra !== undefined ? (o: number): boolean => s.inScope(o, { shardKeys }) && (extra === undefined || extra(o)) : undefined;
    const check = plan?.exact === true ? rest : passes;
    return { ...base, subset: check === undefined ? candidates : candidates.filter((o) => check(o)) };
  }
  return { ...base, accept: passes, cardinality: plan?.estimatedCardinality };
}

function runDense(d: DenseSearch): ScoredOffset[] {
  if (d.subset !== undefined) return d.index.searchSubset(d.query, d.k, d.subset, { indexedOnly: d.indexedOnly });
  return d.index.search(d.query, d.k, { ef: d.ef, exact: d.exact, accept: d.accept, cardinality: d.cardinality, indexedOnly: d.indexedOnly });
}

/** The `among` / `except` restriction of the options as a predicate, or undefined when there is none. */
function amongExcept({ among, except }: NearestOptions): ((offset: number) => boolean) | undefined {
  return among === undefined && except === undefined ? undefined : (o) => o !== except && (among === undefined || among.has(o));
}

/** Qdrant `score_threshold`: for Euclid / Manhattan a maximum distance. */
function withinThreshold(hits: ScoredOffset[], distance: Distance, t: number | undefined): ScoredOffset[] {
  if (t === undefined) return hits;
  return hits.filter((h) => (higherIsBetter(distance) ? h.score >= t : h.score <= t));
}

function cut(index: HnswIndex, hits: ScoredOffset[], t: number | undefined): ScoredOffset[] {
  return withinThreshold(hits, index.distance, t);
}

function checkDimension(expected: number, got: number): void {
  if (expected !== got) throw new AppError('VECTOR_DIMENSION_MISMATCH', [expected, got]);
}
