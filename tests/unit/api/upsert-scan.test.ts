/**
 * The upsert scanner (`parse/upsert-scan.ts`, with the members beside the points validated by
 * `read-upsert-body.ts`): every component is `Math.fround(JSON.parse(literal))` bit for bit,
 * every body it reads is one the general path (JSON.parse with exact integers, schema validation) accepts with the
 * same ids, payloads and vectors, and every body it does not read is left to that path (`undefined`).
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { scanUpsert, ScannedUpsert } from '../../../src/api/rest/parse/upsert-scan.js';
import { readUpsertBody } from '../../../src/api/rest/parse/read-upsert-body.js';
import { validateBody } from '../../../src/api/rest/schemas/validator.js';
import { checkExactIntegers } from '../../../src/api/rest/exact-body.js';
import { holdsLargeNumber, noteBigints, parseExactJson } from '../../../src/exact-json.js';
import { parsePointId } from '../../../src/storage/point-id.js';
import { isObject } from '../../../src/json.js';

/** The scanned components of `literals` (one point, one vector). */
async function componentsOf(literals: readonly string[]): Promise<Float32Array | undefined> {
  const scanned = await scanUpsert(`{"points":[{"id":1,"vector":[${literals.join(',')}]}]}`);
  return scanned?.row(0);
}

/** What the general path stores for a component written as `literal`. */
function expectedComponent(literal: string): number {
  return Math.fround(JSON.parse(literal) as number);
}

/**
 * True for a literal the general path stores as a vector component: not an integer literal beyond ±(2^53−1) (an
 * exact integer, refused in a vector) and finite as a Float32 (validation refuses the rest).
 */
function storable(literal: string): boolean {
  if (/^-?\d+$/.test(literal) && !Number.isSafeInteger(Number(literal))) return false;
  return Number.isFinite(expectedComponent(literal));
}

/** Scans the storable literals (those left must all be read) and compares each component with the general path. */
async function assertScannedLikeGeneral(literals: readonly string[]): Promise<void> {
  const kept = literals.filter(storable);
  if (kept.length === 0) return;
  const got = await componentsOf(kept);
  assert.ok(got !== undefined, `not read: ${kept.join(', ')}`);
  assertSameBits(got, kept);
}

function assertSameBits(got: Float32Array, literals: readonly string[]): void {
  assert.equal(got.length, literals.length);
  for (let k = 0; k < literals.length; k++) {
    assert.ok(Object.is(got[k], expectedComponent(literals[k]!)), `${literals[k]}: scanned ${got[k]}, JSON.parse → fround ${expectedComponent(literals[k]!)}`);
  }
}

const F32 = new Float32Array(1);
const U32 = new Uint32Array(F32.buffer);
/** The Float32 with bit pattern `bits`. */
function f32(bits: number): number {
  U32[0] = bits >>> 0;
  return F32[0]!;
}

/** JSON number literals of `x` in several spellings (shortest, fixed, exponent, many digits). */
function spellings(x: number): string[] {
  const out = [JSON.stringify(x), x.toExponential(), x.toExponential(20), x.toPrecision(21)];
  if (Math.abs(x) < 1e21 && Math.abs(x) >= 1e-6) out.push(x.toFixed(20));
  // toExponential writes `1e+5`; JSON allows the sign, and `1E5` too.
  return out.map((s) => (s.startsWith('.') ? `0${s}` : s)).map((s, i) => (i === 1 ? s.replace('e', 'E') : s));
}

/** A Float32 rounding boundary (half-way between two adjacent finite Float32s), and doubles next to it. */
function nearBoundary(bits: number): number[] {
  const a = f32(bits);
  const b = f32(bits + 1);
  if (!Number.isFinite(a) || !Number.isFinite(b)) return [];
  const mid = (a + b) / 2;
  const ulp = Math.abs(mid) * 2 ** -52;
  return [mid, mid + ulp, mid - ulp, mid + 4 * ulp, mid - 4 * ulp];
}

