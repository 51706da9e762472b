/**
 * The bytes of a shard's log message and of a shard snapshot: one batch of point operations in the engine's
 * versioned operation codec (`{"v":1,"op":{"type":"batch",…}}`).
 */
import { AppError } from '../errors.js';
import type { PointBatch, PointOperation } from '../collection/operation.js';
import type { Filter } from '../index/filter/types.js';
import { decodeOperation, encodeOperation } from '../collection/operation-codec.js';

/** `tenant`: a tenant token's filter, which confines the write on every replica (`Collection.applyReplicated`). */
export function encodeShardMessage(ops: readonly PointOperation[], tenant?: Filter): Uint8Array {
  return new TextEncoder().encode(encodeOperation({ type: 'batch', operations: ops, tenant }));
}

/** A replicated message: one shard's part of a write, a batch of point operations. */
export function decodeShardMessage(data: Uint8Array): PointBatch {
  const op = decodeOperation(new TextDecoder().decode(data));
  if (op.type !== 'batch') throw new AppError('SERVICE_ERROR', [`a shard log holds a ${op.type} operation; only point operations are replicated`]);
  return op;
}
