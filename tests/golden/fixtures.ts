/**
 * The golden fixtures of stored formats (`tests/fixtures/golden/v1/`, made once by `scripts/make-golden.ts`) and
 * the content they must read back to. The expected values are written out here from what the generator sent,
 * with the transformations Quiver documents (Cosine vectors normalised, sparse indices sorted, UUIDs in lower
 * case), so a reader that misreads a fixture cannot agree with them by construction.
 */
import { cpSync, readdirSync, statSync } from 'node:fs';
import { pino } from 'pino';
import { join } from 'node:path';
import assert from 'node:assert/strict';
import { startTestApp, tempDir, type TestApp } from '../support/app.js';

export const GOLDEN_V1 = join(import.meta.dirname, '..', 'fixtures', 'golden', 'v1');
export const STORE_V1 = join(GOLDEN_V1, 'store');
/** Version 2 (store format 2): v1's content plus custom shard keys with kept shard ids. */
export const GOLDEN_V2 = join(import.meta.dirname, '..', 'fixtures', 'golden', 'v2');
/** Version 3 (store format 3, snapshot format 2): v2's content plus the `exact` collection. */
export const GOLDEN_V3 = join(import.meta.dirname, '..', 'fixtures', 'golden', 'v3');

/** The payloads of the v2 `exact` collection by point id, as `scripts/make-golden.ts` wrote them. */
export const EXACT_PAYLOADS: Record<number, Record<string, unknown>> = {
  1: { n: 2n ** 62n, max: 2n ** 63n - 1n, min: -(2n ** 63n), nested: { deep: [1, { x: 2n ** 53n + 1n }] }, u: 2n ** 64n - 1n, f: 1e20 },
  2: { n: 2n ** 62n + 1n, list: [2n ** 53n, -(2n ** 53n) - 1n, 7], f: 0.5 },
};

/** Plaintext keys whose SHA-256 digests `api-keys.yaml` holds (the file never held the keys). */
export const GOLDEN_KEYS = {
  reader: 'qvk_golden-reader-0000000000000000000000000000000000000',
  writer: 'qvk_golden-writer-1111111111111111111111111111111111111',
  expired: 'qvk_golden-expired-222222222222222222222222222222222222',
} as const;

/** The vector of point `i` of the `indexed` collection, as the generator computed it. */
export function indexedVector(i: number): number[] {
  return [((i * 37) % 101) / 101, ((i * 53) % 97) / 97, ((i * 71) % 89) / 89, ((i * 13) % 83) / 83];
}

/** The vector of `indexed` point `i` as stored (float32). */
export function storedIndexedVector(i: number): Float32Array {
  return Float32Array.from(indexedVector(i));
}

/** A fresh copy of the golden storage directory under a new temp dir (tests never open the fixture itself). */
export function copyGoldenStore(store = STORE_V1): string {
  const dir = tempDir('quiver-golden-');
  cpSync(store, join(dir, 'storage'), { recursive: true });
  return dir;
}

/**
 * Starts an in-process server on a copy of the golden store (or on `dir`, a copy the caller prepared);
 * `warnings` collects what it logs at warn level.
 */
export async function startOnGoldenStore(env: Record<string, string> = {}, dir = copyGoldenStore()): Promise<{ app: TestApp; warnings: string[] }> {
  const warnings: string[] = [];
  const logger = pino({ level: 'warn' }, { write: (line: string) => void warnings.push(line) });
  const app = await startTestApp(env, { logger }, dir);
  return { app, warnings };
}

/** The image of the `indexed` collection under a storage dir: the only image above 4 KB (200 nodes). */
export function indexedImagePath(storage: string): string {
  const root = join(storage, 'indexes');
  const images = readdirSync(root).flatMap((uuid) => readdirSync(join(root, uuid)).map((name) => join(root, uuid, name)));
  const big = images.filter((p) => statSync(p).size > 4096);
  assert.equal(big.length, 1, `expected one large index image under ${root}, found ${JSON.stringify(images)}`);
  return big[0]!;
}

const unit = (v: readonly number[]): number[] => {
  const n = Math.sqrt(v.reduce((s, x) => s + x * x, 0));
  return v.map((x) => x / n);
};

