/**
 * Short-lived dense rows (a request's vectors, points decoded at load) carved out of shared slabs of 64 KiB instead
 * of one allocation each. An upsert of 1000 × 128 made 1000 separate 512-byte backing stores, and loading 100k
 * points made 100k, each freed again once the row was copied into the collection's vector store; that churn left
 * the allocator's arenas high (tens of MiB of RSS). A slab is freed with its last row.
 *
 * Only for rows the segment copies and drops (single dense vectors): a row kept for long keeps its whole slab.
 */
const SLAB_FLOATS = 16 * 1024;
let slab = new Float32Array(SLAB_FLOATS);
let used = 0;

/** A zeroed row of `length` floats, a view of the current slab (its own array when long). */
export function slabRow(length: number): Float32Array {
  if (length > SLAB_FLOATS / 8) return new Float32Array(length);
  if (used + length > SLAB_FLOATS) {
    slab = new Float32Array(SLAB_FLOATS);
    used = 0;
  }
  const row = slab.subarray(used, used + length);
  used += length;
  return row;
}
