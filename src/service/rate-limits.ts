/**
 * Read and write rate limits of collections (strict mode `read_rate_limit` / `write_rate_limit`):
 * one token bucket per collection and kind, made when first needed and remade when the configured
 * rate changes. The clock is injected (milliseconds), so tests step time instead of sleeping.
 */
import { AppError } from '../errors.js';
import type { RateGate, RateKind } from '../collection/rate-gate.js';
import { TokenBucket } from './token-bucket.js';

interface Buckets {
  read: TokenBucket | undefined;
  write: TokenBucket | undefined;
}

/** A refusal with the seconds a client should wait (HTTP `Retry-After`), or none when retrying cannot help. */
export class RateLimitedError extends AppError {
  constructor(
    message: string,
    readonly retryAfterSeconds: number | undefined,
  ) {
    super('RATE_LIMITED', [message]);
  }
}

export class RateLimits implements RateGate {
  private readonly byCollection = new Map<string, Buckets>();

  constructor(private readonly nowMs: () => number = () => performance.now()) {}

  /**
   * Takes `cost` tokens from the collection's bucket of `kind` limited to `perMinute` (no limit when
   * null/undefined). @throws RateLimitedError with Qdrant's text when there are not enough.
   */
  take(collection: string, kind: RateKind, perMinute: number | null | undefined, cost: number): void {
    if (perMinute === undefined || perMinute === null) return;
    let buckets = this.byCollection.get(collection);
    if (buckets === undefined) {
      buckets = { read: undefined, write: undefined };
      this.byCollection.set(collection, buckets);
    }
    const now = this.nowMs();
    let bucket = buckets[kind];
    if (bucket?.perMinute !== perMinute) {
      bucket = new TokenBucket(perMinute, now);
      buckets[kind] = bucket;
    }
    const wait = bucket.take(cost, now);
    if (wait === 0) return;
    const Kind = kind === 'read' ? 'Read' : 'Write';
    if (wait === Infinity) {
      throw new RateLimitedError(`${Kind} rate limit exceeded, request larger than rate limiter capacity, please try to split your request`, undefined);
    }
    const seconds = Math.ceil(wait);
    throw new RateLimitedError(
      `${Kind} rate limit exceeded: Operation requires ${cost} tokens but only ${bucket.available(now).toFixed(1)} were available. Retry after ${seconds}s`,
      seconds,
    );
  }

  /** Forgets a collection's buckets (deleted or recreated). */
  forget(collection: string): void {
    this.byCollection.delete(collection);
  }
}
