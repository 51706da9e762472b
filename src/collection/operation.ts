/**
 * Writes as data. Every change to a collection's points is one `PointOperation` value: the REST and
 * gRPC adapters parse into it, the update pipeline stages, persists and applies it, and
 * `operation-codec.ts` serialises it (for a replication log or a crash test's model). Values are plain
 * data (no closures, no class instances besides typed arrays and sets), so they can cross a worker
 * boundary with `structuredClone` / `postMessage`.
 *
 * To add an operation: add a variant here, stage it in `Collection.stage` (bad input throws there,
 * before anything is written), give it a tag in `operation-codec.ts`, and parse it at the edge
 * (`src/api/rest/parse/point-operations.ts`). Configuration changes are `ConfigOperation`s
 * (`config-change.ts`), applied to the descriptor by `descriptor.ts`.
 */
import type { Filter } from '../index/filter/types.js';
import type { ConfigOperation } from './config-change.js';
import type { PointId } from '../storage/point-id.js';
import type { Payload, ShardKey } from './types.js';
import type { NamedVectors } from './vectors.js';

/** Which points an operation acts on: listed ids, or every point matching a filter. */
export type PointSelector =
  | { readonly kind: 'ids'; readonly ids: readonly PointId[] }
  | { readonly kind: 'filter'; readonly filter: Filter };

/** Qdrant `UpdateMode`: what an upsert does with existing / missing points. */
export type UpdateMode = 'upsert' | 'insert_only' | 'update_only';

/** One point of an upsert: vectors already checked against the collection's vector schema. */
export interface PointInput {
  readonly id: PointId;
  readonly vectors: NamedVectors;
  readonly payload: Payload | null;
}

export type PointOperation =
  | { readonly type: 'upsert'; readonly points: readonly PointInput[]; readonly updateFilter?: Filter; readonly mode: UpdateMode; readonly shardKey?: ShardKey }
  | { readonly type: 'delete'; readonly selector: PointSelector }
  | { readonly type: 'update_vectors'; readonly points: ReadonlyArray<{ readonly id: PointId; readonly vectors: NamedVectors }>; readonly updateFilter?: Filter }
  | { readonly type: 'delete_vectors'; readonly selector: PointSelector; readonly names: readonly string[] }
  | { readonly type: 'set_payload'; readonly selector: PointSelector; readonly payload: Payload; readonly key?: string }
  | { readonly type: 'overwrite_payload'; readonly selector: PointSelector; readonly payload: Payload }
  | { readonly type: 'delete_payload'; readonly selector: PointSelector; readonly keys: readonly string[] }
  | { readonly type: 'clear_payload'; readonly selector: PointSelector };

/**
 * Payload-index changes. `schema` is Qdrant's `PayloadFieldSchema` (a type name or a params object),
 * kept as JSON because it is stored in the collection descriptor as given.
 */
export type FieldIndexOperation =
  | { readonly type: 'create_field_index'; readonly field: string; readonly schema: unknown }
  | { readonly type: 'delete_field_index'; readonly field: string };

/** Shard-key changes (custom sharding). */
/** `shardsNumber`: the shards the new key owns (`create_shard_key`'s `shards_number`; default the collection's `shard_number`). */
export type ShardKeyOperation =
  | { readonly type: 'create_shard_key'; readonly key: ShardKey; readonly shardsNumber?: number | undefined }
  | { readonly type: 'delete_shard_key'; readonly key: ShardKey };

/** Every change of a collection's descriptor (`descriptor.ts`): configuration, payload indexes, shard keys. */
export type DescriptorOperation = ConfigOperation | FieldIndexOperation | ShardKeyOperation;

/**
 * Every write a collection accepts: point operations (alone or as an atomic batch) and descriptor changes
 * (configuration, field indexes, shard keys).
 */
export type CollectionOperation = PointOperation | DescriptorOperation | PointBatch;

/**
 * Point operations applied atomically. `tenant`: the tenant filter of the token that wrote them (row-level security);
 * a replica applies the batch confined to it — in the state at its log position, the same on every replica —, so a
 * tenant's write can neither touch nor take over a point outside the tenant however it is ordered among other writes.
 */
export interface PointBatch {
  readonly type: 'batch';
  readonly operations: readonly PointOperation[];
  readonly tenant?: Filter | undefined;
}

/** Shard keys named by write operations, to check they exist. */
export function shardKeysOf(ops: readonly PointOperation[]): ShardKey[] {
  const out: ShardKey[] = [];
  for (const op of ops) if (op.type === 'upsert' && op.shardKey !== undefined) out.push(op.shardKey);
  return out;
}

/** Upserts of `points` (mode `upsert`), one per shard key, in the order the keys first appear. */
export function upsertsByShardKey(points: Iterable<PointInput & { readonly shardKey: ShardKey | undefined }>): PointOperation[] {
  const byKey = new Map<ShardKey | undefined, PointInput[]>();
  for (const { shardKey, ...p } of points) {
    const list = byKey.get(shardKey);
    if (list === undefined) byKey.set(shardKey, [p]);
    else list.push(p);
  }
  return [...byKey].map(([shardKey, list]): PointOperation => ({ type: 'upsert', points: list, mode: 'upsert', ...(shardKey === undefined ? {} : { shardKey }) }));
}
