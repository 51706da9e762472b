/**
 * Random sampling (`{"sample": "random"}` and the distance matrix's sample). A small seeded PRNG
 * (mulberry32) drives a partial Fisher–Yates shuffle, so a given seed always picks the same points.
 */
import type { ScoredEntry } from './types.js';

export { mulberry32 as seededRandom } from '../../index/random.js';

/** A 32-bit FNV-1a hash of `text`, to seed sampling deterministically per request. */
export function hashSeed(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

/** Up to `k` distinct elements of `items`, in random order. */
export function sampleOf<T>(items: readonly T[], k: number, random: () => number): T[] {
  const pool = [...items];
  const n = Math.min(k, pool.length);
  for (let i = 0; i < n; i++) {
    const j = i + Math.floor(random() * (pool.length - i));
    [pool[i], pool[j]] = [pool[j]!, pool[i]!];
  }
  return pool.slice(0, n);
}

/** A random sample of `candidates` as a query stage: score 1.0, version 0 (Qdrant `scroll_randomly`). */
export function sampleCandidates(candidates: readonly number[], limit: number, random: () => number = Math.random): ScoredEntry[] {
  return sampleOf(candidates, limit, random).map((offset) => ({ offset, score: 1, fromScroll: true }));
}
