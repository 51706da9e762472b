/**
 * fast-check generators for the REST fuzz suite (tests/fuzz/rest.test.ts): requests for every route of
 * `ALL_ROUTES` with valid and invalid credentials, path parameters, query strings, headers and bodies.
 *
 * Bodies come from four sources, mixed:
 * - domain bodies: shaped for the fuzz fixture (the right vector sizes, known payload keys, filters over
 *   indexed fields), so that many writes succeed and later requests see changed state;
 * - schema bodies: generated from the operation's request schema in `openapi.gen.json` (valid as far as
 *   the schema goes, random in meaning);
 * - mutated bodies: a documented or domain body with one subtree replaced by something odd, a key
 *   dropped or an unknown key added;
 * - junk: random JSON and raw texts that are not JSON at all (truncated, nested too deep, NUL bytes).
 *
 * New features add generators here: a new route is covered from the spec as soon as it is in ALL_ROUTES; a
 * `domainBody` case (or a `searchBodies` entry) makes its bodies meaningful for the fixture. Snapshot routes
 * use the spec's bodies only.
 */
import fc from 'fast-check';
import { oddPayload } from './odd-json.js';
import spec from '../../src/api/rest/schemas/openapi.gen.json' with { type: 'json' };
import { ALL_ROUTES } from '../../src/api/rest/routes/index.js';
import type { RouteRow } from '../../src/api/rest/route-table.js';
import { DOCUMENTED_REQUEST_BODIES } from './openapi.js';

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
type Schema = Record<string, unknown> | boolean;

// ------------------------------------------------------------------------------------------- fixture

/** The state every fuzz run starts from (see `fixtureRequests`). */
export const FIXTURE = {
  /** Single unnamed dense vector, Cosine, with payload indexes. */
  collection: 'fz',
  /**
   * Named vectors, with the names of Qdrant's documentation: dense `image` (4, Dot), dense `text` (3, Euclid),
   * sparse `sp`, multivector `multi` (2).
   */
  named: 'fz_named',
  alias: 'fz_alias',
  /** A name that never exists. */
  missing: 'fz_missing',
  dim: 4,
  indexes: [
    ['city', 'keyword'],
    ['count', 'integer'],
    ['price', 'float'],
    ['flag', 'bool'],
    ['location', 'geo'],
    ['created', 'datetime'],
    ['description', 'text'],
    ['uid', 'uuid'],
  ] as ReadonlyArray<readonly [string, string]>,
  seedUuids: ['5c56c793-69f3-4fbf-87e6-c4bf54c28c26', 'a2f4d6c8-0000-4000-8000-000000000001', '00000000-0000-0000-0000-000000000000'],
} as const;

const CITIES = ['Berlin', 'London', 'Moscow', 'Paris', 'Tokyo'] as const;

/** Deterministic seed points of the fixture collection. */
export function fixturePoints(): Array<{ id: number | string; vector: number[]; payload: Record<string, Json> }> {
  const ids: Array<number | string> = [...Array.from({ length: 24 }, (_, i) => i + 1), ...FIXTURE.seedUuids];
  return ids.map((id, i) => ({
    id,
    vector: [((i * 7) % 11) - 5, ((i * 3) % 5) + 1, (i % 4) - 1.5, 0.25 * i],
    payload: {
      city: i % 5 === 0 ? [CITIES[i % 5]!, CITIES[(i + 1) % 5]!] : CITIES[i % 5]!,
      count: i % 6,
      price: 10.5 * i,
      flag: i % 2 === 0,
      location: { lon: 13.4 + i / 100, lat: 52.5 - i / 100 },
      created: `2024-01-${String((i % 28) + 1).padStart(2, '0')}T10:00:00Z`,
      description: i % 3 === 0 ? 'good cheap food' : 'expensive but good',
      uid: FIXTURE.seedUuids[i % FIXTURE.seedUuids.length]!,
      nested: { a: i, diet: [{ food: i % 2 === 0 ? 'meat' : 'fish', likes: i % 3 === 0 }] },
      ...(i % 4 === 0 ? { reports: [] } : {}),
    },
  }));
}

/** The requests that build the fixture on an empty node, in order: [method, url, body]. */
export function fixtureRequests(): Array<[string, string, unknown]> {
  const out: Array<[string, string, unknown]> = [
    ['PUT', `/collections/${FIXTURE.collection}`, { vectors: { size: FIXTURE.dim, distance: 'Cosine' } }],
    ['PUT', `/collections/${FIXTURE.named}`, {
      vectors: { image: { size: 4, distance: 'Dot' }, text: { size: 3, distance: 'Euclid' }, multi: { size: 2, distance: 'Cosine', multivector_config: { comparator: 'max_sim' } } },
      sparse_vectors: { sp: {} },
    }],
    ['POST', '/collections/aliases', { actions: [{ create_alias: { collection_name: FIXTURE.collection, alias_name: FIXTURE.alias } }] }],
  ];
  for (const [field, schema] of FIXTURE.indexes) out.push(['PUT', `/collections/${FIXTURE.collection}/index?wait=true`, { field_name: field, field_schema: schema }]);
  out.push(['PUT', `/collections/${FIXTURE.collection}/points?wait=true`, { points: fixturePoints() }]);
  out.push(['PUT', `/collections/${FIXTURE.named}/points?wait=true`, {
    points: [
      { id: 1, vector: { image: [1, 0, 0, 0], text: [1, 2, 3], sp: { indices: [1, 5], values: [0.5, 0.25] }, multi: [[1, 0], [0, 1]] }, payload: { city: 'Berlin' } },
      { id: 2, vector: { image: [0, 1, 0, 0] }, payload: { city: 'London', count: 3 } },
      { id: FIXTURE.seedUuids[0], vector: { text: [3, 2, 1], sp: { indices: [2], values: [1] } }, payload: null },
    ],
  }]);
  return out;
}

// ------------------------------------------------------------------------------------- primitives

/** Finite doubles that fit a float32: the values of valid vectors and numeric payloads. */
export const plainNumber = fc.oneof(
  { weight: 3, arbitrary: fc.double({ min: -100, max: 100, noNaN: true, noDefaultInfinity: true }) },
  { weight: 1, arbitrary: fc.integer({ min: -10, max: 10 }) },
);

/** Finite doubles, mostly small, sometimes at or past the float32 limits. */
export const finite = fc.oneof(
  { weight: 8, arbitrary: plainNumber },
  { weight: 1, arbitrary: fc.constantFrom(0, -0, 1e-45, 3.4028234e38, -3.4028234e38, 1e39, -1e39, 1.7976931348623157e308, 5e-324) },
);

const oddStrings = fc.constantFrom('', ' ', '\u0000', '\uffff', '💥', '../../etc/passwd', '%00', 'a'.repeat(300), '{"a":1}', 'null', 'true', '1e309', '-0', 'NaN', 'Infinity', '__proto__', 'constructor');

/** Values of every JSON type, small and odd. */
export const oddValue: fc.Arbitrary<Json> = fc.oneof(
  fc.constantFrom<Json>(null, true, false, 0, -1, 1.5, 2 ** 53, 2 ** 64, -(2 ** 63), '', [], {}, [[]], [null], { '': null }),
  oddStrings,
  finite,
  fc.jsonValue({ maxDepth: 2 }) as fc.Arbitrary<Json>,
);