describe('upsert scanner: components', () => {
  it('short decimals, integers, signs, zeros, exponents', async () => {
    const literals = ['0', '-0', '0.0', '-0.0', '1', '-1', '0.5', '0.1', '-0.15', '3.4028234663852886e38', '-3.4028234663852886e38', '1e-45', '7e-46', '1.401298464324817e-45', '1.1754942106924411e-38', '12345678', '9007199254740991', '1.5E+3', '2e0', '1e22', '1e23', '1e-22', '1e-23', '123456789012345678901234567890.5', '0.000000000000000000000000000000000000001', '1e-400'];
    assertSameBits((await componentsOf(literals))!, literals);
  });

  it('random doubles in every spelling', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(fc.double({ noNaN: true, noDefaultInfinity: true, min: -3.4e38, max: 3.4e38 }), { minLength: 1, maxLength: 40 }), async (xs) => {
        await assertScannedLikeGeneral(xs.flatMap(spellings));
      }),
      { numRuns: 300 },
    );
  });

  it('Float32 values printed as doubles (what clients send from float32 arrays)', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(fc.float({ noNaN: true, noDefaultInfinity: true }), { minLength: 1, maxLength: 64 }), async (xs) => {
        await assertScannedLikeGeneral(xs.map((x) => JSON.stringify(x)));
      }),
      { numRuns: 300 },
    );
  });

  it('values on and next to Float32 rounding boundaries (ties to even, double rounding)', async () => {
    await fc.assert(
      fc.asyncProperty(fc.integer({ min: 0, max: 0x7f7ffffe }), fc.boolean(), async (bits, negative) => {
        const xs = nearBoundary(bits).map((x) => (negative ? -x : x));
        if (xs.length === 0) return;
        await assertScannedLikeGeneral(xs.flatMap((x) => [JSON.stringify(x), x.toPrecision(21), x.toExponential(25)]));
      }),
      { numRuns: 500 },
    );
  });

  it('decimals with many digits', async () => {
    await fc.assert(
      fc.asyncProperty(fc.stringMatching(/^-?[1-9][0-9]{0,25}\.[0-9]{1,30}(e-?[1-3]?[0-9])?$/), async (literal) => {
        await assertScannedLikeGeneral([literal]);
      }),
      { numRuns: 500 },
    );
  });

  it('leaves numbers the general path treats otherwise to it', async () => {
    // Beyond Float32 (validation refuses), beyond a double (not finite), an integer beyond 2^53−1 (exact integer:
    // refused in a vector), and what is not a JSON number.
    for (const bad of ['1e39', '-3.5e38', '1e400', '9007199254740993', '18446744073709551615', '01', '-', '1.', '.5', '+1', '1e', '1e+', 'NaN', 'Infinity', '0x10', '1_0', 'true', 'null', '"1"', '[1]']) {
      assert.equal(await componentsOf(['0.5', bad]), undefined, bad);
    }
  });
});

const UUID = '550e8400-e29b-41d4-a716-446655440000';

