/**
 * Strict mode at a point request's door, for every transport: what only the request knows — its
 * `timeout` and how many searches or points it carries — checked against the collection's
 * `strict_mode_config`, and the collection's read/write rate limits charged. REST and gRPC reach a
 * collection for a point read or write only through `TableOfContent.forRead` / `forWrite`, which run
 * these. The request's content (filters, limits, params) is checked by the engine's entry points
 * (collection/strict-mode.ts called from query/run.ts and read.ts) and by `admitWrite` for writes.
 */
import type { Collection } from '../collection/collection.js';
import type { PointOperation } from '../collection/operation.js';
import { activeStrictMode, checkBatchStrict, checkTimeoutStrict, checkUpdateStrict, writeCost } from '../collection/strict-mode.js';
import { sizeStats } from '../collection/size-stats.js';
import type { RateLimits } from './rate-limits.js';

/** What a point read carries that strict mode limits: its `timeout` (seconds) and its number of searches (1, or a batch's size). */
export interface ReadRequest {
  readonly timeout?: number | undefined;
  readonly searches?: number;
}

/** What a point write carries that strict mode limits besides its operations: its `timeout` (seconds). */
export interface WriteRequest {
  readonly timeout?: number | undefined;
}

/** A read of `request.searches` searches: timeout, batch size, then the read rate (Qdrant's order). */
export function admitRead(rates: RateLimits, c: Collection, request: ReadRequest): void {
  const sm = activeStrictMode(c.config);
  if (sm === undefined) return;
  const searches = request.searches ?? 1;
  checkTimeoutStrict(sm, request.timeout);
  if (searches > 1) checkBatchStrict(sm, searches);
  rates.take(c.uuid, 'read', sm.read_rate_limit, searches);
}

/** Point operations: timeout, their content against strict mode, then their points against the write rate. */
export function admitWrite(rates: RateLimits, c: Collection, ops: readonly PointOperation[], request: WriteRequest): void {
  const sm = activeStrictMode(c.config);
  if (sm === undefined) return;
  checkTimeoutStrict(sm, request.timeout);
  checkUpdateStrict(sm, ops, c.fieldIndexes, c.storedPointsCount, () => sizeStats(c));
  rates.take(c.uuid, 'write', sm.write_rate_limit, writeCost(ops));
}
