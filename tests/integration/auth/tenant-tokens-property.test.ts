/**
 * Issue 17 §1, the property: a tenant token can neither read, infer nor change anything outside its filter.
 *
 * The reference model is differential: beside the shared collection `d` (tenants a, b and c, plus points of a
 * tenant `z` no token has), each tenant has a private shadow collection holding exactly its points, driven with an
 * unrestricted key. Random sequences of reads and writes run as random tenants over every point route:
 * - a read on `d` as tenant x must answer exactly what the same read answers on x's shadow (status, error text,
 *   points, payloads, vectors, scores, counts, facets, groups, matrices; only `time`, `version` and
 *   `operation_id` may differ), so nothing in the answer depends on another tenant's points;
 * - a write on `d` as tenant x must do what it does on x's shadow, unless it would leave a point outside the
 *   tenant or take over an id another tenant holds: then it is refused (403) and changes nothing;
 * - after every step, each tenant's points in `d` (read with the admin key) equal its shadow's, and `z`'s points
 *   are untouched.
 */
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { startTestApp, type TestApp } from '../../support/app.js';
import { jwt } from '../../support/access-oracle.js';

const KEY = 'tenant-property-admin-key-0123456789abcdef';
const RUNS = Number(process.env['QUIVER_TENANT_PROPERTY_RUNS'] ?? 25);
const TENANTS = ['a', 'b', 'c'] as const;
type Tenant = (typeof TENANTS)[number];
const CONFIG = { vectors: { size: 2, distance: 'Dot' }, sparse_vectors: { s: { modifier: 'idf' } } };
const ADMIN = { 'api-key': KEY };
/** The collection name placeholder in generated bodies (`lookup_from`, `with_lookup`). */
const SELF = '$SELF';

type Req = { readonly method: string; readonly path: string; readonly body?: unknown };

// ---------------------------------------------------------------- generators

const id = fc.integer({ min: 1, max: 10 });
const ids = fc.uniqueArray(id, { minLength: 1, maxLength: 3 });
const coord = fc.integer({ min: -1000, max: 1000 }).map((n) => n / 997 + 0.0001);
const dense = fc.tuple(coord, coord);
const sparse = fc.uniqueArray(fc.integer({ min: 0, max: 6 }), { minLength: 1, maxLength: 3 })
  .chain((indices) => fc.array(coord, { minLength: indices.length, maxLength: indices.length }).map((values) => ({ indices, values })));
const tag = fc.constantFrom('p', 'q', 'r');
const tenantValue = (own: Tenant): fc.Arbitrary<string> => fc.oneof({ weight: 5, arbitrary: fc.constant(own) }, { weight: 1, arbitrary: fc.constantFrom('a', 'b', 'c', 'z') });
const vectorOf = fc.record({ '': dense, s: sparse }, { requiredKeys: [''] });
const filter = fc.oneof(
  fc.record({ must: fc.tuple(fc.record({ key: fc.constant('tag'), match: fc.record({ value: tag }) })) }),
  fc.integer({ min: 0, max: 9 }).map((n) => ({ must: [{ key: 'n', range: { lt: n } }] })),
  ids.map((has) => ({ must: [{ has_id: has }] })),
  fc.constant({}),
);
const maybeFilter = fc.option(filter, { nil: undefined });
const query = fc.oneof(dense, id, sparse.map((q) => ({ q })));
const limit = fc.integer({ min: 1, max: 6 });

function point(own: Tenant): fc.Arbitrary<unknown> {
  return fc.record({ id, vector: vectorOf, payload: fc.record({ tenant: tenantValue(own), n: fc.integer({ min: 0, max: 9 }), tag }) });
}

const P = '/collections/{c}/points';

