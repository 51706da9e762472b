/**
 * `grpc-timeout` (gRPC over HTTP/2: up to 8 digits and a unit, H M S m u n) → milliseconds. Read as grpc-js read
 * it: a value it could not read ended the call with INTERNAL, and sub-millisecond remainders are dropped.
 */
import { GrpcStatus } from '../../../errors.js';
import { WireError } from './reply-status.js';

const TIMEOUT = /^(\d{1,8})\s*([HMSmun])$/;
const UNIT_MS: Readonly<Record<string, number>> = { H: 3_600_000, M: 60_000, S: 1000, m: 1, u: 0.001, n: 0.000001 };

/** @throws WireError INTERNAL when `value` is not a gRPC timeout */
export function timeoutMs(value: string): number {
  const m = TIMEOUT.exec(value.trim());
  if (m === null) throw new WireError(GrpcStatus.INTERNAL, `Invalid grpc-timeout value "${value}"`);
  return Math.floor(Number(m[1]) * UNIT_MS[m[2]!]!);
}