/** The points of `golden` in scroll order (integer ids ascending, then UUIDs), with payloads and vectors. */
export const GOLDEN_POINTS = [
  {
    id: 0,
    payload: { tag: 'alpha', count: 3, score: 0.1, title: 'Hello Golden World', created: '2026-01-02T03:04:05Z', ref: '0f0e0d0c-0b0a-4908-8706-050403020100' },
    vector: { text: [1, 0, 0, 0], image: [0.5, -1.25, 3], colbert: [[1, 2], [3, 4], [-5, 0.5]], kw: { indices: [2, 7, 100000], values: [1.5, 0.5, -2] } },
  },
  {
    id: 1,
    payload: {
      tag: ['beta', 'gamma'],
      count: [-7, 9007199254740991],
      location: { lon: 13.404954, lat: 52.520008 },
      meta: { level: 'deep', nested: { list: [1, 'two', null, { three: [3.5] }], empty: {}, none: [] } },
      'dotted.key': 'literal dot',
      unicode: 'zürich ✓ 日本 🚀',
      escapes: 'tab\tquote"backslash\\newline\n',
      big: 1e300,
      tiny: -5e-324,
      negzero: 0,
      nothing: null,
      blank: '',
    },
    vector: { text: unit([0.1, 0.2, 0.3, 0.4]) },
  },
  { id: 42, payload: {}, vector: { image: [9, 8, 7], kw: { indices: [1], values: [1] } } },
  { id: 9007199254740991, payload: { score: -3.75, flag: false }, vector: { image: [1, 2, 3], colbert: [[0, 0]] } },
  { id: '550e8400-e29b-41d4-a716-446655440000', payload: { tag: 'uuid', created: '1999-12-31T23:59:59.999+02:00', count: 5 }, vector: { text: [0, 0.6, 0, 0.8] } },
  { id: 'f9168c5e-ceb2-4faa-b6bf-329bf39fa1e4', payload: { tag: 'upper-case id' }, vector: { text: [0.5, 0.5, 0.5, 0.5] } },
] as const;

/** Payload index definitions of `golden`, as `payload_schema` reports them (type, params, points indexed). */
export const GOLDEN_PAYLOAD_SCHEMA = {
  tag: { data_type: 'keyword', params: { type: 'keyword', is_tenant: true }, points: 4 },
  count: { data_type: 'integer', params: { type: 'integer', lookup: true, range: true, is_principal: null }, points: 3 },
  score: { data_type: 'float', points: 2 },
  location: { data_type: 'geo', points: 1 },
  title: { data_type: 'text', params: { type: 'text', tokenizer: 'word', min_token_len: 2, max_token_len: 20, lowercase: true }, points: 1 },
  flag: { data_type: 'bool', points: 1 },
  created: { data_type: 'datetime', points: 2 },
  ref: { data_type: 'uuid', points: 1 },
  'meta.level': { data_type: 'keyword', points: 1 },
};

/** Asserts that numbers agree to float32 precision, anywhere inside `actual` and `expected` (same shape). */
export function assertClose(actual: unknown, expected: unknown, path = '$'): void {
  if (typeof expected === 'number') {
    assert.equal(typeof actual, 'number', `${path}: expected a number, got ${JSON.stringify(actual)}`);
    const a = actual as number;
    assert.ok(Math.abs(a - expected) <= 1e-6 * Math.max(1, Math.abs(expected)), `${path}: ${a} != ${expected}`);
    return;
  }
  if (Array.isArray(expected)) {
    assert.ok(Array.isArray(actual) && actual.length === expected.length, `${path}: expected ${JSON.stringify(expected)}, got ${JSON.stringify(actual)}`);
    expected.forEach((e, i) => assertClose((actual as unknown[])[i], e, `${path}[${i}]`));
    return;
  }
  if (typeof expected === 'object' && expected !== null) {
    assert.ok(typeof actual === 'object' && actual !== null, `${path}: expected an object, got ${JSON.stringify(actual)}`);
    assert.deepEqual(Object.keys(actual).sort(), Object.keys(expected).sort(), `${path}: keys`);
    for (const [k, e] of Object.entries(expected)) assertClose((actual as Record<string, unknown>)[k], e, `${path}.${k}`);
    return;
  }
  assert.deepEqual(actual, expected, path);
}
