import { FLAT_MAGIC, FlatIndex } from '../flat/flat-index.js';
import { imageMagic } from '../flat/format.js';
import type { IndexRuntimeOptions, VectorIndex } from '../vector-index.js';
import type { DenseVectorStore } from '../vector-store.js';
import { HnswIndex } from './hnsw-index.js';
import { HNSW_MAGIC } from './serialize.js';

/**
 * Restores any serialized {@link VectorIndex} (flat or HNSW) over `store`, dispatching on the
 * image's magic.
 * @throws Error when the image is unknown, corrupt, or does not fit `store`.
 */
export function loadVectorIndex(bytes: Uint8Array, store: DenseVectorStore, options: IndexRuntimeOptions = {}): VectorIndex {
  const magic = imageMagic(bytes);
  if (magic === FLAT_MAGIC) return FlatIndex.load(bytes, store, options);
  if (magic === HNSW_MAGIC) return HnswIndex.load(bytes, store, options);
  throw new Error('not a vector index image');
}