/** Every point read route, with bodies that exercise filters, ids, lookups, prefetch and groups. */
const read: fc.Arbitrary<Req> = fc.oneof(
  id.map((i) => ({ method: 'GET', path: `${P}/${i}` })),
  fc.record({ ids, with_vector: fc.boolean() }).map((body) => ({ method: 'POST', path: P, body })),
  fc.record({ filter: maybeFilter, limit, offset: fc.option(id, { nil: undefined }), with_vector: fc.boolean() }).map((body) => ({ method: 'POST', path: `${P}/scroll`, body })),
  fc.record({ filter: maybeFilter, exact: fc.boolean() }).map((body) => ({ method: 'POST', path: `${P}/count`, body })),
  fc.record({ key: fc.constantFrom('tag', 'tenant'), filter: maybeFilter, exact: fc.boolean() }).map((body) => ({ method: 'POST', path: '/collections/{c}/facet', body })),
  fc.record({ vector: dense, filter: maybeFilter, limit, with_payload: fc.constant(true) }).map((body) => ({ method: 'POST', path: `${P}/search`, body })),
  fc.tuple(dense, dense, maybeFilter).map(([v, w, f]) => ({ method: 'POST', path: `${P}/search/batch`, body: { searches: [{ vector: v, limit: 3, filter: f }, { vector: w, limit: 2 }] } })),
  fc.record({ vector: dense, group_by: fc.constant('tag'), limit: fc.constant(3), group_size: fc.constant(2), with_lookup: fc.constant(SELF) }).map((body) => ({ method: 'POST', path: `${P}/search/groups`, body })),
  fc.record({ positive: ids, negative: fc.array(id, { maxLength: 1 }), limit, filter: maybeFilter }).map((body) => ({ method: 'POST', path: `${P}/recommend`, body })),
  fc.record({ positive: ids, limit, lookup_from: fc.constant({ collection: SELF }) }).map((body) => ({ method: 'POST', path: `${P}/recommend/batch`, body: { searches: [body] } })),
  fc.record({ positive: ids, group_by: fc.constant('tag'), limit: fc.constant(2), group_size: fc.constant(2) }).map((body) => ({ method: 'POST', path: `${P}/recommend/groups`, body })),
  fc.record({ target: fc.oneof(id, dense), context: fc.tuple(fc.record({ positive: id, negative: id })), limit }).map((body) => ({ method: 'POST', path: `${P}/discover`, body })),
  fc.record({ target: id, context: fc.tuple(fc.record({ positive: dense, negative: id })), limit }).map((body) => ({ method: 'POST', path: `${P}/discover/batch`, body: { searches: [body] } })),
  fc.tuple(query, maybeFilter, limit).map(([q, f, l]) => ({
    method: 'POST', path: `${P}/query`,
    body: typeof q === 'object' && !Array.isArray(q) ? { query: q.q, using: 's', filter: f, limit: l } : { query: q, filter: f, limit: l, with_payload: true },
  })),
  // Sparse with IDF: document frequencies must count the tenant's points only.
  fc.tuple(sparse, limit).map(([q, l]) => ({ method: 'POST', path: `${P}/query`, body: { query: q, using: 's', limit: l } })),
  fc.tuple(dense, dense, limit).map(([v, w, l]) => ({ method: 'POST', path: `${P}/query`, body: { prefetch: { query: v, limit: 4 }, query: w, limit: l } })),
  fc.tuple(dense, id).map(([v, i]) => ({ method: 'POST', path: `${P}/query/batch`, body: { searches: [{ query: v, limit: 2 }, { query: { recommend: { positive: [i] } }, limit: 2 }] } })),
  fc.record({ query: fc.constant(undefined), filter: maybeFilter, limit }).map((body) => ({ method: 'POST', path: `${P}/query`, body })),
  dense.map((v) => ({ method: 'POST', path: `${P}/query/groups`, body: { query: v, group_by: 'tag', limit: 3, group_size: 2, with_lookup: { collection: SELF } } })),
  fc.record({ filter: maybeFilter }).map((body) => ({ method: 'POST', path: `${P}/search/matrix/pairs`, body: { ...body, sample: 20, limit: 3 } })),
  fc.record({ filter: maybeFilter }).map((body) => ({ method: 'POST', path: `${P}/search/matrix/offsets`, body: { ...body, sample: 20, limit: 3 } })),
);

const selector = fc.oneof(ids.map((points) => ({ points })), filter.map((f) => ({ filter: f })));

/** Every point write route, as tenant `own`. */
function write(own: Tenant): fc.Arbitrary<Req> {
  const upsert = fc.array(point(own), { minLength: 1, maxLength: 3 }).map((points) => ({ points: dedupe(points) }));
  return fc.oneof(
    upsert.map((body) => ({ method: 'PUT', path: `${P}?wait=true`, body })),
    selector.map((body) => ({ method: 'POST', path: `${P}/delete?wait=true`, body })),
    fc.tuple(ids, vectorOf).map(([is, vector]) => ({ method: 'PUT', path: `${P}/vectors?wait=true`, body: { points: is.map((i) => ({ id: i, vector })) } })),
    selector.map((body) => ({ method: 'POST', path: `${P}/vectors/delete?wait=true`, body: { ...body, vector: ['s'] } })),
    fc.tuple(selector, fc.oneof(tag.map((t) => ({ tag: t })), tenantValue(own).map((t) => ({ tenant: t })))).map(([s, payload]) => ({ method: 'POST', path: `${P}/payload?wait=true`, body: { ...s, payload } })),
    fc.tuple(selector, tenantValue(own), tag).map(([s, tenant, t]) => ({ method: 'PUT', path: `${P}/payload?wait=true`, body: { ...s, payload: { tenant, tag: t } } })),
    fc.tuple(selector, fc.constantFrom(['tag'], ['tenant'], ['n'])).map(([s, keys]) => ({ method: 'POST', path: `${P}/payload/delete?wait=true`, body: { ...s, keys } })),
    selector.map((body) => ({ method: 'POST', path: `${P}/payload/clear?wait=true`, body })),
    fc.tuple(upsert, selector).map(([u, s]) => ({ method: 'POST', path: `${P}/batch?wait=true`, body: { operations: [{ upsert: u }, { set_payload: { ...s, payload: { tag: 'q' } } }] } })),
  );
}

