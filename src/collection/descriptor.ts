/**
 * A collection's descriptor — configuration, payload indexes, shard keys — and the operations that change it,
 * as data. The descriptor is stored as is in the store's meta table (`collection:<name>`, the v1 format); a
 * `DescriptorOperation` is validated and applied by `applyDescriptorOperation` (pure: the current descriptor in,
 * the next one out) inside the collection's update pipeline, which persists the result before memory changes.
 */
import { AppError, badInput } from '../errors.js';
import { applyConfigOperation } from './config-change.js';
import { isCustomSharding, type CollectionConfig } from './config.js';
import type { DescriptorOperation } from './operation.js';
import type { ShardKey } from './types.js';

/** The persistent descriptor of a collection, kept in the store's meta table. */
export interface CollectionDescriptor {
  readonly uuid: string;
  readonly config: CollectionConfig;
  /** `schema` is Qdrant's `PayloadFieldSchema` (a type name or a params object), kept as given. */
  readonly payloadIndexes: ReadonlyArray<{ field: string; schema: unknown }>;
  readonly shardKeys: readonly ShardKey[];
  /**
   * The shard ids each shard key owns, aligned with `shardKeys` (storage format 2). Absent in descriptors written
   * before (format 1), whose keys own the ids they were shown with then (see {@link shardIdsOfKeys}).
   */
  readonly shardIds?: ReadonlyArray<readonly number[]>;
  readonly createdAt: string;
}

/** The shard number a configuration asks for (`params.shard_number`, 1 when absent). */
export function shardNumberOf(config: CollectionConfig): number {
  const n = config.params.shard_number;
  return typeof n === 'number' && Number.isSafeInteger(n) && n >= 1 ? n : 1;
}

/**
 * The shard ids of each shard key, aligned with `d.shardKeys`. A descriptor of storage format 1 has none stored:
 * its keys keep the ids format 1 gave them (key i of N shards each: `i*N .. i*N+N-1`), so an upgrade changes no id.
 */
export function shardIdsOfKeys(d: Pick<CollectionDescriptor, 'config' | 'shardKeys' | 'shardIds'>): ReadonlyArray<readonly number[]> {
  if (d.shardIds !== undefined && d.shardIds.length === d.shardKeys.length) return d.shardIds;
  const n = shardNumberOf(d.config);
  return d.shardKeys.map((_, k) => Array.from({ length: n }, (_, i) => k * n + i));
}

/**
 * A new shard key's shards, numbered as Qdrant numbers them (`Collection::create_shard_key`): after the largest
 * shard id any key owns (0 when there is none, so the first key's shards start at 1), `shardsNumber` of them.
 * Ids of deleted keys are not renumbered; the largest ones may be given again once their key is gone.
 */
export function nextShardIds(existing: ReadonlyArray<readonly number[]>, shardsNumber: number): number[] {
  let max = 0;
  for (const ids of existing) for (const id of ids) if (id > max) max = id;
  return Array.from({ length: shardsNumber }, (_, i) => max + 1 + i);
}

/**
 * The descriptor `op` makes of `d` (a new value; `d` is not changed). Payload index schemas are checked by the
 * collection (against its field indexes) before this runs.
 * @throws AppError when the change cannot apply (unknown vector name, existing shard key …); nothing changes then.
 */
export function applyDescriptorOperation(d: CollectionDescriptor, op: DescriptorOperation): CollectionDescriptor {
  switch (op.type) {
    case 'create_field_index':
      return { ...d, payloadIndexes: [...d.payloadIndexes.filter((p) => p.field !== op.field), { field: op.field, schema: op.schema }] };
    case 'delete_field_index':
      return { ...d, payloadIndexes: d.payloadIndexes.filter((p) => p.field !== op.field) };
    case 'create_shard_key':
      if (!isCustomSharding(d.config)) throw badInput('Wrong input: Shard key can only be created for collections with custom sharding (sharding_method: custom)');
      if (d.shardKeys.includes(op.key)) throw new AppError('SHARD_KEY_EXISTS', [String(op.key)]);
      {
        const ids = shardIdsOfKeys(d);
        return { ...d, shardKeys: [...d.shardKeys, op.key], shardIds: [...ids, nextShardIds(ids, op.shardsNumber ?? shardNumberOf(d.config))] };
      }
    case 'delete_shard_key': {
      const at = d.shardKeys.indexOf(op.key);
      if (at < 0) throw new AppError('SHARD_KEY_NOT_FOUND', [String(op.key)]);
      // The other keys keep their shard ids (stored from now on, also for a format-1 descriptor).
      const ids = shardIdsOfKeys(d);
      return { ...d, shardKeys: d.shardKeys.filter((_, i) => i !== at), shardIds: ids.filter((_, i) => i !== at) };
    }
    default:
      return { ...d, config: applyConfigOperation(d.config, op) };
  }
}
