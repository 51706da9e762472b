/**
 * The one place an error becomes a gRPC status (Qdrant's `impl From<StorageError> for tonic::Status` and its auth
 * layer: a missing or unusable credential is UNAUTHENTICATED, a refused one PERMISSION_DENIED). Exhaustive over
 * the registry's kinds: a new kind fails to compile here. Unknown throwables are INTERNAL with a generic message;
 * the detail goes to the log only.
 */
import { status as Code, type StatusObject, Metadata } from '@grpc/grpc-js';
import { isAppError, type ErrorKind } from '../../errors.js';
import { isAuthFailure } from '../../auth/auth-failure.js';

export { Code };

/** gRPC code of an error kind. */
function codeOf(kind: ErrorKind): Code {
  switch (kind) {
    case 'bad_input':
      return Code.INVALID_ARGUMENT;
    case 'unauthorized':
      return Code.UNAUTHENTICATED;
    case 'forbidden':
      return Code.PERMISSION_DENIED;
    case 'not_found':
      return Code.NOT_FOUND;
    case 'already_exists':
      return Code.ALREADY_EXISTS;
    case 'timeout':
      return Code.DEADLINE_EXCEEDED;
    case 'precondition_failed':
      return Code.FAILED_PRECONDITION;
    case 'payload_too_large':
    case 'rate_limited':
    case 'insufficient_storage':
      return Code.RESOURCE_EXHAUSTED;
    case 'unavailable':
      return Code.UNAVAILABLE;
    case 'service_error':
      return Code.INTERNAL;
    default: {
      const never: never = kind;
      return never;
    }
  }
}

/** A status decided at the edge, before an error reached the registry (allow-list, unknown RPC). */
export class GrpcRejection extends Error {
  constructor(
    readonly code: Code,
    message: string,
  ) {
    super(message);
    this.name = 'GrpcRejection';
  }
}

/** A thrown value → the status sent to the client. `log` hears about unexpected errors. */
export function toGrpcStatus(e: unknown, log: (message: string, err: unknown) => void): Partial<StatusObject> {
  const metadata = new Metadata();
  if (e instanceof GrpcRejection) return { code: e.code, details: e.message, metadata };
  if (isAuthFailure(e)) return { code: e.status === 401 ? Code.UNAUTHENTICATED : Code.PERMISSION_DENIED, details: e.message, metadata };
  if (isAppError(e)) return { code: codeOf(e.kind), details: e.message, metadata };
  log('gRPC handler failed', e);
  return { code: Code.INTERNAL, details: 'Service internal error: unexpected error (see the server log)', metadata };
}
