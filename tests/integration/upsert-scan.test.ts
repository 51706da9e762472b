/**
 * Upserts read by the scanner (`parse/upsert-scan.ts`) against the same upserts taken down the general path (an
 * unknown member in each point, which Qdrant ignores, makes the scanner leave a body alone): the same answer, the
 * same error texts and statuses, the same stored vectors and payloads, for every kind of collection.
 */
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startTestApp, type TestApp } from '../support/app.js';

const DIM = 8;

function vector(i: number, dim = DIM): number[] {
  return Array.from({ length: dim }, (_, d) => Math.sin(i * 17 + d * 3) * (d + 1) * 0.37);
}

interface Point {
  id: number | string;
  vector: number[];
  payload?: Record<string, unknown> | null;
}

function pointsFrom(from: number, n: number, dim = DIM): Point[] {
  return Array.from({ length: n }, (_, k) => {
    const i = from + k;
    const payload = i % 3 === 0 ? null : { tag: `t${i % 5}`, i, nested: { list: [i, 'x', true] } };
    return i % 4 === 1 ? { id: i, vector: vector(i, dim) } : { id: i, vector: vector(i, dim), payload };
  });
}

/** The scanner's body and the general path's body (same points, an ignored member in each). */
function bodies(points: Point[], extra = ''): { scanned: string; general: string } {
  const scanned = `{"points":${JSON.stringify(points)}${extra}}`;
  const general = `{"points":${JSON.stringify(points.map((p) => ({ ...p, ignored: 1 })))}${extra}}`;
  return { scanned, general };
}

const CONFIGS: Record<string, unknown> = {
  cosine: { vectors: { size: DIM, distance: 'Cosine' } },
  dot_f16: { vectors: { size: DIM, distance: 'Dot', datatype: 'float16' } },
  euclid_u8: { vectors: { size: DIM, distance: 'Euclid', datatype: 'uint8' } },
  named: { vectors: { a: { size: DIM, distance: 'Dot' } } },
  multi: { vectors: { size: DIM, distance: 'Dot', multivector_config: { comparator: 'max_sim' } } },
  sparse: { vectors: {}, sparse_vectors: { s: {} } },
};