describe('upsert scanner: shapes', () => {
  it('reads ids, vectors, payloads, whitespace and the members beside the points', async () => {
    const text = ` {\n "update_mode" : "upsert", "points" : [ { "payload" : {"a": [1, {"b": "}]"}], "__proto__": 2}, "vector" : [ 1 , 2.5 ,-3 ] , "id" : 7 } ,\r\n\t{"id": "{${UUID.toUpperCase()}}", "vector": [0,0,1], "payload": null}, {"id": 0, "vector": [1,1,1]} ], "shard_key": null } `;
    const s = (await readUpsertBody(text))!;
    assert.ok(s instanceof ScannedUpsert);
    assert.deepEqual(s.members, { update_mode: 'upsert', shard_key: null });
    assert.deepEqual(s.ids, [7, UUID, 0]);
    assert.equal(s.dim, 3);
    assert.deepEqual([...s.row(0)], [1, 2.5, -3]);
    assert.deepEqual([...s.row(2)], [1, 1, 1]);
    assert.deepEqual(s.payloads[0], JSON.parse('{"a": [1, {"b": "}]"}], "__proto__": 2}'));
    assert.ok(Object.hasOwn(s.payloads[0]!, '__proto__'));
    assert.deepEqual(s.payloads.slice(1), [null, null]);
    assert.deepEqual(s.plainBody(), { update_mode: 'upsert', shard_key: null, points: [
      { id: 7, vector: [1, 2.5, -3], payload: s.payloads[0] },
      { id: UUID, vector: [0, 0, 1], payload: null },
      { id: 0, vector: [1, 1, 1], payload: null },
    ] });
  });

  it('reads the batch form, with payloads, null payloads or none', async () => {
    const s = (await readUpsertBody(`{"shard_key":"k","batch":{"vectors":[[1,2],[3,4.5]],"payloads":[{"a":1},null],"ids":[3,"${UUID}"]}}`))!;
    assert.equal(s.form, 'batch');
    assert.deepEqual(s.members, { shard_key: 'k' });
    assert.deepEqual(s.ids, [3, UUID]);
    assert.deepEqual([...s.vectors], [1, 2, 3, 4.5]);
    assert.deepEqual(s.payloads, [{ a: 1 }, null]);
    assert.deepEqual(s.plainBody(), { shard_key: 'k', batch: { ids: [3, UUID], vectors: [[1, 2], [3, 4.5]], payloads: [{ a: 1 }, null] } });
    for (const payloads of ['', ',"payloads":null']) {
      const t = (await readUpsertBody(`{"batch":{"ids":[1,2],"vectors":[[1],[2]]${payloads}}}`))!;
      assert.deepEqual(t.payloads, [null, null]);
    }
  });

  it('keeps payload integers beyond ±(2^53−1) exactly, as the general path does', async () => {
    const s = (await readUpsertBody('{"points":[{"id":1,"vector":[1],"payload":{"big":18446744073709551615,"neg":-9223372036854775808,"f":1e300,"n":5}}]}'))!;
    assert.deepEqual(s.payloads[0], { big: 18446744073709551615n, neg: -9223372036854775808n, f: 1e300, n: 5 });
  });

  const notRead: Array<[string, string]> = [
    ['not an object', '[{"id":1,"vector":[1]}]'],
    ['both forms', '{"points":[{"id":1,"vector":[1]}],"batch":{"ids":[1],"vectors":[[1]]}}'],
    ['a batch without ids', '{"batch":{"vectors":[[1]]}}'],
    ['a batch without vectors', '{"batch":{"ids":[1]}}'],
    ['a batch with more ids than vectors', '{"batch":{"ids":[1,2],"vectors":[[1]]}}'],
    ['a batch with fewer payloads than ids', '{"batch":{"ids":[1,2],"vectors":[[1],[2]],"payloads":[{}]}}'],
    ['a batch of named vectors', '{"batch":{"ids":[1],"vectors":{"a":[[1]]}}}'],
    ['a batch with an unknown member', '{"batch":{"ids":[1],"vectors":[[1]],"extra":1}}'],
    ['a batch with a bad id', '{"batch":{"ids":[-1],"vectors":[[1]]}}'],
    ['a batch with vectors of two lengths', '{"batch":{"ids":[1,2],"vectors":[[1],[1,2]]}}'],
    ['a batch with a payload that is no object', '{"batch":{"ids":[1],"vectors":[[1]],"payloads":[3]}}'],
    ['no points', '{"update_mode":"upsert"}'],
    ['empty points', '{"points":[]}'],
    ['points twice', '{"points":[{"id":1,"vector":[1]}],"points":[{"id":2,"vector":[1]}]}'],
    ['an unknown member', '{"points":[{"id":1,"vector":[1]}],"wait":true}'],
    ['an escaped key', '{"p\\u006fints":[{"id":1,"vector":[1]}]}'],
    ['a member the schema refuses', '{"points":[{"id":1,"vector":[1]}],"update_mode":"replace"}'],
    ['a filter with a large integer', '{"points":[{"id":1,"vector":[1]}],"update_filter":{"must":[{"key":"a","match":{"value":9007199254740993}}]}}'],
    ['named vectors', '{"points":[{"id":1,"vector":{"":[1]}}]}'],
    ['a multivector', '{"points":[{"id":1,"vector":[[1],[2]]}]}'],
    ['an empty vector', '{"points":[{"id":1,"vector":[]}]}'],
    ['vectors of two lengths', '{"points":[{"id":1,"vector":[1,2]},{"id":2,"vector":[1]}]}'],
    ['a string component', '{"points":[{"id":1,"vector":[1,"2"]}]}'],
    ['no vector', '{"points":[{"id":1}]}'],
    ['no id', '{"points":[{"vector":[1]}]}'],
    ['an unknown point member', '{"points":[{"id":1,"vector":[1],"note":1}]}'],
    ['a repeated point member', '{"points":[{"id":1,"id":2,"vector":[1]}]}'],
    ['a negative id', '{"points":[{"id":-1,"vector":[1]}]}'],
    ['a fractional id', '{"points":[{"id":1.5,"vector":[1]}]}'],
    ['an id written 1.0', '{"points":[{"id":1.0,"vector":[1]}]}'],
    ['an id with a leading zero', '{"points":[{"id":01,"vector":[1]}]}'],
    ['an id beyond 2^53−1', '{"points":[{"id":9007199254740992,"vector":[1]}]}'],
    ['a string id that is no UUID', '{"points":[{"id":"abc","vector":[1]}]}'],
    ['an escaped string id', `{"points":[{"id":"\\u0035${UUID.slice(1)}","vector":[1]}]}`],
    ['a null id', '{"points":[{"id":null,"vector":[1]}]}'],
    ['an array payload', '{"points":[{"id":1,"vector":[1],"payload":[1]}]}'],
    ['a string payload', '{"points":[{"id":1,"vector":[1],"payload":"x"}]}'],
    ['a payload with a non-finite number', '{"points":[{"id":1,"vector":[1],"payload":{"x":1e999}}]}'],
    ['a payload nested too deep', `{"points":[{"id":1,"vector":[1],"payload":${'{"a":'.repeat(130)}1${'}'.repeat(130)}}]}`],
    ['a malformed payload', '{"points":[{"id":1,"vector":[1],"payload":{"a":}}]}'],
    ['trailing text', '{"points":[{"id":1,"vector":[1]}]} x'],
    ['a trailing comma', '{"points":[{"id":1,"vector":[1]},]}'],
    ['text cut short', '{"points":[{"id":1,"vector":[1,2'],
    ['an empty text', ''],
  ];
  for (const [what, text] of notRead) {
    it(`leaves ${what} to the general path`, async () => {
      assert.equal(await readUpsertBody(text), undefined);
    });
  }
});

