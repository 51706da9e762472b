/**
 * A token bucket as Qdrant's strict-mode rate limiter keeps one: `perMinute` tokens of capacity,
 * full at start, refilled continuously at `perMinute / 60` tokens per second. No allocation per
 * call: `take` answers with a number.
 */
export class TokenBucket {
  private tokens: number;
  private lastMs: number;

  constructor(
    readonly perMinute: number,
    nowMs: number,
  ) {
    this.tokens = perMinute;
    this.lastMs = nowMs;
  }

  /** Tokens available at `nowMs` (after refill). */
  available(nowMs: number): number {
    this.refill(nowMs);
    return this.tokens;
  }

  /**
   * Takes `cost` tokens at `nowMs`.
   * @returns 0 when taken; Infinity when `cost` exceeds the capacity (never possible); otherwise the
   *   seconds until enough tokens are back (nothing is taken).
   */
  take(cost: number, nowMs: number): number {
    if (cost > this.perMinute) return Infinity;
    this.refill(nowMs);
    if (this.tokens >= cost) {
      this.tokens -= cost;
      return 0;
    }
    return ((cost - this.tokens) * 60) / this.perMinute;
  }

  private refill(nowMs: number): void {
    const elapsed = nowMs - this.lastMs;
    if (elapsed <= 0) return;
    this.lastMs = nowMs;
    this.tokens = Math.min(this.perMinute, this.tokens + (elapsed / 60000) * this.perMinute);
  }
}
