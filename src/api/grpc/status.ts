/**
 * The gRPC adapter's side of `to-grpc-status.ts`: a thrown value → the status the call ends with. The mapping
 * itself is the registry's (one mapping for both transports); an error that is not an `AppError` is INTERNAL with
 * a fixed text and its detail goes to the log only. A rate-limit refusal carries `retry-after` (seconds) in the
 * trailing metadata, as Qdrant sends it.
 */
import { toGrpcStatus as registryStatus } from './to-grpc-status.js';
import { RateLimitedError } from '../../service/rate-limits.js';
import type { ReplyStatus } from './wire/reply-status.js';

/** A thrown value → the status sent to the client. `log` hears about unexpected errors. */
export function toGrpcStatus(e: unknown, log: (message: string, err: unknown) => void): ReplyStatus {
  const s = registryStatus(e);
  if (s.unexpected) log('gRPC handler failed', e);
  // As Qdrant (qdrant#6072): a rate-limit refusal carries the seconds to wait in the `retry-after` metadata.
  if (e instanceof RateLimitedError && e.retryAfterSeconds !== undefined) return { code: s.code, details: s.details, trailers: { 'retry-after': String(e.retryAfterSeconds) } };
  return { code: s.code, details: s.details };
}