function dedupe(points: unknown[]): unknown[] {
  const byId = new Map<number, unknown>();
  for (const p of points) byId.set((p as { id: number }).id, p);
  return [...byId.values()];
}

/** The ids a write body upserts (plain or in a batch). */
function upsertedIds(body: unknown): number[] {
  const b = body as { points?: Array<{ id: unknown }>; operations?: Array<{ upsert?: { points: Array<{ id: number }> } }> };
  const direct = Array.isArray(b.points) ? b.points.filter((p) => typeof p === 'object').map((p) => p.id as number) : [];
  return [...direct, ...(b.operations ?? []).flatMap((o) => o.upsert?.points.map((p) => p.id) ?? [])];
}

const step = fc.constantFrom(...TENANTS).chain((tenant) => fc.oneof(
  { weight: 3, arbitrary: read.map((req) => ({ tenant, kind: 'read' as const, req })) },
  { weight: 2, arbitrary: write(tenant).map((req) => ({ tenant, kind: 'write' as const, req })) },
));

// ---------------------------------------------------------------- comparison

/** An answer without what legitimately differs between two collections: timing, versions, operation ids. */
function normalize(path: string, status: number, body: unknown): unknown {
  const strip = (v: unknown): unknown => {
    if (Array.isArray(v)) return v.map(strip);
    if (v === null || typeof v !== 'object') return v;
    const out: Record<string, unknown> = {};
    for (const [k, x] of Object.entries(v)) if (k !== 'time' && k !== 'version' && k !== 'operation_id') out[k] = strip(x);
    return out;
  };
  const b = strip(body) as { result?: unknown };
  // A matrix samples its points in storage order: compare it as a set of scored pairs.
  if (status === 200 && path.endsWith('/matrix/pairs')) {
    const pairs = (b.result as { pairs: Array<{ a: unknown; b: unknown; score: number }> }).pairs;
    return pairs.map((p) => JSON.stringify([p.a, p.b, p.score])).sort();
  }
  if (status === 200 && path.endsWith('/matrix/offsets')) {
    const r = b.result as { offsets_row: number[]; offsets_col: number[]; scores: number[]; ids: unknown[] };
    return r.scores.map((s, i) => JSON.stringify([r.ids[r.offsets_row[i]!], r.ids[r.offsets_col[i]!], s])).sort();
  }
  return { status, b };
}

function on(req: Req, collection: string): Req {
  const path = req.path.replace('{c}', collection);
  const body = req.body === undefined ? undefined : JSON.parse(JSON.stringify(req.body).replaceAll(SELF, collection)) as unknown;
  return { method: req.method, path, body };
}

