/**
 * Property: every route of the query family answers schema-generated and query-shaped random bodies
 * without a 5xx, with a body that matches Qdrant's OpenAPI schema (200 or an error envelope).
 * Query-shaped bodies cover every variant, prefetch trees, formulas, groups and lookups.
 */
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { startTestApp, type TestApp } from '../../support/app.js';
import { responseMismatch } from '../../support/openapi.js';
import { FIXTURE, denseVector, filter, fixtureRequests, payloadKey, plainNumber, schemaBody, sparseVector, validPointId } from '../../support/generators.js';
import spec from '../../../src/api/rest/schemas/openapi.gen.json' with { type: 'json' };

const RUNS = Number(process.env['QUIVER_QUERY_FUZZ_RUNS'] ?? 60);
const operations = spec.operations as unknown as Record<string, { path: string }>;

const OPS = [
  'query_points', 'query_batch_points', 'query_points_groups',
  'search_points', 'search_batch_points', 'search_point_groups',
  'recommend_points', 'recommend_batch_points', 'recommend_point_groups',
  'discover_points', 'discover_batch_points', 'search_matrix_pairs', 'search_matrix_offsets',
] as const;

const input = fc.oneof({ weight: 6, arbitrary: fc.integer({ min: 1, max: 24 }) }, { weight: 2, arbitrary: validPointId }, { weight: 6, arbitrary: denseVector(FIXTURE.dim) }, { weight: 1, arbitrary: sparseVector });
const pair = fc.record({ positive: input, negative: input });
const expr: fc.Arbitrary<unknown> = fc.letrec<{ e: unknown }>((tie) => ({
  e: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    plainNumber,
    fc.constantFrom('$score', '$score[1]', '$score[7]', '$nope', 'count', 'price', 'city', 'nested.a'),
    fc.record({ sum: fc.array(tie('e'), { maxLength: 3 }) }),
    fc.record({ mult: fc.array(tie('e'), { maxLength: 3 }) }),
    fc.record({ div: fc.record({ left: tie('e'), right: tie('e'), by_zero_default: plainNumber }, { requiredKeys: ['left', 'right'] }) }),
    fc.record({ pow: fc.record({ base: tie('e'), exponent: tie('e') }) }),
    fc.tuple(fc.constantFrom('neg', 'abs', 'sqrt', 'exp', 'ln', 'log10'), tie('e')).map(([k, e]) => ({ [k]: e })),
    fc.record({ exp_decay: fc.record({ x: tie('e'), target: tie('e'), scale: plainNumber, midpoint: plainNumber }, { requiredKeys: ['x'] }) }),
    fc.record({ gauss_decay: fc.record({ x: tie('e'), scale: plainNumber }, { requiredKeys: ['x'] }) }),
    fc.record({ lin_decay: fc.record({ x: tie('e'), midpoint: plainNumber }, { requiredKeys: ['x'] }) }),
    fc.record({ geo_distance: fc.record({ origin: fc.record({ lat: fc.double({ min: -90, max: 90, noNaN: true }), lon: fc.double({ min: -180, max: 180, noNaN: true }) }), to: payloadKey }) }),
    fc.record({ datetime_key: payloadKey }),
    fc.record({ key: payloadKey, match: fc.record({ value: fc.constantFrom('Berlin', 3, true) }) }),
  ),
})).e;
const query = fc.oneof(
  input,
  fc.record({ nearest: input, mmr: fc.record({ diversity: fc.double({ min: 0, max: 1, noNaN: true }), candidates_limit: fc.integer({ min: 0, max: 40 }) }, { requiredKeys: [] }) }, { requiredKeys: ['nearest'] }),
  fc.record({ recommend: fc.record({ positive: fc.array(input, { maxLength: 3 }), negative: fc.array(input, { maxLength: 3 }), strategy: fc.constantFrom('average_vector', 'best_score', 'sum_scores') }, { requiredKeys: [] }) }),
  fc.record({ discover: fc.record({ target: input, context: fc.array(pair, { maxLength: 3 }) }) }),
  fc.record({ context: fc.oneof(pair, fc.array(pair, { maxLength: 3 })) }),
  fc.record({ relevance_feedback: fc.record({ target: input, feedback: fc.array(fc.record({ example: input, score: plainNumber }), { maxLength: 4 }), strategy: fc.record({ naive: fc.record({ a: plainNumber, b: fc.double({ min: 0, max: 3, noNaN: true }), c: plainNumber }) }) }) }),
  fc.record({ order_by: fc.oneof(payloadKey, fc.record({ key: payloadKey, direction: fc.constantFrom('asc', 'desc'), start_from: plainNumber }, { requiredKeys: ['key'] })) }),
  fc.record({ fusion: fc.constantFrom('rrf', 'dbsf') }),
  fc.record({ rrf: fc.record({ k: fc.integer({ min: 1, max: 100 }), weights: fc.array(plainNumber, { maxLength: 3 }) }, { requiredKeys: [] }) }),
  fc.record({ formula: expr, defaults: fc.dictionary(fc.constantFrom('count', '$score', '$score[1]', 'price'), plainNumber) }, { requiredKeys: ['formula'] }),
  fc.record({ sample: fc.constant('random') }),
);
/** `a` one time in `1 + rarity`, else absent. */
function maybe<T>(a: fc.Arbitrary<T>, rarity = 3): fc.Arbitrary<T | undefined> {
  return fc.oneof({ weight: rarity, arbitrary: fc.constant(undefined) }, { weight: 1, arbitrary: a });
}

