/**
 * Membership of a point id in a `slice` (Qdrant 1.19 `Slice`): `siphash24(zero key, id bytes) % total ==
 * index`, where the id bytes are 8 little-endian bytes for an integer id and the 16 RFC 4122 bytes of a UUID.
 */
import type { PointId } from '../../storage/point-id.js';
import { sipHash24Mod } from './siphash.js';

const bytes = new Uint8Array(16);
const view = new DataView(bytes.buffer);
const integerBytes = bytes.subarray(0, 8);

/** The canonical bytes of an id, in a buffer reused by the next call. */
export function pointIdBytes(id: PointId): Uint8Array {
  if (typeof id === 'number') {
    view.setBigUint64(0, BigInt(id), true);
    return integerBytes;
  }
  const hex = id.replace(/-/g, '');
  for (let i = 0; i < 16; i++) bytes[i] = parseInt(hex.slice(i * 2, i * 2 + 2), 16);
  return bytes;
}

/** Which of `total` slices `id` falls into. */
export function sliceOf(id: PointId, total: number): number {
  return sipHash24Mod(pointIdBytes(id), total);
}
