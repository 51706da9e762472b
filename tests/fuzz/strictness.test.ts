/**
 * Fuzz properties for issue 16's strictness rules, through the REST layer:
 * - a JWT whose claims repeat a key (anywhere, with any values) is refused with 401 `Invalid API key or JWT`;
 * - every non-canonical base64url spelling of a valid token is refused the same way, while the token itself works;
 * - a payload with keys of any spelling and integers of any i64 / u64 value comes back byte-exactly (integers beyond
 *   ±2^53−1 as their exact digits, as Qdrant keeps them; the response is read with exact parsing, not JSON.parse).
 * `QUIVER_FUZZ_RUNS` scales the runs (default 100). The properties run again with encryption at rest on (issue 17;
 * a quarter of the runs): the payloads then round-trip through the encrypted store.
 */
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { encryptedStorageEnv, startTestApp, type TestApp } from '../support/app.js';
import { nonCanonicalSpellings, signRawJwt } from '../support/jwt-variants.js';
import { oddExactPayload, oddKey } from '../support/odd-json.js';
import { parseExactJson, stringifyJson } from '../../src/exact-json.js';

const KEY = 'fuzz-strictness-admin-key-0123456789abcdef';
const ALL_RUNS = Number(process.env['QUIVER_FUZZ_RUNS'] ?? 100);
const VARIANTS = [
  { name: 'storage as configured by the run', runs: ALL_RUNS, env: (): Record<string, string> => ({}) },
  { name: 'encryption at rest', runs: Math.ceil(ALL_RUNS / 4), env: encryptedStorageEnv },
];
const INVALID = 'Invalid API key or JWT';

/** Claims Qdrant accepts, as JSON text. */
const claimsText = fc
  .record({
    access: fc.oneof(fc.constantFrom('r', 'm'), fc.constant([{ collection: 'c', access: 'rw' }])),
    exp: fc.integer({ min: 4_000_000_000, max: 5_000_000_000 }),
    subject: fc.string({ maxLength: 12 }),
  }, { requiredKeys: [] })
  .map((c) => JSON.stringify(c));

/** The same claims with one key written twice (a claim or a key nested in one), values of any kind. */
const duplicated = fc.tuple(claimsText, fc.oneof(fc.constantFrom('access', 'exp', 'subject', 'sub', 'value_exists'), oddKey), fc.jsonValue(), fc.jsonValue(), fc.boolean()).map(([text, key, a, b, nested]) => {
  const k = JSON.stringify(key);
  const dup = `{${k}:${JSON.stringify(a)},${k}:${JSON.stringify(b)}}`;
  const inner = text === '{}' ? '' : `,${text.slice(1, -1)}`;
  return nested ? `{"x":${dup}${inner}}` : `${dup.slice(0, -1)}${inner}}`;
});

for (const variant of VARIANTS) void describe(`strictness fuzz (${variant.name})`, () => {
  const RUNS = variant.runs;
  let app: TestApp;
  before(async () => {
    app = await startTestApp({ QDRANT__SERVICE__API_KEY: KEY, QDRANT__SERVICE__JWT_RBAC: 'true', ...variant.env() });
    assert.equal((await app.request('PUT', '/collections/c', { vectors: { size: 1, distance: 'Dot' } }, { 'api-key': KEY })).status, 200);
  });
  after(() => app.destroy());

  const get = (token: string) => app.app.inject({ method: 'GET', url: '/collections', headers: { authorization: `Bearer ${token}` } });

  void it('refuses every token with a repeated claim key', async () => {
    await fc.assert(
      fc.asyncProperty(duplicated, async (text) => {
        const r = await get(signRawJwt(text, KEY));
        assert.equal(r.statusCode, 401, text);
        assert.equal(r.body, INVALID);
      }),
      { numRuns: RUNS },
    );
  });

  void it('accepts a valid token and refuses each of its non-canonical spellings', async () => {
    await fc.assert(
      fc.asyncProperty(claimsText, async (text) => {
        const token = signRawJwt(text, KEY);
        assert.equal((await get(token)).statusCode, 200, text);
        for (const variant of nonCanonicalSpellings(token)) {
          const r = await get(variant);
          assert.equal(r.statusCode, 401, variant);
          assert.equal(r.body, INVALID);
        }
      }),
      { numRuns: RUNS },
    );
  });

  void it('returns payloads with keys of any spelling and integers of any i64 / u64 value byte-exactly', async () => {
    let id = 0;
    await fc.assert(
      fc.asyncProperty(oddExactPayload, async (payload) => {
        id++;
        const text = stringifyJson(payload);
        const put = await app.request('PUT', '/collections/c/points?wait=true', `{"points":[{"id":${id},"vector":[1],"payload":${text}}]}`, { 'api-key': KEY });
        assert.equal(put.status, 200, put.text);
        const got = await app.request('POST', '/collections/c/points', { ids: [id], with_payload: true }, { 'api-key': KEY });
        assert.equal(got.status, 200, got.text);
        const back = (parseExactJson(got.text) as { result: Array<{ payload: unknown }> }).result[0]!.payload;
        assert.equal(stringifyJson(back), stringifyJson(parseExactJson(text)));
      }),
      { numRuns: RUNS },
    );
  });
});
