/**
 * Seeded level generation. A node's level is a pure function of (seed, offset): the exponential
 * distribution of Malkov & Yashunin, P(level ≥ l) = m^−l, drawn from a 32-bit hash instead of a
 * stateful RNG. So builds are deterministic whatever the insertion order or thread count, a
 * re-added offset keeps its level, and no RNG state needs persisting.
 */

/** Levels are stored in an Int8Array; 2^31 nodes at m = 2 stay far below this. */
export const MAX_LEVEL = 31;

/** murmur3 fmix32 of a seed/offset pair. */
export function hash32(seed: number, offset: number): number {
  let h = (Math.imul(offset ^ 0x9e3779b9, 0x85ebca6b) ^ seed) >>> 0;
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  h = Math.imul(h ^ Math.imul(seed, 0x27d4eb2f), 0x165667b1);
  h ^= h >>> 15;
  return h >>> 0;
}

/** The level of `offset`: floor(−ln(u) · mL) with u ∈ (0, 1] from the hash, mL = 1 / ln(m). */
export function levelFor(seed: number, offset: number, m: number): number {
  const u = (hash32(seed, offset) + 1) / 4294967296;
  const level = Math.floor(-Math.log(u) / Math.log(Math.max(2, m)));
  return level > MAX_LEVEL ? MAX_LEVEL : level;
}
