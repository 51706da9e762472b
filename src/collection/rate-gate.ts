/**
 * Where a collection's strict-mode read and write rates are charged. The engine charges a read after its
 * content passed strict mode's checks (Qdrant's order: the collection verifies the request, then the shard
 * takes its cost from the rate limiter), at the cost Qdrant's shard charges (read-cost.ts). The token
 * buckets live in the service (service/rate-limits.ts), which gives every collection it loads its gate.
 */
import type { StrictModeConfig } from './config.js';

export type RateKind = 'read' | 'write';

export interface RateGate {
  /**
   * Takes `cost` tokens from the collection's bucket of `kind`, limited to `perMinute` tokens a minute.
   * @throws an error answered as 429 when there are not enough.
   */
  take(collection: string, kind: RateKind, perMinute: number, cost: number): void;
}

/** The read rate limit strict mode sets (undefined: none, or strict mode off). */
export function readRateLimit(config: { readonly strict_mode_config?: StrictModeConfig | null }): number | undefined {
  const sm = config.strict_mode_config;
  if (sm?.enabled !== true) return undefined;
  return sm.read_rate_limit ?? undefined;
}
