/** Stored vectors → Qdrant's `VectorOutput` / `VectorStructOutput` wire forms. */
import { DEFAULT_VECTOR, type NamedVectors, type VectorValue } from '../../../collection/vectors.js';
import type { Wire } from '../parse/wire.js';
import { shortestFloat32Array } from './shortest-float32.js';

/** The wire form of one stored vector (VectorOutput); components print as Qdrant's f32 (shortest-float32.ts). */
export function vectorToWire(v: VectorValue): number[] | number[][] | { indices: number[]; values: number[] } {
  switch (v.kind) {
    case 'dense':
      return shortestFloat32Array(v.data);
    case 'multi':
      return v.rows.map(shortestFloat32Array);
    case 'sparse':
      return { indices: Array.from(v.indices), values: shortestFloat32Array(v.values) };
  }
}

/**
 * The wire form of a point's selected vectors (VectorStructOutput): the bare vector when the selection
 * is exactly the unnamed default vector, else an object by name.
 */
export function vectorsToWire(vectors: NamedVectors): Wire<'VectorStructOutput'> {
  if (vectors.size === 1 && vectors.has(DEFAULT_VECTOR)) return vectorToWire(vectors.get(DEFAULT_VECTOR)!);
  const out: Record<string, ReturnType<typeof vectorToWire>> = {};
  for (const [n, v] of vectors) out[n] = vectorToWire(v);
  return out;
}
