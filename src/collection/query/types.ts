/**
 * The Query API as data: a parsed QueryRequest / Prefetch tree (`StageSpec`), its query variants
 * (`QuerySpec`) and the scored lists the executor passes between stages (`ScoredEntry`).
 *
 * Vector inputs stay unresolved (`VectorInput`) until execution, because point ids are looked up in
 * the collection the stage names (`lookup_from`) and prepared for the stage's `using` vector.
 */
import type { Filter } from '../../index/filter/types.js';
import type { PointId } from '../../storage/point-id.js';
import type { Collection } from '../collection.js';
import type { PayloadSelector, VectorSelector } from '../types.js';
import type { ShardKey } from '../types.js';
import type { VectorData, VectorValue } from '../vectors.js';
import type { ParsedFormula } from './formula.js';

/**
 * A vector given in a request: a point id to look up, or a raw dense / sparse / multi vector (checked
 * against the stage's `using` vector when the query runs). `where` names the field for error messages.
 */
export type VectorInput =
  | { readonly kind: 'id'; readonly id: PointId; readonly where: string }
  | { readonly kind: 'raw'; readonly value: VectorData; readonly where: string };

export interface ContextPairInput {
  readonly positive: VectorInput;
  readonly negative: VectorInput;
}

export type RecommendStrategy = 'average_vector' | 'best_score' | 'sum_scores';

export interface OrderBySpec {
  readonly key: string;
  readonly direction: 'asc' | 'desc';
  /** Start value (datetimes as microseconds since the epoch, like Qdrant's `order_value`). */
  readonly startFrom: number | bigint | undefined;
}

export interface MmrSpec {
  /** Qdrant's lambda: `1 - diversity` (default 0.5). */
  readonly lambda: number;
  /** How many nearest candidates MMR chooses from (default: the stage limit). */
  readonly candidatesLimit: number | undefined;
}

/** One query variant (Qdrant `Query` / `QueryInterface`). */
export type QuerySpec =
  | { readonly kind: 'nearest'; readonly input: VectorInput; readonly mmr: MmrSpec | undefined }
  | { readonly kind: 'recommend'; readonly positive: readonly VectorInput[]; readonly negative: readonly VectorInput[]; readonly strategy: RecommendStrategy }
  | { readonly kind: 'discover'; readonly target: VectorInput; readonly pairs: readonly ContextPairInput[] }
  | { readonly kind: 'context'; readonly pairs: readonly ContextPairInput[] }
  | {
      readonly kind: 'feedback';
      readonly target: VectorInput;
      readonly feedback: ReadonlyArray<{ readonly example: VectorInput; readonly score: number }>;
      readonly a: number;
      readonly b: number;
      readonly c: number;
    }
  | { readonly kind: 'order_by'; readonly orderBy: OrderBySpec }
  | { readonly kind: 'rrf'; readonly k: number; readonly weights: readonly number[] | undefined }
  | { readonly kind: 'dbsf' }
  | { readonly kind: 'formula'; readonly formula: ParsedFormula }
  | { readonly kind: 'sample' };

/** Kinds of query that score points by vector (Qdrant `ScoringQuery::Vector` and MMR). */
export type VectorQuerySpec = Extract<QuerySpec, { kind: 'nearest' | 'recommend' | 'discover' | 'context' | 'feedback' }>;

/** Qdrant `LookupLocation`. */
export interface LookupLocation {
  readonly collection: string;
  readonly vector: string | undefined;
  readonly shardKeys: readonly ShardKey[] | undefined;
}

/** Qdrant `SearchParams` as `nearest()` takes them. */
export interface SearchParamsSpec {
  readonly hnswEf: number | undefined;
  readonly exact: boolean | undefined;
  readonly indexedOnly: boolean | undefined;
  /** `quantization.oversampling` (checked against strict mode's `search_max_oversampling`). */
  readonly oversampling?: number | undefined;
  /**
   * Qdrant 1.19 `IdfParams`: the population sparse IDF statistics are computed over. Undefined (or `"global"`)
   * = the whole collection; a filter = only the points matching it (the IDF corpus, independent of the stage's
   * retrieval filter). Only sparse vectors with the `idf` modifier use it.
   */
  readonly idfCorpus?: Filter | undefined;
}

/** A QueryRequest or a Prefetch: sources (`prefetch`) and how to score them (`query`). */
export interface StageSpec {
  readonly prefetch: readonly StageSpec[];
  readonly query: QuerySpec | undefined;
  readonly using: string;
  readonly filter: Filter | undefined;
  readonly params: SearchParamsSpec;
  readonly threshold: number | undefined;
  readonly limit: number;
  readonly lookupFrom: LookupLocation | undefined;
}

/** The root of a request: a stage plus what only the top level has. */
export interface RootSpec extends StageSpec {
  readonly offset: number;
  readonly shardKeys: readonly ShardKey[] | undefined;
}

/**
 * The engine's query request (Qdrant `QueryRequest`, and what the legacy search / recommend / discover
 * requests translate to): a prefetch tree, its scoring, filters, params, and what to return.
 */
export interface QueryRequest extends RootSpec {
  readonly withPayload: PayloadSelector;
  readonly withVector: VectorSelector;
}

/** Grouping of a query's results by a payload field (Qdrant `QueryGroupsRequest` and legacy groups). */
export interface GroupsRequest {
  readonly query: QueryRequest;
  readonly groupBy: string;
  readonly groupSize: number;
  /** Number of groups. */
  readonly limit: number;
  /** Attach the point with the group's id from another collection. */
  readonly withLookup: WithLookup | undefined;
}

/** Qdrant `WithLookup`. */
export interface WithLookup {
  readonly collection: string;
  readonly withPayload: PayloadSelector;
  readonly withVector: VectorSelector;
}

/** Qdrant `SearchMatrixRequest`. `seed` identifies the request: same seed, same data → same sample. */
export interface MatrixRequest {
  readonly sample: number;
  readonly limit: number;
  readonly filter: Filter | undefined;
  readonly using: string;
  readonly shardKeys: readonly ShardKey[] | undefined;
  readonly seed: string;
}

/**
 * A scored point between stages. `fromScroll` marks points that came out of a scroll (no query,
 * `order_by`, `sample`): Qdrant reports those with score 1.0 and version 0.
 */
export interface ScoredEntry {
  readonly offset: number;
  readonly score: number;
  readonly orderValue?: number | bigint;
  readonly fromScroll?: boolean;
}

/** Which end of the scores is best, for the lists a stage returns. */
export type ScoreOrder = 'larger' | 'smaller';

/** What execution needs besides the request: the collection, other collections, shard keys. */
export interface ExecContext {
  readonly c: Collection;
  /** A collection named in `lookup_from` / `with_lookup` (access already checked by the caller). */
  readonly resolve: (name: string) => Collection;
  readonly shardKeys: readonly ShardKey[] | undefined;
  /** Vectors of referenced points held by other nodes (distributed mode, see {@link BorrowedPoints}). */
  readonly borrowed?: BorrowedPoints | undefined;
}

/**
 * Distributed mode: the vectors of points a request references by id (examples of a recommendation, a query by
 * id) as the nodes holding them returned them, for a node that does not hold them (or, answering for some shards
 * only, does not see them): by id, each vector name's stored value. Only ids looked up in the searched
 * collection itself use them.
 */
export type BorrowedPoints = ReadonlyMap<PointId, ReadonlyMap<string, VectorValue>>;