/** The body as the general path parses it (JSON.parse, again with exact integers when needed). */
function generalParse(text: string): unknown {
  const value: unknown = JSON.parse(text);
  return holdsLargeNumber(value) ? noteBigints(parseExactJson(text)) : value;
}

/** Bodies near the scanner's shape: valid ones and ones with a defect in any place. */
const jsonLeaf = fc.oneof(fc.integer(), fc.double({ noNaN: true, noDefaultInfinity: true }), fc.string(), fc.boolean(), fc.constant(null), fc.bigInt({ min: -(2n ** 63n), max: 2n ** 64n - 1n }));
const payloadArb = fc.oneof(
  { weight: 10, arbitrary: fc.dictionary(fc.string({ maxLength: 6 }), fc.oneof(jsonLeaf, fc.array(jsonLeaf, { maxLength: 3 }), fc.dictionary(fc.string({ maxLength: 3 }), jsonLeaf, { maxKeys: 2 })), { maxKeys: 4 }) },
  { weight: 3, arbitrary: fc.constantFrom<unknown>(null, undefined) },
  { weight: 1, arbitrary: fc.constantFrom<unknown>([1], 'x', 3) },
);
const idArb = fc.oneof({ weight: 10, arbitrary: fc.oneof(fc.nat(), fc.constant(UUID), fc.constant(UUID.replace(/-/g, ''))) }, { weight: 1, arbitrary: fc.constantFrom<unknown>(-1, 1.5, 'abc', null, 2 ** 53, 9007199254740993n) });
const componentArb = fc.oneof({ weight: 100, arbitrary: fc.double({ noNaN: true, noDefaultInfinity: true, min: -1e3, max: 1e3 }) }, { weight: 1, arbitrary: fc.constantFrom<unknown>('1', null, [1], 1e39, 2n ** 60n) });

