import type { PointId } from '../storage/point-id.js';
import type { NamedVectors } from './vectors.js';

export type Payload = Record<string, unknown>;
export type ShardKey = string | number;

/** A point as read back: what `Record` / `ScoredPoint` are built from. */
export interface PointView {
  readonly id: PointId;
  readonly offset: number;
  readonly payload: Payload | null;
  readonly vectors: NamedVectors;
  readonly version: number;
  readonly shardKey: ShardKey | undefined;
}

export type UpdateStatus = 'acknowledged' | 'completed';

export interface UpdateResult {
  readonly operation_id: number;
  readonly status: UpdateStatus;
}
