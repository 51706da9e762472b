import type { PointId } from '../storage/point-id.js';
import type { NamedVectors } from './vectors.js';

export type Payload = Record<string, unknown>;
export type ShardKey = string | number;

/** A point as read back: what `PointRecord` / `ScoredPoint` are built from. */
export interface PointView {
  readonly id: PointId;
  readonly offset: number;
  readonly payload: Payload | null;
  readonly vectors: NamedVectors;
  readonly version: number;
  readonly shardKey: ShardKey | undefined;
}

/**
 * A point as a read returns it (Qdrant `Record`): payload and vectors already cut to what the request
 * selected (`null` when not requested), `shardKey` only for custom-sharded collections.
 */
export interface PointRecord {
  readonly id: PointId;
  readonly payload: Payload | null;
  readonly vectors: NamedVectors | null;
  readonly shardKey?: ShardKey;
  /** Present when the read was ordered by a payload field (`order_by`). */
  readonly orderValue?: number | bigint;
}

/** A point as a search returns it (Qdrant `ScoredPoint`). */
export interface ScoredPoint extends PointRecord {
  readonly version: number;
  readonly score: number;
}


/** Qdrant `with_payload`: everything, nothing, or only / all but some key paths. */
export type PayloadSelector =
  | { readonly kind: 'all' }
  | { readonly kind: 'none' }
  | { readonly kind: 'include'; readonly paths: readonly string[] }
  | { readonly kind: 'exclude'; readonly paths: readonly string[] };
/** Qdrant `with_vector`: every vector, none, or some names. */
export type VectorSelector = { readonly kind: 'all' } | { readonly kind: 'none' } | { readonly kind: 'names'; readonly names: readonly string[] };

/** What a read returns of each point (Qdrant `with_payload`, `with_vector`). */
export interface ReadOptions {
  readonly withPayload: PayloadSelector;
  readonly withVector: VectorSelector;
}

export type UpdateStatus = 'acknowledged' | 'completed' | 'wait_timeout';

/** What a write answers: the operation id it was given, and whether it is applied or only durable. */
export interface UpdateResult {
  readonly operationId: number;
  readonly status: UpdateStatus;
}
