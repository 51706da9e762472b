/**
 * The gRPC counterpart of `api/rest/to-http-error.ts`: the one place an error becomes a gRPC status, read from
 * the registry (`KIND_STATUS` in `src/errors.ts`), as Qdrant's `StorageError` → `tonic::Status` does. The gRPC
 * adapter answers with `{code, details}`; anything that is not an `AppError` is INTERNAL with a fixed text.
 */
import { isAppError, KIND_STATUS, unexpectedError, type AppError, type GrpcStatus } from '../../errors.js';

export interface GrpcError {
  readonly code: GrpcStatus;
  /** The status message (`grpc-message`): the error's text, as over REST. */
  readonly details: string;
  readonly error: AppError;
  /** True when the error was not an `AppError`: a bug, to be logged. */
  readonly unexpected: boolean;
}

export function toGrpcStatus(error: unknown): GrpcError {
  const known = isAppError(error);
  const e = known ? error : unexpectedError(error);
  return { code: KIND_STATUS[e.kind].grpc, details: e.message, error: e, unexpected: !known };
}