/** Point ids Qdrant accepts: unsigned integers and UUIDs in any of its accepted spellings. */
export const validPointId: fc.Arbitrary<number | string> = fc.oneof(
  { weight: 5, arbitrary: fc.integer({ min: 0, max: 40 }) },
  { weight: 1, arbitrary: fc.constantFrom(0, 2 ** 53 - 1) },
  { weight: 2, arbitrary: fc.constantFrom(...FIXTURE.seedUuids) },
  { weight: 2, arbitrary: fc.uuid().map((u) => u) },
  {
    weight: 1,
    arbitrary: fc.tuple(fc.constantFrom(...FIXTURE.seedUuids), fc.constantFrom('upper', 'simple', 'urn', 'braced')).map(([u, form]) =>
      form === 'upper' ? u.toUpperCase() : form === 'simple' ? u.replaceAll('-', '') : form === 'urn' ? `urn:uuid:${u}` : `{${u}}`,
    ),
  },
);

/** Ids Qdrant refuses (or that Quiver refuses: integers above 2^53). */
export const invalidPointId: fc.Arbitrary<Json> = fc.oneof(
  fc.constantFrom<Json>(-1, 1.5, 2 ** 64, 2 ** 53, 1e300, '', 'not-a-uuid', '5c56c793-69f3-4fbf-87e6-c4bf54c28c2', 'g'.repeat(32), null, true, {}, [], [1]),
  fc.string({ maxLength: 40 }),
  fc.integer({ min: -1000, max: -1 }),
);

/** A dense vector of `dim` values (rarely of the wrong length, past float32, or not numbers). */
export function denseVector(dim: number): fc.Arbitrary<Json> {
  return fc.oneof(
    { weight: 30, arbitrary: fc.array(plainNumber, { minLength: dim, maxLength: dim }) },
    { weight: 1, arbitrary: fc.array(finite, { minLength: dim, maxLength: dim }) },
    { weight: 1, arbitrary: fc.array(finite, { minLength: 0, maxLength: dim + 2 }) },
    { weight: 1, arbitrary: fc.oneof(oddValue, fc.array(oddValue, { minLength: dim, maxLength: dim })) },
  );
}

export const sparseVector: fc.Arbitrary<Json> = fc.oneof(
  { weight: 12, arbitrary: fc.uniqueArray(fc.integer({ min: 0, max: 50 }), { maxLength: 5 }).chain((indices) => fc.array(plainNumber, { minLength: indices.length, maxLength: indices.length }).map((values) => ({ indices, values }))) },
  { weight: 1, arbitrary: fc.record({ indices: fc.array(fc.oneof(fc.integer({ min: -5, max: 2 ** 32 + 1 }), oddValue), { maxLength: 4 }), values: fc.array(oddValue, { maxLength: 4 }) }) },
);

/**
 * Which fixture collection a body is shaped for: `plain` (fz, its alias, unknown names: one unnamed vector of
 * FIXTURE.dim) or `named` (fz_named: image, text, sp, multi).
 */
export type Flavor = 'plain' | 'named';

const namedVectors = fc.record({ image: denseVector(4), text: denseVector(3), sp: sparseVector, multi: fc.array(denseVector(2), { minLength: 1, maxLength: 3 }) }, { requiredKeys: [] });

/** A point's `vector` for a collection of `flavor`, sometimes shaped for the other one or odd. */
export function vectorInput(flavor: Flavor): fc.Arbitrary<Json> {
  const plain = denseVector(FIXTURE.dim);
  return fc.oneof(
    { weight: 12, arbitrary: flavor === 'plain' ? plain : namedVectors },
    { weight: 1, arbitrary: flavor === 'plain' ? namedVectors : plain },
    { weight: 1, arbitrary: fc.record({ '': denseVector(FIXTURE.dim), nope: denseVector(2), image: fc.array(denseVector(4), { maxLength: 2 }) }, { requiredKeys: [] }) },
    { weight: 1, arbitrary: fc.oneof(fc.array(denseVector(FIXTURE.dim), { minLength: 1, maxLength: 3 }), sparseVector) },
  );
}

/** Date-time strings in Qdrant's accepted forms and some it refuses. */
export const dateTime = fc.oneof(
  fc.date({ min: new Date('1900-01-01T00:00:00Z'), max: new Date('2100-01-01T00:00:00Z'), noInvalidDate: true }).map((d) => d.toISOString()),
  fc.constantFrom('2024-01-31 10:14:31', '2024-01-31', '2024-01-31T10:14', '2024-02-30T00:00:00Z', '2024-13-01', '2024-01-01T00:00:00+05:30', 'yesterday', ''),
);

/** Payload keys: the indexed ones, nested paths, odd spellings, random. */
export const payloadKey = fc.oneof(
  { weight: 6, arbitrary: fc.constantFrom('city', 'count', 'price', 'flag', 'location', 'created', 'description', 'uid', 'reports', 'nested') },
  { weight: 2, arbitrary: fc.constantFrom('nested.a', 'nested.diet[].food', 'nested.diet[].likes', 'city[]', 'nested.diet[0].food', 'a.b.c', 'tags[]') },
  { weight: 1, arbitrary: fc.constantFrom('', '.', '..', '[]', 'a..b', 'a[', '"quoted"', 'a[-1]', '$', '__proto__', 'constructor.prototype', 'x'.repeat(200)) },
  { weight: 1, arbitrary: fc.string({ maxLength: 12 }) },
);

/** Payload objects: the fixture's keys with plausible and odd values, plus random keys. */
export const payload: fc.Arbitrary<unknown> = fc.oneof(
  {
    weight: 6,
    arbitrary: fc.record(
      {
        city: fc.oneof(fc.constantFrom(...CITIES), fc.array(fc.constantFrom(...CITIES), { maxLength: 3 }), fc.string({ maxLength: 8 })),
        count: fc.oneof(fc.integer({ min: -10, max: 10 }), fc.array(fc.integer(), { maxLength: 3 }), fc.constantFrom(2 ** 53, 2 ** 63, 1.5)),
        price: fc.oneof(plainNumber, fc.array(plainNumber, { maxLength: 3 }), finite),
        flag: fc.oneof(fc.boolean(), fc.array(fc.boolean(), { maxLength: 2 })),
        location: fc.oneof(
          fc.record({ lon: fc.double({ min: -180, max: 180, noNaN: true }), lat: fc.double({ min: -90, max: 90, noNaN: true }) }),
          fc.array(fc.record({ lon: fc.double({ min: -180, max: 180, noNaN: true }), lat: fc.double({ min: -90, max: 90, noNaN: true }) }), { maxLength: 2 }),
        ),
        created: dateTime,
        description: fc.oneof(fc.lorem({ maxCount: 6 }), fc.string({ maxLength: 20 })),
        uid: fc.oneof(fc.uuid(), fc.string({ maxLength: 10 })),
        nested: fc.record({ a: fc.integer(), diet: fc.array(fc.record({ food: fc.constantFrom('meat', 'fish', 'veg'), likes: fc.boolean() }), { maxLength: 3 }) }, { requiredKeys: [] }),
        reports: fc.oneof(fc.constant([]), fc.constant(null), fc.array(fc.string({ maxLength: 4 }), { maxLength: 2 })),
      },
      { requiredKeys: [] },
    ),
  },
  { weight: 2, arbitrary: fc.dictionary(payloadKey, oddValue, { maxKeys: 4 }) },
  // Keys of any spelling at any depth (`__proto__`, `constructor`, lone surrogates, path syntax).
  { weight: 1, arbitrary: oddPayload },
);

// ---------------------------------------------------------------------------------------- filters

const rangeBound = fc.oneof({ weight: 4, arbitrary: plainNumber }, { weight: 1, arbitrary: dateTime }, { weight: 1, arbitrary: fc.constant(null) });

