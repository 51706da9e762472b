/**
 * The gRPC adapter's side of `to-grpc-status.ts`: a thrown value → the `StatusObject` grpc-js sends. The mapping
 * itself is the registry's (one mapping for both transports); an error that is not an `AppError` is INTERNAL with
 * a fixed text and its detail goes to the log only.
 */
import { Metadata, type StatusObject } from '@grpc/grpc-js';
import { toGrpcStatus as registryStatus } from './to-grpc-status.js';

/** A thrown value → the status sent to the client. `log` hears about unexpected errors. */
export function toGrpcStatus(e: unknown, log: (message: string, err: unknown) => void): Partial<StatusObject> {
  const s = registryStatus(e);
  if (s.unexpected) log('gRPC handler failed', e);
  return { code: s.code, details: s.details, metadata: new Metadata() };
}
