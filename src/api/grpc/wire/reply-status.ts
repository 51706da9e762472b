/**
 * The status a call ends with (`grpc-status`, `grpc-message` and any trailing metadata), and the error the wire
 * layer throws for a status of its own (an oversized or undecodable message, a bad `grpc-timeout`, …), with the
 * texts grpc-js used for the same cases.
 */
import type { GrpcStatus } from '../../../errors.js';

export interface ReplyStatus {
  readonly code: GrpcStatus;
  /** The status message, sent percent-encoded in `grpc-message`. */
  readonly details: string;
  /** Trailing metadata (e.g. `retry-after`): names in lower case, text values. */
  readonly trailers?: Readonly<Record<string, string>>;
}

export class WireError extends Error implements ReplyStatus {
  readonly code: GrpcStatus;
  readonly details: string;

  constructor(code: GrpcStatus, details: string) {
    super(details);
    this.code = code;
    this.details = details;
  }
}
