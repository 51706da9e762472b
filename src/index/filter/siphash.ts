/**
 * SipHash-2-4 (Aumasson & Bernstein) with 64-bit output, as Rust's `SipHasher` computes it. Qdrant 1.19's
 * `slice` condition and its shard routing hash point ids with it. Written on 32-bit halves so a hash
 * allocates nothing but its result; `sipHash24Hex` / `sipHash24Mod` read that result.
 */

// State: v0..v3 as (hi, lo) 32-bit pairs.
const v = new Uint32Array(8);
const out = new Uint32Array(2);

function add(a: number, b: number): void {
  // v[a] += v[b] (64-bit)
  const lo = (v[a + 1]! + v[b + 1]!) >>> 0;
  const carry = lo < v[a + 1]! ? 1 : 0;
  v[a] = (v[a]! + v[b]! + carry) >>> 0;
  v[a + 1] = lo;
}

function rotl(a: number, n: number): void {
  let hi = v[a]!;
  let lo = v[a + 1]!;
  if (n >= 32) {
    [hi, lo] = [lo, hi];
    n -= 32;
  }
  if (n === 0) {
    v[a] = hi;
    v[a + 1] = lo;
    return;
  }
  v[a] = ((hi << n) | (lo >>> (32 - n))) >>> 0;
  v[a + 1] = ((lo << n) | (hi >>> (32 - n))) >>> 0;
}

function xor(a: number, b: number): void {
  v[a] = (v[a]! ^ v[b]!) >>> 0;
  v[a + 1] = (v[a + 1]! ^ v[b + 1]!) >>> 0;
}

const V0 = 0;
const V1 = 2;
const V2 = 4;
const V3 = 6;

function round(): void {
  add(V0, V1); rotl(V1, 13); xor(V1, V0); rotl(V0, 32);
  add(V2, V3); rotl(V3, 16); xor(V3, V2);
  add(V0, V3); rotl(V3, 21); xor(V3, V0);
  add(V2, V1); rotl(V1, 17); xor(V1, V2); rotl(V2, 32);
}

function absorb(hi: number, lo: number, rounds: number): void {
  v[V3] = (v[V3]! ^ hi) >>> 0;
  v[V3 + 1] = (v[V3 + 1]! ^ lo) >>> 0;
  for (let i = 0; i < rounds; i++) round();
  v[V0] = (v[V0]! ^ hi) >>> 0;
  v[V0 + 1] = (v[V0 + 1]! ^ lo) >>> 0;
}

function le32(b: Uint8Array, i: number): number {
  return (b[i]! | (b[i + 1]! << 8) | (b[i + 2]! << 16) | (b[i + 3]! << 24)) >>> 0;
}

/** Hashes `data` with the 128-bit key `key` (16 bytes, zero by default) into `out` (hi, lo). */
function hash(data: Uint8Array, key: Uint8Array | null): void {
  const k0hi = key === null ? 0 : le32(key, 4);
  const k0lo = key === null ? 0 : le32(key, 0);
  const k1hi = key === null ? 0 : le32(key, 12);
  const k1lo = key === null ? 0 : le32(key, 8);
  v[V0] = (k0hi ^ 0x736f6d65) >>> 0; v[V0 + 1] = (k0lo ^ 0x70736575) >>> 0;
  v[V1] = (k1hi ^ 0x646f7261) >>> 0; v[V1 + 1] = (k1lo ^ 0x6e646f6d) >>> 0;
  v[V2] = (k0hi ^ 0x6c796765) >>> 0; v[V2 + 1] = (k0lo ^ 0x6e657261) >>> 0;
  v[V3] = (k1hi ^ 0x74656462) >>> 0; v[V3 + 1] = (k1lo ^ 0x79746573) >>> 0;
  const full = data.length - (data.length % 8);
  for (let i = 0; i < full; i += 8) absorb(le32(data, i + 4), le32(data, i), 2);
  // The last block: the remaining bytes, then the length's low byte in the top byte.
  const tail = new Uint8Array(8);
  tail.set(data.subarray(full));
  tail[7] = data.length & 0xff;
  absorb(le32(tail, 4), le32(tail, 0), 2);
  v[V2 + 1] = (v[V2 + 1]! ^ 0xff) >>> 0;
  for (let i = 0; i < 4; i++) round();
  out[0] = (v[V0] ^ v[V1] ^ v[V2] ^ v[V3]) >>> 0;
  out[1] = (v[V0 + 1]! ^ v[V1 + 1]! ^ v[V2 + 1]! ^ v[V3 + 1]!) >>> 0;
}

/** The 64-bit hash into `into` as [high 32 bits, low 32 bits] (no allocation). */
export function sipHash24Into(data: Uint8Array, into: Uint32Array, key: Uint8Array | null = null): void {
  hash(data, key);
  into[0] = out[0]!;
  into[1] = out[1]!;
}

/** The 64-bit hash as 16 hex digits (big-endian reading of the u64), for tests against reference vectors. */
export function sipHash24Hex(data: Uint8Array, key: Uint8Array | null = null): string {
  hash(data, key);
  return out[0]!.toString(16).padStart(8, '0') + out[1]!.toString(16).padStart(8, '0');
}

/** `siphash24(data) % m` for `1 <= m < 2^32`, as the u64 arithmetic gives it. */
export function sipHash24Mod(data: Uint8Array, m: number, key: Uint8Array | null = null): number {
  hash(data, key);
  // (hi * 2^32 + lo) mod m: exact in doubles while m^2 stays below 2^53, BigInt beyond.
  if (m <= 2 ** 26) return ((out[0]! % m) * (2 ** 32 % m) + (out[1]! % m)) % m;
  return Number(((BigInt(out[0]!) << 32n) | BigInt(out[1]!)) % BigInt(m));
}
