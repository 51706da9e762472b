/**
 * Cost of printing float32 values the way Qdrant does (shortest decimal that reads back as the same
 * float32) against printing the double as is. Two mixes: random unit-range components (8–9 digits, the
 * common case for embeddings) and short decimals (0.15, 2.5: what users type).
 *
 *   node --import tsx bench/float32-format.ts [--n=1000000]
 */
import { shortestFloat32 } from '../src/api/rest/present/shortest-float32.js';

const arg = (name: string, fallback: number): number => {
  const a = process.argv.find((s) => s.startsWith(`--${name}=`));
  return a === undefined ? fallback : Number(a.slice(name.length + 3));
};
const n = arg('n', 1_000_000);

function mix(kind: 'random' | 'short'): Float32Array {
  const out = new Float32Array(n);
  let seed = 20240601;
  const rnd = (): number => {
    seed = (seed * 1103515245 + 12345) >>> 0;
    return seed / 2 ** 32;
  };
  for (let i = 0; i < n; i++) out[i] = kind === 'random' ? rnd() * 2 - 1 : Math.round(rnd() * 2000 - 1000) / 100;
  return out;
}

/** Best of 5 passes, ns per number. */
function time(f: (a: Float32Array) => number, a: Float32Array): number {
  let best = Infinity;
  for (let r = 0; r < 5; r++) {
    const t0 = process.hrtime.bigint();
    f(a);
    best = Math.min(best, Number(process.hrtime.bigint() - t0) / a.length);
  }
  return best;
}

let sink = 0;
const stringOf = (a: Float32Array): number => {
  for (let i = 0; i < a.length; i++) sink += String(a[i]).length;
  return sink;
};
const shortestOnly = (a: Float32Array): number => {
  for (let i = 0; i < a.length; i++) sink += shortestFloat32(a[i]!);
  return sink;
};
const shortestString = (a: Float32Array): number => {
  for (let i = 0; i < a.length; i++) sink += String(shortestFloat32(a[i]!)).length;
  return sink;
};
const jsonPlain = (a: Float32Array): number => JSON.stringify(Array.from(a)).length;
const jsonShortest = (a: Float32Array): number => {
  const out = new Array<number>(a.length);
  for (let i = 0; i < a.length; i++) out[i] = shortestFloat32(a[i]!);
  return JSON.stringify(out).length;
};

console.log(`float32 formatting, ${n} numbers per pass, best of 5 (ns per number)`);
for (const kind of ['random', 'short'] as const) {
  const a = mix(kind);
  const rows = {
    'String(x)': time(stringOf, a),
    'shortestFloat32(x)': time(shortestOnly, a),
    'String(shortestFloat32(x))': time(shortestString, a),
    'JSON.stringify(Array.from(v))': time(jsonPlain, a),
    'JSON.stringify(shortest v)': time(jsonShortest, a),
  };
  console.log(`\n${kind} values`);
  for (const [name, ns] of Object.entries(rows)) console.log(`  ${name.padEnd(32)} ${ns.toFixed(1)} ns`);
}
if (sink === 0.5) console.log(sink);
