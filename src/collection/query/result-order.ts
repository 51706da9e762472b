/**
 * The order a query's results come in, for a caller that merges the results of several parts of a collection
 * (distributed mode: shards answered by different nodes) as one collection would have ordered them.
 */
import type { Collection } from '../collection.js';
import { nearestLargerIsBetter, spaceOf } from './similarity.js';
import type { StageSpec } from './types.js';

/**
 * `desc` / `asc`: by score (larger / smaller first); `id`: by point id (a request with no query and no prefetch);
 * `none`: no order to keep (`sample`).
 */
export type ResultOrder = 'desc' | 'asc' | 'id' | 'none';

export function resultOrder(c: Collection, stage: StageSpec): ResultOrder {
  const q = stage.query;
  if (q === undefined) return stage.prefetch.length === 0 ? 'id' : resultOrder(c, stage.prefetch[0]!);
  switch (q.kind) {
    case 'nearest':
      return nearestLargerIsBetter(spaceOf(c, stage.using)) ? 'desc' : 'asc';
    case 'recommend':
      return q.strategy !== 'average_vector' || nearestLargerIsBetter(spaceOf(c, stage.using)) ? 'desc' : 'asc';
    case 'order_by':
      return q.orderBy.direction;
    case 'sample':
      return 'none';
    default:
      return 'desc';
  }
}