describe('upserts read by the scanner answer and store as the general path does', () => {
  let app: TestApp;
  before(async () => {
    app = await startTestApp();
    for (const [name, config] of Object.entries(CONFIGS)) {
      for (const path of ['scanned', 'general']) assert.equal((await app.request('PUT', `/collections/${name}_${path}`, config)).status, 200);
    }
  });
  after(() => app.destroy());

  async function both(collection: string, b: { scanned: string; general: string }): Promise<[{ status: number; body: any }, { status: number; body: any }]> {
    const parse = JSON.parse;
    let wholeParsed = false;
    JSON.parse = (text: string, reviver?: (this: unknown, key: string, value: unknown) => unknown) => {
      if (text === b.scanned) wholeParsed = true;
      return parse(text, reviver);
    };
    let s;
    try {
      s = await app.request('PUT', `/collections/${collection}_scanned/points?wait=true`, b.scanned);
    } finally {
      JSON.parse = parse;
    }
    assert.equal(wholeParsed, false, 'the scanner read the body');
    const g = await app.request('PUT', `/collections/${collection}_general/points?wait=true`, b.general);
    return [s, g];
  }

  for (const name of ['cosine', 'dot_f16', 'euclid_u8']) {
    it(`${name}: the same stored vectors and payloads`, async () => {
      const points = pointsFrom(0, 300);
      const [s, g] = await both(name, bodies(points, ',"update_mode":"upsert"'));
      assert.equal(s.status, 200, JSON.stringify(s.body));
      assert.equal(g.status, 200);
      const read = async (c: string) =>
        (await app.request('POST', `/collections/${c}/points/scroll`, { limit: 1000, with_vector: true, with_payload: true })).body.result.points;
      const got = await read(`${name}_scanned`);
      assert.equal(got.length, points.length);
      assert.deepEqual(got, await read(`${name}_general`));
    });
  }

  for (const name of ['named', 'multi', 'sparse']) {
    it(`${name}: a plain vector is refused with the same error`, async () => {
      const [s, g] = await both(name, bodies(pointsFrom(0, 3)));
      assert.notEqual(s.status, 200);
      assert.equal(s.status, g.status);
      assert.equal(s.body.status.error, g.body.status.error);
    });
  }

  it('a dimension mismatch is refused with the same error, and nothing is written', async () => {
    const [s, g] = await both('cosine', bodies([...pointsFrom(1000, 3, DIM + 1)]));
    assert.equal(s.status, 400);
    assert.equal(s.status, g.status);
    assert.equal(s.body.status.error, g.body.status.error);
    const count = await app.request('POST', '/collections/cosine_scanned/points/count', { filter: { must: [{ key: 'i', range: { gte: 1000 } }] }, exact: true });
    assert.equal(count.body.result.count, 0);
  });

  it('insert_only and an update filter apply to scanned points as to any', async () => {
    const first = pointsFrom(2000, 4);
    await both('dot_f16', bodies(first));
    const changed = first.map((p) => ({ ...p, vector: vector(Number(p.id) + 1), payload: { tag: 'changed' } }));
    const [s, g] = await both('dot_f16', bodies([...changed, ...pointsFrom(2004, 2)], ',"update_mode":"insert_only"'));
    assert.equal(s.status, 200);
    assert.equal(g.status, 200);
    const read = async (c: string) => (await app.request('POST', `/collections/${c}/points`, { ids: [2000, 2001, 2002, 2003, 2004, 2005], with_vector: true, with_payload: true })).body.result;
    const got = await read('dot_f16_scanned');
    assert.equal(got.length, 6);
    assert.ok(got.every((p: { payload: unknown }) => JSON.stringify(p.payload) !== '{"tag":"changed"}'), 'insert_only kept the existing points');
    assert.deepEqual(got, await read('dot_f16_general'));
  });

  it('payload integers beyond ±(2^53−1) are kept exactly; a large integer in a vector is refused with the same error', async () => {
    const text = '{"points":[{"id":5000,"vector":[1,2,3,4,5,6,7,8],"payload":{"big":18446744073709551615,"neg":-9223372036854775808}}]}';
    assert.equal((await app.request('PUT', '/collections/cosine_scanned/points?wait=true', text)).status, 200);
    const got = await app.request('GET', '/collections/cosine_scanned/points/5000');
    assert.match(got.text, /"big":18446744073709551615/);
    assert.match(got.text, /"neg":-9223372036854775808/);
    const bad = (extra: string) => `{"points":[{"id":5001,"vector":[1,2,3,4,5,6,7,9007199254740993]${extra}}]}`;
    const s = await app.request('PUT', '/collections/cosine_scanned/points?wait=true', bad(''));
    const g = await app.request('PUT', '/collections/cosine_general/points?wait=true', bad(',"ignored":1'));
    assert.equal(s.status, 400);
    assert.equal(s.status, g.status);
    assert.equal(s.body.status.error, g.body.status.error.replace('cosine_general', 'cosine_scanned'));
  });

  it('the batch form: the same stored points, and the same error for a plain vector where a named one is expected', async () => {
    const points = pointsFrom(3000, 200);
    const batch = (extra: string) =>
      `{"batch":{"ids":${JSON.stringify(points.map((p) => p.id))},"vectors":${JSON.stringify(points.map((p) => p.vector))},"payloads":${JSON.stringify(points.map((p) => p.payload ?? null))}${extra}}}`;
    const b = { scanned: batch(''), general: batch(',"ignored":1') };
    for (const name of ['cosine', 'euclid_u8']) {
      const [s, g] = await both(name, b);
      assert.equal(s.status, 200, JSON.stringify(s.body));
      assert.equal(g.status, 200);
      const read = async (c: string) => (await app.request('POST', `/collections/${c}/points`, { ids: points.map((p) => p.id), with_vector: true, with_payload: true })).body.result;
      const got = await read(`${name}_scanned`);
      assert.equal(got.length, points.length);
      assert.deepEqual(got, await read(`${name}_general`));
    }
    const [s, g] = await both('multi', b);
    assert.notEqual(s.status, 200);
    assert.equal(s.status, g.status);
    assert.equal(s.body.status.error, g.body.status.error);
  });

  it('a UUID id in any accepted form is stored under its canonical form', async () => {
    const uuid = '550e8400-e29b-41d4-a716-446655440000';
    const body = `{"points":[{"id":"{${uuid.toUpperCase()}}","vector":${JSON.stringify(vector(1))}}]}`;
    assert.equal((await app.request('PUT', '/collections/cosine_scanned/points?wait=true', body)).status, 200);
    assert.equal((await app.request('GET', `/collections/cosine_scanned/points/${uuid}`)).status, 200);
  });
});