/** A single condition (field, is_empty, is_null, has_id, has_vector, nested, or a whole filter). */
function conditionArb(filter: fc.Arbitrary<Json>): fc.Arbitrary<Json> {
  const matchValue = fc.oneof({ weight: 3, arbitrary: fc.constantFrom<Json>(...CITIES) }, { weight: 2, arbitrary: fc.integer({ min: -2, max: 8 }) }, { weight: 1, arbitrary: fc.boolean() }, { weight: 1, arbitrary: fc.uuid() });
  const match = fc.oneof(
    fc.record({ value: matchValue }),
    fc.record({ any: fc.array(matchValue, { maxLength: 4 }) }),
    fc.record({ except: fc.array(matchValue, { maxLength: 4 }) }),
    fc.record({ text: fc.oneof(fc.constantFrom('good', 'cheap food', 'Good'), fc.string({ maxLength: 10 })) }),
    fc.record({ phrase: fc.constantFrom('good cheap', 'cheap food', '') }),
    fc.record({ text_any: fc.constantFrom('good cheap', 'food', '') }),
  );
  const geoPoint = fc.oneof(
    fc.record({ lon: fc.double({ min: -180, max: 180, noNaN: true }), lat: fc.double({ min: -90, max: 90, noNaN: true }) }),
  );
  // A closed ring: first point repeated last, at least 4 points.
  const polygonRing = fc.array(geoPoint, { minLength: 3, maxLength: 5 }).map((ps) => ({ points: [...ps, ps[0]!] }));
  const field = fc.oneof(
    fc.record({ key: payloadKey, match }),
    fc.record({ key: payloadKey, range: fc.record({ gt: rangeBound, gte: rangeBound, lt: rangeBound, lte: rangeBound }, { requiredKeys: [] }) }),
    fc.record({ key: payloadKey, geo_radius: fc.record({ center: geoPoint, radius: fc.oneof(fc.double({ min: 0, max: 1e7, noNaN: true }), fc.constant(1e7)) }) }),
    fc.record({ key: payloadKey, geo_bounding_box: fc.record({ top_left: geoPoint, bottom_right: geoPoint }) }),
    fc.record({ key: payloadKey, geo_polygon: fc.record({ exterior: polygonRing, interiors: fc.array(polygonRing, { maxLength: 1 }) }, { requiredKeys: ['exterior'] }) }),
    fc.record({ key: payloadKey, values_count: fc.record({ gt: fc.nat(4), gte: fc.nat(4), lt: fc.nat(4), lte: fc.nat(4) }, { requiredKeys: [] }) }),
    fc.record({ key: payloadKey, is_empty: fc.boolean() }),
  );
  return fc.oneof(
    { maxDepth: 3, depthIdentifier: 'filter' },
    { weight: 6, arbitrary: field },
    { weight: 1, arbitrary: fc.record({ is_empty: fc.record({ key: payloadKey }) }) },
    { weight: 1, arbitrary: fc.record({ is_null: fc.record({ key: payloadKey }) }) },
    { weight: 2, arbitrary: fc.record({ has_id: fc.array(validPointId, { maxLength: 5 }) }) },
    { weight: 1, arbitrary: fc.record({ has_vector: fc.constantFrom('', 'image', 'text', 'sp', 'multi', 'object', 'nope') }) },
    { weight: 1, arbitrary: fc.record({ nested: fc.record({ key: fc.constantFrom('nested.diet', 'nested', 'city', 'nested.diet[]'), filter }) }) },
    { weight: 2, arbitrary: filter },
  );
}

/** Filters of bounded depth over the fixture's keys (valid ones and odd ones). */
export const filter: fc.Arbitrary<Json> = fc.letrec<{ filter: Json; condition: Json }>((tie) => ({
  filter: fc.oneof(
    { maxDepth: 3, depthIdentifier: 'filter', withCrossShrink: true },
    fc.constant<Json>({}),
    fc.record(
      {
        must: fc.oneof(tie('condition'), fc.array(tie('condition'), { maxLength: 3 }), fc.constant(null)),
        should: fc.oneof(tie('condition'), fc.array(tie('condition'), { maxLength: 3 })),
        must_not: fc.oneof(tie('condition'), fc.array(tie('condition'), { maxLength: 2 })),
        min_should: fc.record({ conditions: fc.array(tie('condition'), { maxLength: 3 }), min_count: fc.nat(4) }),
      },
      { requiredKeys: [] },
    ),
  ),
  condition: conditionArb(tie('filter')),
})).filter;

// ------------------------------------------------------------------------------ schema-driven bodies

const definitions = spec.definitions as unknown as Record<string, Schema>;
const operations = spec.operations as unknown as Record<string, { method: string; path: string; body: Schema | null; query: Record<string, { schema: Schema }> }>;

const MAX_SCHEMA_DEPTH = 6;
const schemaCache = new Map<string, fc.Arbitrary<unknown>>();

/**
 * Properties the schema-driven bodies leave out. The REST fuzz reads the whole stored state through the API after
 * every request (its "a rejected write changes nothing" oracle), so a run must not be able to rate-limit those reads:
 * a valid `read_rate_limit` of 1 would turn every later state read into a 429. Strict mode's rate limits have their
 * own tests.
 */
const LEFT_OUT: Readonly<Record<string, readonly string[]>> = { StrictModeConfig: ['read_rate_limit'] };

function definition(name: string): Schema | undefined {
  const schema = definitions[name];
  const leftOut = LEFT_OUT[name];
  if (leftOut === undefined || typeof schema !== 'object' || schema === null) return schema;
  const properties = Object.fromEntries(Object.entries((schema['properties'] ?? {}) as Record<string, Schema>).filter(([k]) => !leftOut.includes(k)));
  return { ...schema, properties };
}

