/** A collection's state → Qdrant `CollectionInfo`. */
import type { Collection } from '../../../collection/collection.js';

export function collectionInfoToWire(c: Collection): Record<string, unknown> {
  return {
    status: c.optimizing ? 'yellow' : 'green',
    optimizer_status: 'ok',
    warnings: [],
    indexed_vectors_count: c.indexedVectorsCount,
    points_count: c.pointsCount,
    segments_count: 1,
    config: c.config,
    payload_schema: c.fieldIndexes.schemaInfo(),
    update_queue: { length: 0 },
  };
}
