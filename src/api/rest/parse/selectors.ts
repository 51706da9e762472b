/**
 * Parsers of the small shapes every read or write body shares: `with_payload` / `with_vector`,
 * `filter`, `shard_key` (read and write forms) and the points-or-filter selector of writes.
 * One parser per shape: every route and every request kind uses these.
 */
import { badInput } from '../../../errors.js';
import { parseFilter } from '../../../index/filter/parse.js';
import type { Filter } from '../../../index/filter/types.js';
import { parsePointId, type PointId } from '../../../storage/point-id.js';
import type { PointSelector } from '../../../collection/operation.js';
import type { PayloadSelector, ReadOptions, VectorSelector } from '../../../collection/types.js';
import type { ShardKey } from '../../../collection/types.js';
import { isObject } from '../../../json.js';

/** Qdrant `WithPayloadInterface`; absent or null → `dflt`. */
export function parsePayloadSelector(v: unknown, dflt: boolean): PayloadSelector {
  if (v === undefined || v === null) return dflt ? { kind: 'all' } : { kind: 'none' };
  if (v === true) return { kind: 'all' };
  if (v === false) return { kind: 'none' };
  if (Array.isArray(v) && v.every((x) => typeof x === 'string')) return { kind: 'include', paths: v };
  if (isObject(v) && Array.isArray(v['include'])) return { kind: 'include', paths: v['include'] as string[] };
  if (isObject(v) && Array.isArray(v['exclude'])) return { kind: 'exclude', paths: v['exclude'] as string[] };
  throw badInput('with_payload: expected a boolean, a list of keys, {include} or {exclude}');
}

/** Qdrant `WithVector`; absent or null → `dflt`. */
export function parseVectorSelector(v: unknown, dflt: boolean): VectorSelector {
  if (v === undefined || v === null) return dflt ? { kind: 'all' } : { kind: 'none' };
  if (v === true) return { kind: 'all' };
  if (v === false) return { kind: 'none' };
  if (Array.isArray(v) && v.every((x) => typeof x === 'string')) return { kind: 'names', names: v };
  throw badInput('with_vector: expected a boolean or a list of vector names');
}

/** `with_payload` and `with_vector` (alias `with_vectors`) of a body. */
export function parseReadOptions(body: Readonly<Record<string, unknown>>, payloadDefault: boolean, vectorDefault: boolean): ReadOptions {
  return {
    withPayload: parsePayloadSelector(body['with_payload'], payloadDefault),
    withVector: parseVectorSelector(body['with_vector'] ?? body['with_vectors'], vectorDefault),
  };
}

/** A `filter` field; absent or null → undefined. */
export function optionalFilter(v: unknown): Filter | undefined {
  return v === undefined || v === null ? undefined : parseFilter(v);
}

/** The single shard key of a write (`shard_key` on the body), if any. */
export function writeShardKey(sk: unknown): ShardKey | undefined {
  if (sk === undefined || sk === null) return undefined;
  if (typeof sk === 'string' || typeof sk === 'number') return sk;
  if (Array.isArray(sk) && sk.length === 1 && (typeof sk[0] === 'string' || typeof sk[0] === 'number')) return sk[0];
  throw badInput('shard_key: a write goes to exactly one shard key');
}

/** The shard keys a read is restricted to (`shard_key` selector), undefined for all. */
export function readShardKeys(v: unknown): ShardKey[] | undefined {
  if (v === undefined || v === null) return undefined;
  if (typeof v === 'string' || typeof v === 'number') return [v];
  if (Array.isArray(v)) return v.filter((x): x is ShardKey => typeof x === 'string' || typeof x === 'number');
  if (isObject(v) && Array.isArray(v['shards'])) return readShardKeys(v['shards']);
  throw badInput('shard_key: expected a shard key or a list of shard keys');
}

export function parseIds(v: unknown, where: string): PointId[] {
  if (!Array.isArray(v)) throw badInput(`${where}: expected a list of point ids`);
  return v.map((x) => parsePointId(x));
}

/** Qdrant `PointsSelector`: `points` (ids) or `filter`, exactly one. */
export function parseSelector(body: Readonly<Record<string, unknown>>, where = ''): PointSelector {
  const hasPoints = body['points'] !== undefined && body['points'] !== null;
  const hasFilter = body['filter'] !== undefined && body['filter'] !== null;
  if (hasPoints && hasFilter) throw badInput(`${where}either \`points\` or \`filter\` must be given, not both`);
  if (hasPoints) return { kind: 'ids', ids: parseIds(body['points'], `${where}points`) };
  if (hasFilter) return { kind: 'filter', filter: parseFilter(body['filter']) };
  throw badInput(`${where}either \`points\` or \`filter\` is required`);
}