function defined(o: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined));
}

/** A QueryRequest / Prefetch tree on vector `using` (undefined: the default vector). */
function stageOn(using: string | undefined): fc.Arbitrary<Record<string, unknown>> {
  return fc.letrec<{ s: Record<string, unknown> }>((tie) => ({
    s: fc
      .record({
        prefetch: fc.oneof({ depthSize: 'small' }, fc.constant(undefined), tie('s'), fc.array(tie('s'), { minLength: 1, maxLength: 3 })),
        query: fc.oneof({ weight: 8, arbitrary: query }, { weight: 1, arbitrary: fc.constant(undefined) }),
        filter: maybe(filter, 6),
        limit: maybe(fc.integer({ min: 1, max: 40 }), 1),
        score_threshold: maybe(plainNumber, 6),
        params: maybe(fc.record({ hnsw_ef: fc.integer({ min: 0, max: 200 }), exact: fc.boolean(), indexed_only: fc.boolean() }, { requiredKeys: [] })),
        lookup_from: maybe(fc.record({ collection: fc.constantFrom(FIXTURE.collection, FIXTURE.named), vector: fc.constantFrom('', 'img') }, { requiredKeys: ['collection'] }), 8),
      })
      .map((o) => {
        const out = defined(o);
        const q = out['query'];
        const fusion = typeof q === 'object' && q !== null && ('fusion' in q || 'rrf' in q);
        if (using !== undefined && !fusion) out['using'] = using;
        return out;
      }),
  })).s;
}

function rootOn(using: string | undefined): fc.Arbitrary<Record<string, unknown>> {
  const extra = fc.record({ offset: maybe(fc.integer({ min: 0, max: 30 })), with_payload: maybe(fc.boolean(), 1), with_vector: maybe(fc.boolean(), 1) });
  return fc.tuple(stageOn(using), extra).map(([s, o]) => ({ ...s, ...defined(o) }));
}

function groupsOn(using: string | undefined): fc.Arbitrary<Record<string, unknown>> {
  const g = fc.record({ group_by: fc.oneof(fc.constantFrom('city', 'count', 'uid', 'flag'), payloadKey), group_size: maybe(fc.integer({ min: 1, max: 5 }), 1), with_lookup: maybe(fc.constantFrom(FIXTURE.collection, FIXTURE.named)) });
  return fc.tuple(rootOn(using), g).map(([r, o]) => ({ ...r, ...defined(o) }));
}

describe('query family fuzz', () => {
  let app: TestApp;
  before(async () => {
    app = await startTestApp();
    for (const [method, url, body] of fixtureRequests()) {
      const r = await app.request(method, url, body);
      assert.ok(r.status < 300, `${url}: ${r.text}`);
    }
  });
  after(async () => {
    await app.destroy();
  });

  async function check(op: string, collection: string, body: unknown): Promise<void> {
    const url = operations[op]!.path.replace('{collection_name}', collection);
    const r = await app.request('POST', url, body);
    assert.ok(r.status < 500, `${op} ${JSON.stringify(body)} → ${r.status} ${r.text}`);
    const problem = responseMismatch(op, r.status, r.body);
    assert.equal(problem, null, `${op} ${JSON.stringify(body)} → ${r.status}: ${problem}`);
  }

  it('never answers 5xx and always matches the schema', async () => {
    const collections = fc.constantFrom(FIXTURE.collection, FIXTURE.named);
    for (const op of OPS) {
      const bodies = schemaBody(op);
      if (bodies !== undefined) await fc.assert(fc.asyncProperty(collections, bodies, (c, b) => check(op, c, b)), { numRuns: Math.ceil(RUNS / 2) });
    }
    for (const [c, using] of [[FIXTURE.collection, undefined], [FIXTURE.named, 'img']] as const) {
      const weight = c === FIXTURE.collection ? 4 : 1;
      await fc.assert(fc.asyncProperty(rootOn(using), (b) => check('query_points', c, b)), { numRuns: RUNS * 3 * weight });
      await fc.assert(fc.asyncProperty(fc.array(rootOn(using), { maxLength: 3 }), (b) => check('query_batch_points', c, { searches: b })), { numRuns: RUNS * weight });
      await fc.assert(fc.asyncProperty(groupsOn(using), (b) => check('query_points_groups', c, b)), { numRuns: RUNS * weight });
    }
  });
});
