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
  readonly createdAt: string;
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
      return { ...d, shardKeys: [...d.shardKeys, op.key] };
    case 'delete_shard_key':
      if (!d.shardKeys.includes(op.key)) throw new AppError('SHARD_KEY_NOT_FOUND', [String(op.key)]);
      return { ...d, shardKeys: d.shardKeys.filter((k) => k !== op.key) };
    default:
      return { ...d, config: applyConfigOperation(d.config, op) };
  }
}
