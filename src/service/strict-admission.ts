/**
 * Strict mode at a point request's door, for every transport: what only the request knows — its
 * `timeout` and how many searches it carries — checked against the collection's `strict_mode_config`.
 * REST and gRPC reach a collection for a point read or write only through `TableOfContent.forRead` /
 * `forWrite`, which run these. A read's content (filters, limits, params) is checked by the engine's entry
 * points (collection/strict-mode.ts called from query/run.ts and read.ts), which then charge the read rate
 * (collection/read-cost.ts); a write's operations are checked and charged here, in the same order.
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

/** A read of `request.searches` searches: timeout, then batch size (Qdrant's order; the read rate is charged by the engine). */
export function admitRead(c: Collection, request: ReadRequest): void {
  const sm = activeStrictMode(c.config);
  if (sm === undefined) return;
  const searches = request.searches ?? 1;
  checkTimeoutStrict(sm, request.timeout);
  if (searches > 1) checkBatchStrict(sm, searches);
}

/**
 * Point operations: timeout, their content against strict mode, then their cost against the write rate (the
 * points they name; for a filter, the planner's estimate of the points it matches, as Qdrant estimates it).
 */
export function admitWrite(rates: RateLimits, c: Collection, ops: readonly PointOperation[], request: WriteRequest): void {
  const sm = activeStrictMode(c.config);
  if (sm === undefined) return;
  checkTimeoutStrict(sm, request.timeout);
  checkUpdateStrict(sm, ops, c.fieldIndexes, c.storedPointsCount, () => sizeStats(c));
  const perMinute = sm.write_rate_limit;
  if (perMinute === undefined || perMinute === null) return;
  rates.take(c.uuid, 'write', perMinute, writeCost(ops, (filter) => c.segment.filterPlan(filter).estimatedCardinality));
}