function literalOf(value: unknown): string {
  if (typeof value === 'bigint') return value.toString();
  if (value === undefined) return 'null';
  if (Array.isArray(value)) return `[${value.map(literalOf).join(',')}]`;
  if (isObject(value)) return `{${Object.entries(value).map(([k, v]) => `${JSON.stringify(k)}:${literalOf(v)}`).join(',')}}`;
  return JSON.stringify(value);
}

const bodyArb = fc.record({
  dim: fc.integer({ min: 1, max: 6 }),
  points: fc.array(fc.record({ id: idArb, payload: payloadArb, vector: fc.array(componentArb, { minLength: 6, maxLength: 6 }), extra: fc.integer({ min: 0, max: 29 }) }), { minLength: 1, maxLength: 5 }),
  mode: fc.option(fc.constantFrom('upsert', 'insert_only', 'bogus'), { freq: 3 }),
});

describe('upsert scanner: against the general path', () => {
  it('whatever it reads, the general path accepts with the same ids, vectors and payloads', async () => {
    let read = 0;
    await fc.assert(
      fc.asyncProperty(bodyArb, async ({ dim, points, mode }) => {
        const parts = points.map((p) => {
          const vector = p.vector.slice(0, dim);
          const members = [`"id":${literalOf(p.id)}`, `"vector":${literalOf(vector)}`];
          if (p.payload !== undefined) members.push(`"payload":${literalOf(p.payload)}`);
          if (p.extra === 0) members.push('"extra":1');
          return `{${members.join(',')}}`;
        });
        const text = `{"points":[${parts.join(',')}]${mode === null ? '' : `,"update_mode":"${mode}"`}}`;
        const batchText = `{"batch":{"ids":[${points.map((p) => literalOf(p.id)).join(',')}],"vectors":[${points.map((p) => literalOf(p.vector.slice(0, dim))).join(',')}],"payloads":[${points.map((p) => literalOf(p.payload ?? null)).join(',')}]}}`;
        const batch = await readUpsertBody(batchText);
        if (batch !== undefined) {
          const plain = generalParse(batchText) as { batch: { ids: unknown[]; vectors: number[][]; payloads: unknown[] } };
          validateBody('upsert_points', plain);
          checkExactIntegers(plain);
          assert.deepEqual(batch.ids, plain.batch.ids.map((id) => parsePointId(id)));
          assert.deepEqual(batch.payloads, plain.batch.payloads);
          plain.batch.vectors.forEach((v, i) => assert.deepEqual([...batch.row(i)], v.map(Math.fround)));
        }
        const scanned = await readUpsertBody(text);
        if (scanned === undefined) return;
        read++;
        const body = generalParse(text) as { points: Array<{ id: unknown; vector: number[]; payload?: unknown }> };
        validateBody('upsert_points', body);
        checkExactIntegers(body);
        assert.deepEqual(scanned.ids, body.points.map((p) => parsePointId(p.id)));
        assert.deepEqual(scanned.payloads, body.points.map((p) => p.payload ?? null));
        body.points.forEach((p, i) => assert.deepEqual([...scanned.row(i)], p.vector.map(Math.fround)));
      }),
      { numRuns: 1500 },
    );
    assert.ok(read > 100, `${read} bodies read`);
  });
});
