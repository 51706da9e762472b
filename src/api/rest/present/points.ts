/**
 * Engine results → Qdrant's wire shapes for points: `Record`, `ScoredPoint`, scroll pages, groups,
 * the distance matrix and `UpdateResult`. Field order follows Qdrant's responses.
 */
import type { PointRecord, ScoredPoint, UpdateResult } from '../../../collection/types.js';
import type { ScrollResult } from '../../../collection/read.js';
import type { PointGroup } from '../../../collection/query/run.js';
import type { Matrix } from '../../../collection/query/matrix.js';
import type { Wire } from '../parse/wire.js';
import { vectorsToWire } from './vectors.js';
import { shortestFloat32 } from './shortest-float32.js';

type Mutable<T> = { -readonly [K in keyof T]: T[K] };

/** Qdrant `Record`. */
export function recordToWire(r: PointRecord): Wire<'Record'> {
  const out: Mutable<Wire<'Record'>> = { id: r.id, payload: r.payload, vector: r.vectors === null ? null : vectorsToWire(r.vectors) };
  if (r.shardKey !== undefined) out.shard_key = r.shardKey;
  // An exact integer (bigint) is printed as its digits by the reply serializer.
  if (r.orderValue !== undefined) out.order_value = r.orderValue as number;
  return out;
}

/** Qdrant `ScoredPoint`. */
export function scoredPointToWire(p: ScoredPoint): Wire<'ScoredPoint'> {
  const out: Mutable<Wire<'ScoredPoint'>> = {
    id: p.id,
    version: p.version,
    score: shortestFloat32(p.score),
    payload: p.payload,
    vector: p.vectors === null ? null : vectorsToWire(p.vectors),
  };
  if (p.shardKey !== undefined) out.shard_key = p.shardKey;
  if (p.orderValue !== undefined) out.order_value = p.orderValue as number;
  return out;
}

export function scoredPointsToWire(points: readonly ScoredPoint[]): Array<Wire<'ScoredPoint'>> {
  return points.map(scoredPointToWire);
}

/** Qdrant `ScrollResult`. */
export function scrollToWire(r: ScrollResult): Wire<'ScrollResult'> {
  return { points: r.points.map(recordToWire), next_page_offset: r.nextPageOffset };
}

/** Qdrant `GroupsResult`. */
export function groupsToWire(groups: readonly PointGroup[]): Wire<'GroupsResult'> {
  return {
    groups: groups.map((g) => {
      const out: Mutable<Wire<'PointGroup'>> = { id: g.id as string | number, hits: scoredPointsToWire(g.hits) };
      if (g.lookup !== undefined) out.lookup = recordToWire(g.lookup);
      return out;
    }),
  };
}

/** `SearchMatrixPairsResponse`. */
export function matrixPairsToWire(m: Matrix): Wire<'SearchMatrixPairsResponse'> {
  return { pairs: m.rows.flatMap((row, i) => row.map((cell) => ({ a: m.ids[i]!, b: m.ids[cell.col]!, score: shortestFloat32(cell.score) }))) };
}

/** `SearchMatrixOffsetsResponse`. */
export function matrixOffsetsToWire(m: Matrix): Wire<'SearchMatrixOffsetsResponse'> {
  return {
    offsets_row: m.rows.flatMap((row, i) => row.map(() => i)),
    offsets_col: m.rows.flatMap((row) => row.map((cell) => cell.col)),
    scores: m.rows.flatMap((row) => row.map((cell) => shortestFloat32(cell.score))),
    ids: m.ids,
  };
}

/** Qdrant `UpdateResult`. */
export function updateResultToWire(r: UpdateResult | { readonly operationId: number | null; readonly status: 'wait_timeout' }): Wire<'UpdateResult'> {
  return { operation_id: r.operationId, status: r.status };
}
