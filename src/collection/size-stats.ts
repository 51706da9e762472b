/**
 * A collection's estimated storage sizes, as Qdrant's strict mode reads them
 * (`Collection::estimated_collection_stats`): vector storage in bytes (dense rows of
 * `size × element bytes` — 4 for float32, 2 for float16, 1 for uint8 — multivector rows likewise,
 * sparse entries 8 bytes: a u32 index and an f32 value) and payload storage in bytes (each point's
 * payload as compact JSON). Computed by one pass over the points and cached until the collection
 * changes (its last operation id moves), so it costs nothing unless a size limit is configured.
 */
import type { Collection } from './collection.js';
import { stringifyJson } from '../exact-json.js';

export interface SizeStats {
  readonly vectorBytes: number;
  readonly payloadBytes: number;
}

// turbo4 vectors are kept as float32 (see datatype.ts).
const ELEMENT_BYTES = { float32: 4, float16: 2, uint8: 1, turbo4: 4 } as const;
const SPARSE_ENTRY_BYTES = 8;

const cache = new WeakMap<Collection, { readonly opId: number; readonly stats: SizeStats }>();

function compute(c: Collection): SizeStats {
  let vectorBytes = 0;
  for (const [name, spec] of c.schema.dense) {
    const rowBytes = spec.size * ELEMENT_BYTES[spec.datatype];
    if (!spec.multivector) {
      vectorBytes += (c.segment.denseStore(name)?.count ?? 0) * rowBytes;
      continue;
    }
    for (const v of c.segment.otherVectors(name)?.values() ?? []) if (v.kind === 'multi') vectorBytes += v.rows.length * rowBytes;
  }
  for (const name of c.schema.sparse.keys()) {
    for (const v of c.segment.otherVectors(name)?.values() ?? []) if (v.kind === 'sparse') vectorBytes += v.indices.length * SPARSE_ENTRY_BYTES;
  }
  let payloadBytes = 0;
  for (const offset of c.segment.scan({})) {
    const payload = c.segment.payloadAt(offset);
    if (payload !== null) payloadBytes += Buffer.byteLength(stringifyJson(payload));
  }
  return { vectorBytes, payloadBytes };
}

/** The collection's storage sizes (cached per collection state). */
export function sizeStats(c: Collection): SizeStats {
  const hit = cache.get(c);
  if (hit !== undefined && hit.opId === c.lastOperationId) return hit.stats;
  const stats = compute(c);
  cache.set(c, { opId: c.lastOperationId, stats });
  return stats;
}
