/**
 * `with_lookup` of groups requests: each group id is read as a point id in another collection and
 * that point is attached as the group's `lookup` record (Qdrant lib/collection/src/lookup).
 * `with_lookup` is a collection name, or `{collection, with_payload (default true), with_vectors
 * (default false)}`. A group id that is not a valid point id, or names no point, gets no lookup.
 */
import { badInput } from '../../errors.js';
import { parsePointId, type PointId } from '../../storage/point-id.js';
import { isCustomSharding } from '../config.js';
import type { Collection } from '../collection.js';
import { parsePayloadSelector, parseVectorSelector, toRecord, type RecordOptions } from '../read.js';
import type { GroupId } from './groups.js';
import { isObject } from '../../json.js';

export interface WithLookupSpec {
  readonly collection: string;
  readonly withPayload: unknown;
  readonly withVectors: unknown;
}

/** Parses `with_lookup`; undefined when absent. */
export function parseWithLookup(v: unknown): WithLookupSpec | undefined {
  if (v === undefined || v === null) return undefined;
  if (typeof v === 'string') return { collection: v, withPayload: undefined, withVectors: undefined };
  if (!isObject(v) || typeof v['collection'] !== 'string') throw badInput('with_lookup.collection: missing field `collection`');
  return { collection: v['collection'], withPayload: v['with_payload'], withVectors: v['with_vectors'] ?? v['with_vector'] };
}

function asPointId(id: GroupId): PointId | undefined {
  try {
    return parsePointId(id);
  } catch {
    return undefined;
  }
}

/** The lookup records of `ids` in `target`, by group id (missing ones absent). */
export function lookupRecords(target: Collection, spec: WithLookupSpec, ids: readonly GroupId[]): Map<GroupId, Record<string, unknown>> {
  const options: RecordOptions = {
    withPayload: parsePayloadSelector(spec.withPayload, true),
    withVector: parseVectorSelector(spec.withVectors, false),
    showShardKey: isCustomSharding(target.config),
  };
  const out = new Map<GroupId, Record<string, unknown>>();
  for (const id of ids) {
    const pointId = asPointId(id);
    const offset = pointId === undefined ? undefined : target.offsetOf(pointId);
    const view = offset === undefined ? undefined : target.view(offset);
    if (view !== undefined) out.set(id, toRecord(view, options));
  }
  return out;
}
