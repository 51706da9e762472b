/**
 * The bytes of a shard's log message and of a shard snapshot: one batch of point operations in the engine's
 * versioned operation codec (`{"v":1,"op":{"type":"batch",…}}`).
 */
import { AppError } from '../errors.js';
import type { PointOperation } from '../collection/operation.js';
import { decodeOperation, encodeOperation } from '../collection/operation-codec.js';

export function encodeShardMessage(ops: readonly PointOperation[]): Uint8Array {
  return new TextEncoder().encode(encodeOperation({ type: 'batch', operations: ops }));
}

/** A replicated message: one shard's part of a write, a batch of point operations. */
export function decodeShardMessage(data: Uint8Array): PointOperation[] {
  const op = decodeOperation(new TextDecoder().decode(data));
  if (op.type !== 'batch') throw new AppError('SERVICE_ERROR', [`a shard log holds a ${op.type} operation; only point operations are replicated`]);
  return [...op.operations];
}