function refName(ref: string): string {
  return ref.replace(/^.*#\/definitions\//, '');
}

function stringFor(s: Record<string, unknown>): fc.Arbitrary<unknown> {
  switch (s['format']) {
    case 'uuid':
      return fc.oneof(fc.uuid(), fc.constantFrom(...FIXTURE.seedUuids));
    case 'date-time':
    case 'partial-date-time':
      return dateTime;
    case 'uri':
      return fc.constantFrom('http://127.0.0.1:1/x.snapshot', 'file:///etc/passwd', 'ftp://x', 'not a uri');
    default:
      return fc.oneof(
        { weight: 3, arbitrary: fc.constantFrom('city', 'count', 'image', 'text', 'sp', FIXTURE.collection, FIXTURE.alias, FIXTURE.named, 'keyword', 'x') },
        { weight: 1, arbitrary: fc.string({ maxLength: 10 }) },
      );
  }
}

function numberFor(s: Record<string, unknown>, integer: boolean): fc.Arbitrary<unknown> {
  const min = typeof s['minimum'] === 'number' ? s['minimum'] : typeof s['exclusiveMinimum'] === 'number' ? s['exclusiveMinimum'] + 1 : -20;
  const max = typeof s['maximum'] === 'number' ? s['maximum'] : min + 40;
  const lo = Math.max(min, -1e6);
  const hi = Math.min(Math.max(max, lo), lo + 1e6);
  return integer ? fc.integer({ min: Math.ceil(lo), max: Math.floor(hi) }) : fc.double({ min: lo, max: hi, noNaN: true, noDefaultInfinity: true });
}

/**
 * An arbitrary for JSON Schema `schema` (the subset the generated spec uses: $ref, anyOf/oneOf/allOf, enum,
 * const, type, properties, items, additionalProperties), depth-bounded so recursive types terminate.
 */
export function fromSchema(schema: Schema | undefined, depth = 0): fc.Arbitrary<unknown> {
  if (schema === undefined || schema === true) return oddValue;
  if (schema === false) return fc.constant(null);
  if (depth > MAX_SCHEMA_DEPTH) return fc.constantFrom(null, 1, 'x', true);
  const ref = schema['$ref'];
  if (typeof ref === 'string') {
    // Only references deepen the recursion, so recursive types (Filter → Condition → Filter) terminate and
    // each (definition, depth) pair is built once.
    const key = `${refName(ref)}@${depth}`;
    let a = schemaCache.get(key);
    if (a === undefined) {
      a = fromSchema(definition(refName(ref)), depth + 1);
      schemaCache.set(key, a);
    }
    return a;
  }
  if ('const' in schema) return fc.constant(schema['const']);
  if (Array.isArray(schema['enum'])) return fc.constantFrom(...(schema['enum'] as unknown[]));
  const alternatives = (schema['anyOf'] ?? schema['oneOf']) as Schema[] | undefined;
  if (Array.isArray(alternatives)) return fc.oneof(...alternatives.map((s) => fromSchema(s, depth)));
  const all = schema['allOf'] as Schema[] | undefined;
  if (Array.isArray(all)) {
    return fc.tuple(...all.map((s) => fromSchema(s, depth))).map((parts) =>
      parts.every((p) => typeof p === 'object' && p !== null && !Array.isArray(p)) ? Object.assign({}, ...parts) : parts[0],
    );
  }
  const type = schema['type'];
  if (Array.isArray(type)) return fc.oneof(...type.map((t) => fromSchema({ ...schema, type: t }, depth)));
  switch (type) {
    case 'null':
      return fc.constant(null);
    case 'boolean':
      return fc.boolean();
    case 'integer':
      return numberFor(schema, true);
    case 'number':
      return numberFor(schema, false);
    case 'string':
      return stringFor(schema);
    case 'array': {
      const minLength = Math.min(typeof schema['minItems'] === 'number' ? schema['minItems'] : 0, 3);
      return fc.array(fromSchema(schema['items'] as Schema | undefined, depth + 1), { minLength, maxLength: Math.max(minLength, 3) });
    }
    case 'object':
    default: {
      const props = (schema['properties'] ?? {}) as Record<string, Schema>;
      const required = Array.isArray(schema['required']) ? (schema['required'] as string[]) : [];
      const record = fc.record(
        Object.fromEntries(Object.entries(props).map(([k, s]) => [k, fromSchema(s, depth)])),
        { requiredKeys: required.filter((k) => k in props) },
      );
      const extra = schema['additionalProperties'];
      if (typeof extra === 'object' && extra !== null) {
        return fc.tuple(record, fc.dictionary(fc.constantFrom('a', 'b', 'city', 'image', 'text'), fromSchema(extra as Schema, depth + 1), { maxKeys: 2 })).map(([r, d]) => ({ ...d, ...r }));
      }
      return record;
    }
  }
}

/** A body generated from the operation's request schema, or undefined when the operation has none. */
export function schemaBody(operation: string): fc.Arbitrary<unknown> | undefined {
  const op = Object.hasOwn(operations, operation) ? operations[operation] : undefined;
  if (op?.body === null || op?.body === undefined) return undefined;
  return fromSchema(op.body);
}

// --------------------------------------------------------------------------------- domain bodies

const vectorNames = fc.constantFrom('', 'image', 'text', 'sp', 'multi', 'object', 'nope');
const withPayload = fc.oneof(
  { weight: 4, arbitrary: fc.boolean() },
  { weight: 1, arbitrary: fc.array(payloadKey, { maxLength: 3 }) },
  { weight: 1, arbitrary: fc.record({ include: fc.array(payloadKey, { maxLength: 2 }) }) },
  { weight: 1, arbitrary: fc.record({ exclude: fc.array(payloadKey, { maxLength: 2 }) }) },
);
const withVector = fc.oneof({ weight: 4, arbitrary: fc.boolean() }, { weight: 1, arbitrary: fc.array(vectorNames, { maxLength: 3 }) });
const limit = fc.oneof({ weight: 10, arbitrary: fc.integer({ min: 1, max: 50 }) }, { weight: 1, arbitrary: fc.constantFrom<Json>(0, 1e12, 2 ** 53 - 1, null) });
const someIds = fc.array(validPointId, { minLength: 1, maxLength: 6 });
const selector = fc.oneof(
  { weight: 3, arbitrary: fc.record({ points: someIds }) },
  { weight: 2, arbitrary: fc.record({ filter }) },
);
const setPayloadBody = fc.tuple(selector, fc.record({ payload, key: payloadKey }, { requiredKeys: ['payload'] })).map(([s, p]) => ({ ...s, ...p }));
const deletePayloadBody = fc.tuple(selector, fc.record({ keys: fc.array(payloadKey, { maxLength: 3 }) })).map(([s, p]) => ({ ...s, ...p }));
const deleteVectorsBody = fc.tuple(selector, fc.record({ vector: fc.array(vectorNames, { minLength: 1, maxLength: 3 }) })).map(([s, v]) => ({ ...s, ...v }));

interface FlavoredBodies {
  readonly upsertBody: fc.Arbitrary<unknown>;
  readonly updateVectorsBody: fc.Arbitrary<unknown>;
  readonly queryBody: fc.Arbitrary<unknown>;
  /** The search family (search, recommend, discover, groups, matrix), keyed by operation. */
  readonly search: Readonly<Record<string, fc.Arbitrary<unknown>>>;
}

const flavoredCache = new Map<Flavor, FlavoredBodies>();

/** The bodies whose vectors depend on the target collection's vectors. */
function flavored(flavor: Flavor): FlavoredBodies {
  const cached = flavoredCache.get(flavor);
  if (cached !== undefined) return cached;
  const vector = vectorInput(flavor);
  const point = fc.record({ id: validPointId, vector, payload: fc.oneof({ weight: 4, arbitrary: payload }, { weight: 1, arbitrary: fc.constant(null) }) }, { requiredKeys: ['id', 'vector'] });
  const upsertBody = fc.oneof(
    { weight: 6, arbitrary: fc.record({ points: fc.array(point, { minLength: 1, maxLength: 5 }) }) },
    { weight: 1, arbitrary: fc.record({ points: fc.array(point, { minLength: 0, maxLength: 3 }), update_filter: filter, update_mode: fc.constantFrom('upsert', 'insert_only', 'update_only') }, { requiredKeys: ['points'] }) },
    {
      weight: 1,
      arbitrary: fc.integer({ min: 1, max: 4 }).chain((n) =>
        fc.record({
          batch: fc.record(
            {
              ids: fc.array(validPointId, { minLength: n, maxLength: n }),
              vectors: flavor === 'plain' ? fc.array(denseVector(FIXTURE.dim), { minLength: n, maxLength: n }) : fc.record({ image: fc.array(denseVector(4), { minLength: n, maxLength: n }) }),
              payloads: fc.array(fc.oneof(payload, fc.constant(null)), { minLength: n, maxLength: n }),
            },
            { requiredKeys: ['ids', 'vectors'] },
          ),
        }),
      ),
    },
  );
  const updateVectorsBody = fc.record({ points: fc.array(fc.record({ id: validPointId, vector }), { minLength: 1, maxLength: 3 }), update_filter: filter }, { requiredKeys: ['points'] });
  // fz: the unnamed vector; fz_named: `using` image (4), text (3), sp (sparse), multi (n × 2).
  const own = flavor === 'plain' ? 8 : 1;
  const named = flavor === 'named' ? 3 : 1;
  const queryTarget = fc.oneof(
    { weight: own, arbitrary: fc.record({ query: fc.oneof(denseVector(FIXTURE.dim), fc.record({ nearest: denseVector(FIXTURE.dim) }), validPointId) }) },
    { weight: named, arbitrary: fc.record({ query: fc.oneof(denseVector(4), validPointId), using: fc.constant('image') }) },
    { weight: named, arbitrary: fc.record({ query: denseVector(3), using: fc.constant('text') }) },
    { weight: named, arbitrary: fc.record({ query: sparseVector, using: fc.constant('sp') }) },
    { weight: named, arbitrary: fc.record({ query: fc.array(denseVector(2), { minLength: 1, maxLength: 3 }), using: fc.constant('multi') }) },
    { weight: 1, arbitrary: fc.record({}) },
    {
      weight: 1,
      arbitrary: fc.record(
        {
          query: fc.oneof(fc.record({ fusion: fc.constantFrom('rrf', 'dbsf') }), fc.record({ order_by: payloadKey }), fc.record({ sample: fc.constant('random') }), fc.constant(null)),
          using: vectorNames,
          prefetch: fc.oneof(fc.constant(null), fc.record({ query: denseVector(FIXTURE.dim), limit })),
          lookup_from: fc.record({ collection: fc.constantFrom(FIXTURE.named, FIXTURE.missing) }),
          shard_key: fc.oneof(fc.string({ maxLength: 4 }), fc.integer({ min: 0, max: 3 })),
        },
        { requiredKeys: [] },
      ),
    },
  );
  const options = fc.record(
    {
      filter,
      limit,
      offset: fc.integer({ min: 0, max: 30 }),
      score_threshold: plainNumber,
      with_payload: withPayload,
      with_vector: withVector,
      params: fc.record({ hnsw_ef: fc.integer({ min: 0, max: 100 }), exact: fc.boolean() }, { requiredKeys: [] }),
    },
    { requiredKeys: [] },
  );
  const queryBody = fc.tuple(queryTarget, options).map(([target, o]) => ({ ...o, ...target }));
  const search = searchBodies(flavor, options);
  const out = { upsertBody, updateVectorsBody, queryBody, search };
  flavoredCache.set(flavor, out);
  return out;
}

/**
 * Bodies of the search family for a collection of `flavor`: search (NamedVectorStruct), recommend (ids and
 * vectors as examples), discover (target + context pairs), their batch and group forms, and the distance matrix.
 * `options` carries filter, limit, offset, score_threshold, with_payload, with_vector and params.
 */
function searchBodies(flavor: Flavor, options: fc.Arbitrary<Record<string, unknown>>): Record<string, fc.Arbitrary<unknown>> {
  const named = flavor === 'named';
  const searchVector = named
    ? fc.oneof(
        fc.record({ name: fc.constant('image'), vector: denseVector(4) }),
        fc.record({ name: fc.constant('text'), vector: denseVector(3) }),
        fc.record({ name: fc.constant('sp'), vector: sparseVector }),
        denseVector(4),
      )
    : fc.oneof({ weight: 6, arbitrary: denseVector(FIXTURE.dim) }, { weight: 1, arbitrary: fc.record({ name: fc.constant(''), vector: denseVector(FIXTURE.dim) }) }, { weight: 1, arbitrary: fc.record({ name: vectorNames, vector: denseVector(4) }) });
  const using = named ? fc.constantFrom('image', 'text') : fc.constantFrom('', 'nope');
  const example = fc.oneof({ weight: 3, arbitrary: validPointId }, { weight: 1, arbitrary: named ? denseVector(4) : denseVector(FIXTURE.dim) });
  const examples = fc.array(example, { minLength: 0, maxLength: 3 });
  const grouping = fc.record({ group_by: fc.oneof({ weight: 4, arbitrary: fc.constantFrom('city', 'count', 'flag', 'uid') }, { weight: 1, arbitrary: payloadKey }), group_size: fc.integer({ min: 1, max: 5 }), limit: fc.integer({ min: 1, max: 10 }) });
  const withLookup = fc.record({ with_lookup: fc.oneof(fc.constantFrom(FIXTURE.collection, FIXTURE.named, FIXTURE.missing), fc.record({ collection: fc.constantFrom(FIXTURE.collection, FIXTURE.named), with_payload: fc.boolean(), with_vectors: fc.boolean() })) }, { requiredKeys: [] });
  const merge = (...parts: Array<fc.Arbitrary<Record<string, unknown>>>): fc.Arbitrary<Record<string, unknown>> => fc.tuple(...parts).map((xs) => Object.assign({}, ...xs) as Record<string, unknown>);
  const search = merge(options, fc.record({ vector: searchVector, limit: fc.integer({ min: 1, max: 20 }) }));
  const recommend = merge(
    options,
    fc.record({ positive: examples, negative: examples, strategy: fc.constantFrom('average_vector', 'best_score', 'sum_scores'), using, limit: fc.integer({ min: 1, max: 20 }) }, { requiredKeys: ['positive', 'limit'] }),
    fc.record({ lookup_from: fc.record({ collection: fc.constantFrom(FIXTURE.collection, FIXTURE.named), vector: fc.constantFrom('', 'image') }) }, { requiredKeys: [] }),
  );
  const discover = merge(
    options,
    fc.record({ target: example, context: fc.array(fc.record({ positive: example, negative: example }), { maxLength: 3 }), using, limit: fc.integer({ min: 1, max: 20 }) }, { requiredKeys: ['limit'] }),
  );
  const query = merge(options, fc.record({ query: fc.oneof(named ? denseVector(4) : denseVector(FIXTURE.dim), validPointId), using: named ? fc.constant('image') : fc.constant('') }, { requiredKeys: [] }));
  const matrix = fc.record({ sample: fc.integer({ min: 1, max: 40 }), limit: fc.integer({ min: 1, max: 5 }), filter, using }, { requiredKeys: [] });
  return {
    search_points: search,
    search_batch_points: fc.record({ searches: fc.array(search, { maxLength: 3 }) }),
    search_point_groups: merge(search, grouping, withLookup),
    recommend_points: recommend,
    recommend_batch_points: fc.record({ searches: fc.array(recommend, { maxLength: 3 }) }),
    recommend_point_groups: merge(recommend, grouping, withLookup),
    discover_points: discover,
    discover_batch_points: fc.record({ searches: fc.array(discover, { maxLength: 3 }) }),
    query_points_groups: merge(query, grouping, withLookup),
    search_matrix_pairs: matrix,
    search_matrix_offsets: matrix,
  };
}

/** `order_by` keys: the fixture's range-indexed fields, sometimes others. */
const orderKey = fc.oneof({ weight: 4, arbitrary: fc.constantFrom('count', 'price', 'created') }, { weight: 1, arbitrary: payloadKey });

/** Bodies shaped for the fixture, per operation; undefined when there is nothing domain-specific. */
export function domainBody(operation: string, flavor: Flavor = 'plain'): fc.Arbitrary<unknown> | undefined {
  const { upsertBody, updateVectorsBody, queryBody, search } = flavored(flavor);
  if (Object.hasOwn(search, operation)) return search[operation];
  switch (operation) {
    case 'upsert_points':
      return upsertBody;
    case 'delete_points':
    case 'clear_payload':
      return selector;
    case 'set_payload':
    case 'overwrite_payload':
      return setPayloadBody;
    case 'delete_payload':
      return deletePayloadBody;
    case 'update_vectors':
      return updateVectorsBody;
    case 'delete_vectors':
      return deleteVectorsBody;
    case 'batch_update':
      return fc.record({
        operations: fc.array(
          fc.oneof(
            upsertBody.map((upsert) => ({ upsert })),
            selector.map((del) => ({ delete: del })),
            setPayloadBody.map((set_payload) => ({ set_payload })),
            setPayloadBody.map((overwrite_payload) => ({ overwrite_payload })),
            deletePayloadBody.map((delete_payload) => ({ delete_payload })),
            selector.map((clear_payload) => ({ clear_payload })),
            updateVectorsBody.map((update_vectors) => ({ update_vectors })),
            deleteVectorsBody.map((delete_vectors) => ({ delete_vectors })),
          ),
          { minLength: 1, maxLength: 4 },
        ),
      });
    case 'get_points':
      return fc.record({ ids: fc.array(validPointId, { maxLength: 6 }), with_payload: withPayload, with_vector: withVector }, { requiredKeys: ['ids'] });
    case 'scroll_points':
      return fc.record(
        {
          filter,
          limit,
          offset: validPointId,
          with_payload: withPayload,
          with_vector: withVector,
          order_by: fc.oneof(orderKey, fc.record({ key: orderKey, direction: fc.constantFrom('asc', 'desc'), start_from: fc.oneof(plainNumber, dateTime) }, { requiredKeys: ['key'] })),
        },
        { requiredKeys: [] },
      );
    case 'count_points':
      return fc.record({ filter, exact: fc.boolean() }, { requiredKeys: [] });
    case 'facet':
      return fc.record({ key: fc.oneof({ weight: 4, arbitrary: fc.constantFrom('city', 'count', 'flag', 'uid') }, { weight: 1, arbitrary: payloadKey }), limit, filter, exact: fc.boolean() }, { requiredKeys: ['key'] });
    case 'query_points':
      return queryBody;
    case 'query_batch_points':
      return fc.record({ searches: fc.array(queryBody, { maxLength: 3 }) });
    case 'create_collection':
      return fc.record(
        {
          vectors: fc.oneof(
            fc.record({ size: fc.oneof(fc.integer({ min: 1, max: 8 }), fc.constantFrom(0, 65537, -1)), distance: fc.constantFrom('Cosine', 'Dot', 'Euclid', 'Manhattan', 'cosine') }),
            fc.dictionary(fc.constantFrom('a', 'b', ''), fc.record({ size: fc.integer({ min: 1, max: 8 }), distance: fc.constantFrom('Cosine', 'Dot') }), { maxKeys: 2 }),
          ),
          sparse_vectors: fc.dictionary(fc.constantFrom('s', 't'), fc.record({ modifier: fc.constantFrom('idf', 'none') }, { requiredKeys: [] }), { maxKeys: 2 }),
          hnsw_config: fc.record({ m: fc.integer({ min: 0, max: 64 }), ef_construct: fc.integer({ min: 0, max: 200 }) }, { requiredKeys: [] }),
          sharding_method: fc.constantFrom('auto', 'custom'),
          on_disk_payload: fc.boolean(),
        },
        { requiredKeys: [] },
      );
    case 'update_collection':
      return fc.record(
        {
          optimizers_config: fc.record({ indexing_threshold: fc.integer({ min: 0, max: 100000 }), deleted_threshold: fc.double({ min: -1, max: 2, noNaN: true }) }, { requiredKeys: [] }),
          vectors: fc.dictionary(fc.constantFrom('', 'image', 'nope'), fc.record({ on_disk: fc.boolean(), hnsw_config: fc.record({ m: fc.integer({ min: 0, max: 32 }) }) }, { requiredKeys: [] }), { maxKeys: 2 }),
          params: fc.record({ on_disk_payload: fc.boolean(), replication_factor: fc.integer({ min: 0, max: 3 }) }, { requiredKeys: [] }),
        },
        { requiredKeys: [] },
      );
    case 'create_field_index':
      return fc.record(
        {
          field_name: payloadKey,
          field_schema: fc.oneof(
            fc.constantFrom('keyword', 'integer', 'float', 'bool', 'geo', 'datetime', 'text', 'uuid', 'nope'),
            fc.record({ type: fc.constantFrom('keyword', 'integer', 'text', 'float'), is_tenant: fc.boolean(), lookup: fc.boolean(), range: fc.boolean(), tokenizer: fc.constantFrom('word', 'whitespace', 'prefix', 'multilingual'), min_token_len: fc.integer({ min: 0, max: 5 }), lowercase: fc.boolean() }, { requiredKeys: ['type'] }),
            oddValue,
          ),
        },
        { requiredKeys: ['field_name'] },
      );
    case 'update_aliases':
      return fc.record({
        actions: fc.array(
          fc.oneof(
            fc.record({ create_alias: fc.record({ collection_name: fc.constantFrom(FIXTURE.collection, FIXTURE.named, FIXTURE.missing, FIXTURE.alias), alias_name: fc.oneof(fc.constantFrom('al1', FIXTURE.alias, FIXTURE.collection, ''), fc.string({ maxLength: 6 })) }) }),
            fc.record({ delete_alias: fc.record({ alias_name: fc.constantFrom('al1', FIXTURE.alias, 'nope') }) }),
            fc.record({ rename_alias: fc.record({ old_alias_name: fc.constantFrom('al1', FIXTURE.alias, 'nope'), new_alias_name: fc.constantFrom('al2', FIXTURE.collection, 'a/b') }) }),
          ),
          { maxLength: 3 },
        ),
      });
    case 'create_vector_name':
      return fc.record({ size: fc.integer({ min: 0, max: 8 }), distance: fc.constantFrom('Cosine', 'Dot', 'Bogus') }, { requiredKeys: [] });
    case 'create_shard_key':
    case 'delete_shard_key':
      return fc.record({ shard_key: fc.oneof(fc.string({ maxLength: 5 }), fc.integer({ min: -1, max: 5 }), oddValue) });
    case 'update_quotas':
      return fc.record({ enabled: fc.oneof(fc.boolean(), oddValue), max_resident_memory_percent: fc.oneof(fc.integer({ min: 0, max: 101 }), oddValue), max_disk_usage_percent: fc.oneof(fc.integer({ min: 0, max: 101 }), oddValue) }, { requiredKeys: [] });
    default:
      return undefined;
  }
}

// -------------------------------------------------------------------------------- mutation, junk

/** Every path (as key lists) inside a JSON value, the root included. */
function pathsOf(value: unknown): Array<Array<string | number>> {
  const out: Array<Array<string | number>> = [];
  const stack: Array<[unknown, Array<string | number>]> = [[value, []]];
  while (stack.length > 0 && out.length < 500) {
    const [v, path] = stack.pop()!;
    out.push(path);
    if (Array.isArray(v)) v.forEach((x, i) => stack.push([x, [...path, i]]));
    else if (typeof v === 'object' && v !== null) for (const [k, x] of Object.entries(v)) stack.push([x, [...path, k]]);
  }
  return out;
}

type Mutation = { kind: 'replace'; value: Json } | { kind: 'drop' } | { kind: 'add'; key: string; value: Json };

function mutate(root: unknown, path: ReadonlyArray<string | number>, m: Mutation): unknown {
  if (path.length === 0) return m.kind === 'replace' ? m.value : m.kind === 'add' && typeof root === 'object' && root !== null && !Array.isArray(root) ? { ...root, [m.key]: m.value } : root;
  const copy = structuredClone(root) as Record<string | number, unknown>;
  let cur = copy;
  for (const key of path.slice(0, -1)) cur = cur[key] as Record<string | number, unknown>;
  const last = path[path.length - 1]!;
  if (m.kind === 'replace') cur[last] = m.value;
  else if (m.kind === 'drop') {
    if (Array.isArray(cur)) cur.splice(Number(last), 1);
    else delete cur[last];
  } else {
    const target = cur[last];
    if (typeof target === 'object' && target !== null && !Array.isArray(target)) (target as Record<string, unknown>)[m.key] = m.value;
    else cur[last] = m.value;
  }
  return copy;
}

const mutation: fc.Arbitrary<Mutation> = fc.oneof(
  { weight: 4, arbitrary: oddValue.map((value) => ({ kind: 'replace' as const, value })) },
  { weight: 2, arbitrary: fc.constant({ kind: 'drop' as const }) },
  { weight: 1, arbitrary: fc.tuple(fc.constantFrom('bogus', 'points', 'filter', 'vector', 'id', '__proto__', 'constructor'), oddValue).map(([key, value]) => ({ kind: 'add' as const, key, value })) },
);

/** `base` with one subtree replaced, dropped or extended. */
export function mutated(base: fc.Arbitrary<unknown>): fc.Arbitrary<unknown> {
  return fc.tuple(base, fc.nat(), mutation).map(([b, pick, m]) => {
    const paths = pathsOf(b);
    return mutate(b, paths[pick % paths.length]!, m);
  });
}

/** Texts sent as a body that are not valid JSON, or JSON that no route accepts as its root. */
export const junkText = fc.oneof(
  fc.constantFrom('{', '[', '{"points": [', '{"a":1}{"b":2}', '{"a":1,}', "{'a':1}", '\u0000', '\ufeff{}', 'null', '1', '"x"', 'true', '[]', '{"a":NaN}', '{"a":1e999}', '{"__proto__":{"x":1}}', '{"constructor":{"prototype":{"x":1}}}'),
  fc.constantFrom(256, 5000).map((n) => '['.repeat(n) + ']'.repeat(n)),
  fc.constantFrom(200, 3000).map((n) => `{"filter":${'{"must":['.repeat(n)}{"key":"city","match":{"value":"Berlin"}}${']}'.repeat(n)}}`),
  fc.string({ maxLength: 30 }),
  fc.jsonValue({ maxDepth: 3 }).map((v) => JSON.stringify(v)),
);

// ---------------------------------------------------------------------------------- whole requests

export type FuzzBody = { kind: 'none' } | { kind: 'json'; value: unknown } | { kind: 'text'; text: string };

/** One generated request; plain data so fast-check prints it in a counterexample. */
export interface FuzzRequest {
  /** The route's operation, or `null` for a request to a path no route serves. */
  readonly operation: string | null;
  readonly method: string;
  readonly url: string;
  readonly headers: Record<string, string>;
  readonly body: FuzzBody;
}

/** Credentials the generated headers may carry (keys and tokens are made by the test). */
export interface Credentials {
  readonly manage: string;
  readonly readOnly: string;
  /** Tokens signed with the manage key: global m / r, per-collection grants, expired, … */
  readonly jwts: readonly string[];
  /** Tokens that must be refused: other key, alg none, truncated. */
  readonly badJwts: readonly string[];
}

function headersArb(creds: Credentials): fc.Arbitrary<Record<string, string>> {
  const credential = fc.oneof(
    { weight: 30, arbitrary: fc.constant({ 'api-key': creds.manage }) },
    { weight: 2, arbitrary: fc.constant({ authorization: `Bearer ${creds.manage}` }) },
    { weight: 2, arbitrary: fc.constant({ 'api-key': creds.readOnly }) },
    { weight: 3, arbitrary: fc.constantFrom(...creds.jwts).map((t) => ({ authorization: `Bearer ${t}` })) },
    { weight: 1, arbitrary: fc.constantFrom(...creds.badJwts).map((t) => ({ authorization: `Bearer ${t}` })) },
    { weight: 1, arbitrary: fc.constant({}) },
    {
      weight: 1,
      arbitrary: fc.oneof(
        fc.string({ maxLength: 20 }).map((k) => ({ 'api-key': k })),
        fc.string({ maxLength: 40 }).map((k) => ({ authorization: k })),
        fc.constantFrom({ authorization: 'Bearer ' }, { authorization: 'bearer x' }, { authorization: 'Basic YTpi' }, { 'api-key': '' }),
      ),
    },
  );
  const contentType = fc.oneof(
    { weight: 8, arbitrary: fc.constant('application/json') },
    { weight: 1, arbitrary: fc.constantFrom('text/plain', 'application/x-www-form-urlencoded', 'application/json; charset=latin1', 'multipart/form-data; boundary=x', 'application/octet-stream', '') },
  );
  const extra = fc.record(
    {
      'x-request-id': fc.string({ maxLength: 300 }),
      traceparent: fc.constantFrom('00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01', 'garbage'),
      'x-forwarded-for': fc.constantFrom('10.0.0.1', '1.2.3.4, 5.6.7.8', 'not-an-ip'),
      accept: fc.constantFrom('application/json', 'text/html', '*/*'),
    },
    { requiredKeys: [] },
  );
  return fc.tuple(credential, contentType, extra).map(([c, ct, e]) => {
    const out: Record<string, string> = {};
    for (const [k, v] of Object.entries({ ...e, ...c })) if (typeof v === 'string') out[k] = v;
    if (ct !== '') out['content-type'] = ct;
    // Header values must be valid HTTP header text; the generators above may produce control characters.
    for (const [k, v] of Object.entries(out)) out[k] = v.replace(/[^\t\x20-\x7e]/g, '?');
    return out;
  });
}

const collectionName = fc.oneof(
  { weight: 12, arbitrary: fc.constantFrom(FIXTURE.collection, FIXTURE.collection, FIXTURE.named, FIXTURE.alias) },
  { weight: 2, arbitrary: fc.constant(FIXTURE.missing) },
  { weight: 1, arbitrary: fc.constantFrom('a:b', 'a"b', '..', '.', 'x'.repeat(256), 'x'.repeat(3000), 'émoji💥', 'UPPER', '%00', ' ') },
  { weight: 1, arbitrary: fc.string({ minLength: 1, maxLength: 12 }) },
);

function pathParam(name: string): fc.Arbitrary<string> {
  switch (name) {
    case 'collection_name':
      return collectionName;
    case 'id':
      return fc.oneof({ weight: 4, arbitrary: validPointId.map(String) }, { weight: 1, arbitrary: invalidPointId.map((x) => (typeof x === 'string' ? x : JSON.stringify(x))) });
    case 'field_name':
      return payloadKey.filter((k) => k.length > 0);
    case 'vector_name':
      return fc.oneof(fc.constantFrom('image', 'text', 'sp', 'multi', 'extra', 'object', 'nope', ''), fc.string({ minLength: 1, maxLength: 8 }));
    case 'shard_id':
    case 'peer_id':
      return fc.oneof(fc.integer({ min: 0, max: 3 }).map(String), fc.constantFrom('-1', 'x', '1.5', '18446744073709551616'));
    default:
      return fc.oneof(fc.constantFrom('s.snapshot', '../../x', 'x%2F..'), fc.string({ minLength: 1, maxLength: 12 }));
  }
}

/** Encodes a path segment; sometimes leaves it raw or spells it with broken percent-escapes. */
const encodeSegment = (raw: string, mode: number): string => {
  if (mode === 1) return raw.replace(/[/?#\s]/g, (c) => encodeURIComponent(c));
  if (mode === 2) return `${encodeURIComponent(raw)}%`;
  if (mode === 3) return `${encodeURIComponent(raw)}%E0%A4%A`;
  return encodeURIComponent(raw);
};

function queryValue(schema: Schema): fc.Arbitrary<string> {
  const valid = fromSchema(schema).map((v) => String(v));
  return fc.oneof({ weight: 8, arbitrary: valid }, { weight: 1, arbitrary: fc.constantFrom('', 'maybe', '-1', '1.5', '0', 'TRUE', '1e3', 'null', '%zz', '😀') });
}

function queryArb(operation: string | null): fc.Arbitrary<string> {
  const declared = operation !== null && Object.hasOwn(operations, operation) ? operations[operation]!.query : {};
  const params = Object.entries(declared);
  // Declared parameters at most once each (mostly valid values); rarely an undeclared or repeated one.
  const declaredPairs = fc.subarray(params, { maxLength: Math.min(3, params.length) }).chain((chosen) => fc.tuple(...chosen.map(([k, p]) => queryValue(p.schema).map((v): [string, string] => [k, v]))));
  const oddPair = fc.tuple(fc.constantFrom('wait', 'timeout', 'bogus', '__proto__', 'consistency', 'details_level', ''), fc.string({ maxLength: 6 }));
  const pairs = fc.tuple(declaredPairs, fc.oneof({ weight: 8, arbitrary: fc.constant([]) }, { weight: 1, arbitrary: fc.array(oddPair, { minLength: 1, maxLength: 2 }) })).map(([a, b]) => [...a, ...b]);
  return pairs.map((ps) => {
    const parts = ps.map(([k, v]) => `${encodeURIComponent(k)}=${encodeURIComponent(v)}`);
    return parts.length === 0 ? '' : `?${parts.join('&')}`;
  });
}

const bodyCache = new Map<string, fc.Arbitrary<FuzzBody>>();

function bodyArb(operation: string | null, flavor: Flavor = 'plain'): fc.Arbitrary<FuzzBody> {
  const key = `${operation ?? ''}/${flavor}`;
  let cached = bodyCache.get(key);
  if (cached === undefined) {
    cached = buildBodyArb(operation, flavor);
    bodyCache.set(key, cached);
  }
  return cached;
}

function buildBodyArb(operation: string | null, flavor: Flavor): fc.Arbitrary<FuzzBody> {
  const documented = DOCUMENTED_REQUEST_BODIES.filter(([op]) => op === operation).map(([, , b]) => b);
  const sources: Array<{ weight: number; arbitrary: fc.Arbitrary<unknown> }> = [];
  const domain = operation === null ? undefined : domainBody(operation, flavor);
  const fromSpec = operation === null ? undefined : schemaBody(operation);
  if (domain !== undefined) sources.push({ weight: 24, arbitrary: domain }, { weight: 4, arbitrary: mutated(domain) });
  if (fromSpec !== undefined) sources.push({ weight: domain === undefined ? 12 : 3, arbitrary: fromSpec }, { weight: 1, arbitrary: mutated(fromSpec) });
  if (documented.length > 0) sources.push({ weight: 2, arbitrary: fc.constantFrom(...documented) }, { weight: 2, arbitrary: mutated(fc.constantFrom(...documented)) });
  sources.push({ weight: 1, arbitrary: fc.jsonValue({ maxDepth: 3 }) });
  const json = fc.oneof(...sources).map((value): FuzzBody => ({ kind: 'json', value }));
  // Operations that take no body mostly get none.
  const bodiless = domain === undefined && fromSpec === undefined && documented.length === 0;
  return fc.oneof(
    { weight: bodiless ? 2 : 12, arbitrary: json },
    { weight: bodiless ? 10 : 0, arbitrary: fc.constant<FuzzBody>({ kind: 'none' }) },
    { weight: 1, arbitrary: junkText.map((text): FuzzBody => ({ kind: 'text', text })) },
    { weight: 1, arbitrary: fc.constant<FuzzBody>({ kind: 'none' }) },
  );
}

function routeRequest(row: RouteRow, creds: Credentials): fc.Arbitrary<FuzzRequest> {
  const names = [...row.path.matchAll(/\{([^}]+)\}/g)].map((m) => m[1]!);
  const params = fc.tuple(...names.map((n) => fc.tuple(pathParam(n), fc.oneof({ weight: 40, arbitrary: fc.constant(0) }, { weight: 1, arbitrary: fc.integer({ min: 1, max: 3 }) }))));
  const method = fc.oneof({ weight: 20, arbitrary: fc.constant(row.method) }, { weight: 1, arbitrary: fc.constantFrom('GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'HEAD', 'OPTIONS') });
  const withBody = params.chain((ps) => {
    const collection = names.indexOf('collection_name');
    const flavor: Flavor = collection >= 0 && ps[collection]![0] === FIXTURE.named ? 'named' : 'plain';
    return bodyArb(row.operation, flavor).map((body) => ({ ps, body }));
  });
  return fc.record({ method, withBody, query: queryArb(row.operation), headers: headersArb(creds) }).map(({ method: m, withBody: { ps, body }, query, headers }) => {
    let i = 0;
    const path = row.path.replace(/\{[^}]+\}/g, () => {
      const [raw, mode] = ps[i++]!;
      return encodeSegment(raw, mode);
    });
    return { operation: operationFor(m, path), method: m, url: path + query, headers, body: m === 'GET' || m === 'HEAD' ? { kind: 'none' } : body };
  });
}

const strayPath = fc.oneof(
  fc.constantFrom('/collections/fz/points/nope', '/collection', '/collections/', '//collections', '/collections/fz/../fz', '/%2e%2e/etc/passwd', '/collections/fz/points/1/2', '/metrics/', '/healthz?x=1', '/snapshots/%', '/collections/%E0%A4%A', '/a'.repeat(2000)),
  fc.webPath(),
);

const routeMatchers = ALL_ROUTES.map((row) => ({
  row,
  statics: row.path.split('/').filter((seg) => seg !== '' && !seg.startsWith('{')).length,
  re: new RegExp(`^${row.path.replace(/\{[^}]+\}/g, '[^/]+')}$`),
})).sort((a, b) => b.statics - a.statics);

/**
 * The operation the server routes `method url` to (as Fastify's router would: static segments win,
 * trailing slash ignored, HEAD served by the GET route), or null when no route matches.
 */
export function operationFor(method: string, url: string): string | null {
  // Dot segments are resolved by the client's URL parser (as fetch and curl do) before the router sees them.
  let path = url.split('?')[0] ?? '';
  try {
    path = new URL(`http://localhost${path}`).pathname;
  } catch {
    // left as is: the server will refuse it too
  }
  if (path.length > 1 && path.endsWith('/')) path = path.slice(0, -1);
  const m = method === 'HEAD' ? 'GET' : method;
  return routeMatchers.find(({ row, re }) => row.method === m && re.test(path))?.row.operation ?? null;
}

/** A request to any route of ALL_ROUTES (or, rarely, to a path no route serves). */
export function requestArb(creds: Credentials, routes: readonly RouteRow[] = ALL_ROUTES): fc.Arbitrary<FuzzRequest> {
  const stray = fc.record({ method: fc.constantFrom('GET', 'POST', 'PUT', 'DELETE'), url: strayPath, headers: headersArb(creds), body: bodyArb(null) }).map(
    ({ method, url, headers, body }): FuzzRequest => {
      const u = url.startsWith('/') ? url : `/${url}`;
      return { operation: operationFor(method, u), method, url: u, headers, body: method === 'GET' ? { kind: 'none' } : body };
    },
  );
  const perRoute = routes.map((row) => routeRequest(row, creds));
  return fc.oneof({ weight: 30, arbitrary: fc.oneof(...perRoute) }, { weight: 1, arbitrary: stray });
}
