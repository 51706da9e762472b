/**
 * `with_lookup` of groups requests: each group id is read as a point id in another collection and
 * that point is attached as the group's `lookup` record (Qdrant lib/collection/src/lookup).
 * `with_lookup` is a collection name, or `{collection, with_payload (default true), with_vectors
 * (default false)}`. A group id that is not a valid point id, or names no point, gets no lookup.
 */
import { parsePointId, type PointId } from '../../storage/point-id.js';
import type { Collection } from '../collection.js';
import { toRecord } from '../read.js';
import type { PointRecord } from '../types.js';
import type { GroupId } from './groups.js';
import type { WithLookup } from './types.js';

function asPointId(id: GroupId): PointId | undefined {
  try {
    return parsePointId(id);
  } catch {
    return undefined;
  }
}

/** The lookup records of `ids` in `target`, by group id (missing ones absent). */
export function lookupRecords(target: Collection, spec: WithLookup, ids: readonly GroupId[]): Map<GroupId, PointRecord> {
  const out = new Map<GroupId, PointRecord>();
  for (const id of ids) {
    const pointId = asPointId(id);
    const offset = pointId === undefined ? undefined : target.segment.offsetOf(pointId);
    const view = offset === undefined ? undefined : target.segment.view(offset);
    if (view !== undefined) out.set(id, toRecord(target, view, spec));
  }
  return out;
}
