/**
 * Strict mode at the REST edge: what only the request knows — its `timeout` parameter and how many
 * searches or points it carries — checked against the collection's `strict_mode_config`, and the
 * collection's read/write rate limits charged. The request's content is checked by the engine
 * (collection/strict-mode.ts, query/run.ts).
 */
import type { Collection } from '../../collection/collection.js';
import type { PointOperation } from '../../collection/operation.js';
import { activeStrictMode, checkBatchStrict, checkTimeoutStrict, checkUpdateStrict, writeCost } from '../../collection/strict-mode.js';
import { sizeStats } from '../../collection/size-stats.js';
import type { HandlerContext } from './route-table.js';

function timeoutOf(ctx: HandlerContext): number | undefined {
  const t = ctx.query['timeout'];
  return typeof t === 'number' ? t : undefined;
}

/** A read of `searches` searches (1 for a single request, the batch size for a batch). */
export function chargeRead(ctx: HandlerContext, c: Collection, searches = 1): void {
  const sm = activeStrictMode(c.config);
  if (sm === undefined) return;
  checkTimeoutStrict(sm, timeoutOf(ctx));
  if (searches > 1) checkBatchStrict(sm, searches);
  ctx.deps.rateLimits.take(c.uuid, 'read', sm.read_rate_limit, searches);
}

/** Point operations: their content against strict mode, then their points against the write rate. */
export function chargeWrite(ctx: HandlerContext, c: Collection, ops: readonly PointOperation[]): void {
  const sm = activeStrictMode(c.config);
  if (sm === undefined) return;
  checkTimeoutStrict(sm, timeoutOf(ctx));
  checkUpdateStrict(sm, ops, c.fieldIndexes, c.storedPointsCount, () => sizeStats(c));
  ctx.deps.rateLimits.take(c.uuid, 'write', sm.write_rate_limit, writeCost(ops));
}
