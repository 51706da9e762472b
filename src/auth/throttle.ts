/**
 * **Quiver:** brute-force throttling of failed authentications (`service.auth_throttle`).
 *
 * Failures are counted per client address — an IPv6 address by its /64, the block one subscriber usually holds,
 * an IPv4-mapped address as the IPv4 address. After `max_failures` failures within `window_sec`, the address is
 * blocked for `block_sec`; each further block of the same address doubles it, up to `max_block_sec`. A blocked
 * address gets 429 with `Retry-After` before any key comparison (the caller checks {@link AuthThrottle.retryAfter}
 * first), so guessing costs the attacker time and the server no hashing. An address that stays quiet for
 * `max_block_sec` starts afresh.
 *
 * Memory is bounded: at most `max_tracked_addresses` entries, least recently touched evicted first. A spray of
 * addresses can therefore evict an old entry — which gives the sprayer nothing it did not already have (each of its
 * addresses has its own budget) — but can never grow the map.
 *
 * Presented keys carry no name (a named key is random text), so a wrong key cannot be attributed to the named key
 * it was aimed at: guessing is throttled by where it comes from.
 */
import ipaddr from 'ipaddr.js';
import { AppError } from '../errors.js';

/** The refusal of a throttled address: 429, text body, `Retry-After` in seconds. */
export class ThrottledFailure extends AppError {
  constructor(readonly retryAfterSec: number) {
    super('AUTH_THROTTLED');
    this.name = 'ThrottledFailure';
  }

  /** Response headers of the refusal. */
  headers(): Record<string, string> {
    return { 'retry-after': String(this.retryAfterSec) };
  }
}

/** `service.auth_throttle`. */
export interface ThrottleConfig {
  readonly enabled: boolean;
  /** Failures within `window_sec` that block an address. */
  readonly max_failures: number;
  readonly window_sec: number;
  /** First block, in seconds; each further block doubles it. */
  readonly block_sec: number;
  readonly max_block_sec: number;
  /** Most addresses tracked at once (least recently touched evicted). */
  readonly max_tracked_addresses: number;
}

interface Entry {
  /** Failures in the current window. */
  failures: number;
  windowStart: number;
  lastFailure: number;
  /** Blocks so far: the next block lasts `block_sec * 2^strikes`. */
  strikes: number;
  blockedUntil: number;
}

/**
 * The throttle key of a client address: IPv4 as is (IPv4-mapped IPv6 unwrapped), IPv6 by its /64 prefix, anything
 * unparseable as given (a unix socket, a missing address: all such clients share one budget).
 */
export function throttleKey(address: string | undefined): string {
  if (address === undefined || !ipaddr.isValid(address)) return `other:${address ?? ''}`;
  const parsed = ipaddr.process(address);
  if (parsed.kind() === 'ipv4') return parsed.toString();
  const parts = (parsed as ipaddr.IPv6).parts.slice(0, 4).map((p) => p.toString(16));
  return `${parts.join(':')}::/64`;
}

/** Counts failures and answers whether an address must wait. Single-threaded: no locking needed. */
export class AuthThrottle {
  readonly #config: ThrottleConfig;
  readonly #now: () => number;
  /** Insertion order is recency order: an entry is deleted and re-inserted on every touch. */
  readonly #entries = new Map<string, Entry>();

  /** @param now - the clock in milliseconds (injected by tests) */
  constructor(config: ThrottleConfig, now: () => number = Date.now) {
    this.#config = config;
    this.#now = now;
  }

  get enabled(): boolean {
    return this.#config.enabled;
  }

  /** Addresses currently tracked (bounded by `max_tracked_addresses`). */
  get size(): number {
    return this.#entries.size;
  }

  /** False while no address has a failure on record: then no address must wait and a success changes nothing. */
  get tracking(): boolean {
    return this.#config.enabled && this.#entries.size > 0;
  }

  /** Seconds the address must wait (rounded up, at least 1), or `undefined` when it may try. */
  retryAfter(address: string | undefined): number | undefined {
    if (!this.#config.enabled) return undefined;
    const entry = this.#entries.get(throttleKey(address));
    if (entry === undefined) return undefined;
    const left = entry.blockedUntil - this.#now();
    return left > 0 ? Math.max(1, Math.ceil(left / 1000)) : undefined;
  }

  /**
   * Records a failed authentication.
   * @returns the seconds of the block this failure started, or `undefined` when it started none
   */
  recordFailure(address: string | undefined): number | undefined {
    if (!this.#config.enabled) return undefined;
    const c = this.#config;
    const now = this.#now();
    const key = throttleKey(address);
    let entry = this.#entries.get(key);
    if (entry !== undefined && now - entry.lastFailure > c.max_block_sec * 1000) entry = undefined;
    entry ??= { failures: 0, windowStart: now, lastFailure: now, strikes: 0, blockedUntil: 0 };
    if (now - entry.windowStart > c.window_sec * 1000) {
      entry.failures = 0;
      entry.windowStart = now;
    }
    entry.failures += 1;
    entry.lastFailure = now;
    let blocked: number | undefined;
    if (entry.failures >= c.max_failures) {
      blocked = Math.min(c.block_sec * 2 ** entry.strikes, c.max_block_sec);
      entry.strikes += 1;
      entry.blockedUntil = now + blocked * 1000;
      entry.failures = 0;
      entry.windowStart = now;
    }
    this.#touch(key, entry);
    return blocked;
  }

  /**
   * A successful authentication clears the address's failure count (not its block history). An address with no
   * block history is forgotten, so a server whose clients mistyped a key once stops tracking them.
   */
  recordSuccess(address: string | undefined): void {
    if (!this.#config.enabled || this.#entries.size === 0) return;
    const key = throttleKey(address);
    const entry = this.#entries.get(key);
    if (entry === undefined) return;
    if (entry.strikes === 0) this.#entries.delete(key);
    else entry.failures = 0;
  }

  #touch(key: string, entry: Entry): void {
    this.#entries.delete(key);
    this.#entries.set(key, entry);
    while (this.#entries.size > this.#config.max_tracked_addresses) {
      const oldest = this.#entries.keys().next().value;
      if (oldest === undefined) break;
      this.#entries.delete(oldest);
    }
  }
}