describe('tenant tokens: non-interference property', () => {
  let app: TestApp;
  const tokens = new Map<Tenant, Record<string, string>>();
  const tenantFilter = (t: string): unknown => ({ must: [{ key: 'tenant', match: { value: t } }] });

  before(async () => {
    app = await startTestApp({ QDRANT__SERVICE__API_KEY: KEY, QDRANT__SERVICE__JWT_RBAC: 'true' });
    for (const t of TENANTS) {
      const token = await jwt({ access: [{ collection: 'd', access: 'rw', tenant_filter: tenantFilter(t) }] }, KEY);
      tokens.set(t, { authorization: `Bearer ${token}` });
    }
  });
  after(() => app.destroy());

  const send = async (req: Req, headers: Record<string, string>): Promise<{ status: number; body: any; text: string }> => {
    const r = await app.request(req.method, req.path, req.body, headers);
    assert.ok(r.status < 500, `${req.method} ${req.path}: ${r.status} ${r.text}`);
    return r;
  };
  const admin = (method: string, path: string, body?: unknown): Promise<{ status: number; body: any; text: string }> => send({ method, path, body }, ADMIN);
  /** Every point of `collection` with `filter`, by id, as stored (read with the admin key). */
  const dump = async (collection: string, f?: unknown): Promise<string> => {
    const r = await admin('POST', `/collections/${collection}/points/scroll`, { limit: 1000, with_vector: true, with_payload: true, filter: f });
    assert.equal(r.status, 200, r.text);
    return JSON.stringify(r.body.result.points);
  };

  const reset = async (): Promise<string> => {
    for (const name of ['d', ...TENANTS.map((t) => `shadow-${t}`)]) {
      await admin('DELETE', `/collections/${name}`);
      assert.equal((await admin('PUT', `/collections/${name}`, CONFIG)).status, 200);
      for (const field of ['tenant', 'tag']) await admin('PUT', `/collections/${name}/index?wait=true`, { field_name: field, field_schema: 'keyword' });
    }
    // Two points per tenant, in d and in its shadow; and points of a tenant no token has (z), which must never be
    // read, counted or changed.
    const seed = (i: number, tenant: string): unknown => ({
      id: i, vector: { '': [Math.sin(i) + 0.01, Math.cos(i * 1.3) + 0.01], s: { indices: [i % 3, 3 + (i % 4)], values: [0.5, i / 8] } }, payload: { tenant, n: i % 10, tag: 'pqr'[i % 3] },
    });
    for (const [k, t] of TENANTS.entries()) {
      const points = [2 * k + 1, 2 * k + 2].map((i) => seed(i, t));
      for (const name of ['d', `shadow-${t}`]) assert.equal((await admin('PUT', `/collections/${name}/points?wait=true`, { points })).status, 200);
    }
    assert.equal((await admin('PUT', '/collections/d/points?wait=true', { points: [9, 10].map((i) => seed(i, 'z')) })).status, 200);
    return dump('d', tenantFilter('z'));
  };

  /** A tenant's points in `d` and in its shadow (read with the admin key), which must always agree. */
  const checkStores = async (zBefore: string): Promise<void> => {
    for (const t of TENANTS) assert.equal(await dump('d', tenantFilter(t)), await dump(`shadow-${t}`), `tenant ${t}'s points in d differ from its shadow`);
    assert.equal(await dump('d', tenantFilter('z')), zBefore, 'the points of tenant z changed');
    const all = (await admin('POST', '/collections/d/points/count', { exact: true })).body.result.count as number;
    let owned = 0;
    for (const t of [...TENANTS, 'z']) owned += (await admin('POST', '/collections/d/points/count', { filter: tenantFilter(t), exact: true })).body.result.count as number;
    assert.equal(all, owned, 'd holds a point outside every tenant');
  };

  /** The tenant (a, b, c or z) holding each id of `d` now. */
  const owners = async (): Promise<Map<number, string>> => {
    const r = await admin('POST', '/collections/d/points/scroll', { limit: 1000, with_payload: ['tenant'] });
    return new Map((r.body.result.points as Array<{ id: number; payload: { tenant: string } }>).map((p) => [p.id, p.payload.tenant]));
  };

  it('no tenant token reads, infers or changes anything outside its filter, over random operation sequences', async () => {
    await fc.assert(fc.asyncProperty(fc.array(step, { minLength: 1, maxLength: 14 }), async (steps) => {
      const zBefore = await reset();
      for (const s of steps) {
        const shadow = `shadow-${s.tenant}`;
        const asTenant = tokens.get(s.tenant)!;
        const where = `${s.tenant} ${s.req.method} ${s.req.path} ${JSON.stringify(s.req.body)}`;
        if (s.kind === 'read') {
          const expected = await send(on(s.req, shadow), ADMIN);
          const got = await send(on(s.req, 'd'), asTenant);
          assert.deepEqual(normalize(s.req.path, got.status, got.body ?? got.text), normalize(s.req.path, expected.status, expected.body ?? expected.text), where);
          continue;
        }
        const held = await owners();
        const takesOver = upsertedIds(s.req.body).some((i) => held.has(i) && held.get(i) !== s.tenant);
        const shadowBefore = await dump(shadow);
        const expected = await send(on(s.req, shadow), ADMIN);
        const leaves = expected.status === 200 && (JSON.parse(await dump(shadow)) as Array<{ payload: { tenant?: unknown } | null }>).some((p) => p.payload?.tenant !== s.tenant);
        const dBefore = await dump('d');
        const got = await send(on(s.req, 'd'), asTenant);
        if (expected.status === 200 && (leaves || takesOver)) {
          assert.equal(got.status, 403, `${where}: should be refused, got ${got.status} ${got.text}`);
          assert.equal(got.body.status.error, 'Forbidden: Points written with this token must match its tenant filter', where);
          assert.equal(await dump('d'), dBefore, `${where}: a refused write changed d`);
          // Put the shadow back: the write is refused on d, so it must not count in the model either.
          await admin('POST', `/collections/${shadow}/points/delete?wait=true`, { filter: {} });
          const points = JSON.parse(shadowBefore) as unknown[];
          if (points.length > 0) assert.equal((await admin('PUT', `/collections/${shadow}/points?wait=true`, { points })).status, 200);
        } else {
          assert.deepEqual(normalize(s.req.path, got.status, got.body ?? got.text), normalize(s.req.path, expected.status, expected.body ?? expected.text), where);
        }
        await checkStores(zBefore);
      }
    }), { numRuns: RUNS });
  });
});
