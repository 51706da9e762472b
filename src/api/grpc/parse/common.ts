/**
 * Small proto → engine conversions shared by the RPCs: point ids, shard keys, payload / vector selectors,
 * points selectors, write flags, counts.
 */
import { AppError } from '../../../errors.js';
import type { PayloadSelector, VectorSelector } from '../../../collection/types.js';
import type { PointSelector, UpdateMode } from '../../../collection/operation.js';
import type { ShardKey } from '../../../collection/types.js';
import type * as M from '../generated/messages.js';
import { safeInteger } from './value.js';
import { parseFilter } from './filter.js';
import { bad, pointIds } from './point-id.js';

export { bad, pointId, pointIds } from './point-id.js';

export function shardKey(k: M.ShardKey__Output | undefined, where: string): ShardKey {
  if (k?.key === 'keyword') return k.keyword ?? '';
  if (k?.key === 'number') return safeInteger(k.number, where);
  throw bad(`${where}: shard key is required`);
}

/** A read's shard keys (undefined: all). */
export function shardKeys(s: M.ShardKeySelector__Output | undefined | null, where = 'shard_key_selector'): ShardKey[] | undefined {
  if (s === undefined || s === null) return undefined;
  return (s.shard_keys ?? []).map((k, i) => shardKey(k, `${where}.shard_keys[${i}]`));
}

/**
 * True for a `read_consistency` stronger than the default one replica: a type (`All`, `Majority`, `Quorum`) or a
 * factor above 1 (Qdrant's `ReadConsistency`).
 */
export function strongConsistency(r: M.ReadConsistency__Output | undefined | null): boolean {
  if (r === undefined || r === null) return false;
  if (r.value === 'type') return r.type !== undefined;
  return r.value === 'factor' && Number(r.factor ?? '0') > 1;
}

/** A write's single shard key. */
export function writeShardKey(s: M.ShardKeySelector__Output | undefined | null): ShardKey | undefined {
  const keys = shardKeys(s);
  if (keys === undefined || keys.length === 0) return undefined;
  if (keys.length > 1) throw bad('shard_key_selector: a write goes to exactly one shard key');
  return keys[0];
}

export function payloadSelector(s: M.WithPayloadSelector__Output | undefined | null, dflt: boolean): PayloadSelector {
  switch (s?.selector_options) {
    case 'enable':
      return s.enable === true ? { kind: 'all' } : { kind: 'none' };
    case 'include':
      return { kind: 'include', paths: [...(s.include?.fields ?? [])] };
    case 'exclude':
      return { kind: 'exclude', paths: [...(s.exclude?.fields ?? [])] };
    default:
      return dflt ? { kind: 'all' } : { kind: 'none' };
  }
}

export function vectorSelector(s: M.WithVectorsSelector__Output | undefined | null, dflt: boolean): VectorSelector {
  switch (s?.selector_options) {
    case 'enable':
      return s.enable === true ? { kind: 'all' } : { kind: 'none' };
    case 'include':
      return { kind: 'names', names: [...(s.include?.names ?? [])] };
    default:
      return dflt ? { kind: 'all' } : { kind: 'none' };
  }
}

export function pointsSelector(s: M.PointsSelector__Output | undefined | null, where: string): PointSelector {
  switch (s?.points_selector_one_of) {
    case 'points':
      return { kind: 'ids', ids: pointIds(s.points?.ids, `${where}.ids`) };
    case 'filter':
      return { kind: 'filter', filter: parseFilter(s.filter, `${where}.filter`) };
    default:
      throw bad(`${where}: either point ids or a filter is required`);
  }
}

export function updateMode(m: string | undefined): UpdateMode {
  switch (m) {
    case undefined:
    case 'Upsert':
      return 'upsert';
    case 'InsertOnly':
      return 'insert_only';
    case 'UpdateOnly':
      return 'update_only';
    default:
      throw bad(`update_mode: unknown value ${m}`);
  }
}

/** An optional uint64 (decimal string) → a number, undefined when absent (a request's `timeout`, an optional `limit`). */
export function optionalCount(v: string | number | undefined | null, where: string): number | undefined {
  return v === undefined || v === null ? undefined : safeInteger(v, where);
}

/** An optional uint64 count (decimal string) → a number, `dflt` when absent; at least `min`. */
export function count(v: string | number | undefined | null, dflt: number, min: number, where: string): number {
  if (v === undefined || v === null) return dflt;
  const n = safeInteger(v, where);
  if (n < min) throw new AppError('VALIDATION', [`${where}: value ${n} invalid, must be ${min}.0 or larger`]);
  return n;
}
