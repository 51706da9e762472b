/**
 * Qdrant 1.19 features through REST: `match.prefix` (with and without a prefix-capable keyword index), the
 * `slice` condition (SipHash-2-4 of the id bytes), memory placement (`memory`, `payload.memory`, pinned
 * refused where 1.19 documents it unsupported), the `none` and Snowball stemmers, and the `turbo4` datatype.
 */
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { startTestApp, type TestApp } from '../../support/app.js';
import { sliceOf } from '../../../src/index/filter/slice.js';
import { assertResponseMatchesSpec } from '../../support/openapi.js';

describe('conformance: Qdrant 1.19 features', () => {
  let app: TestApp;
  const ok = async (method: string, url: string, body?: unknown): Promise<any> => {
    const r = await app.request(method, url, body);
    assert.equal(r.status, 200, `${method} ${url}: ${r.text}`);
    return r.body.result;
  };
  const ids = async (collection: string, filter: unknown): Promise<number[]> => {
    const r = await ok('POST', `/collections/${collection}/points/scroll`, { filter, limit: 100 });
    return r.points.map((p: { id: number }) => p.id).sort((a: number, b: number) => a - b);
  };
  before(async () => {
    app = await startTestApp();
    await ok('PUT', '/collections/kw', { vectors: { size: 2, distance: 'Dot' } });
    const words = ['apple', 'application', 'Apple', 'banana', 'app', 'ápp'];
    await ok('PUT', '/collections/kw/points?wait=true', {
      points: [
        ...words.map((w, i) => ({ id: i + 1, vector: [1, 0], payload: { name: w } })),
        { id: 7, vector: [1, 0], payload: { name: ['zzz', 'apricot'] } },
        { id: 8, vector: [1, 0], payload: { name: 42 } },
      ],
    });
  });
  after(async () => {
    await app.destroy();
  });

  it('match.prefix is case-sensitive and byte-wise, on any string value of the field', async () => {
    const filter = { must: [{ key: 'name', match: { prefix: 'app' } }] };
    assert.deepEqual(await ids('kw', filter), [1, 2, 5]);
    assert.deepEqual(await ids('kw', { must: [{ key: 'name', match: { prefix: 'ap' } }] }), [1, 2, 5, 7]);
    assert.deepEqual(await ids('kw', { must: [{ key: 'name', match: { prefix: '' } }] }), [1, 2, 3, 4, 5, 6, 7], 'every string value starts with ""');
    assert.deepEqual(await ids('kw', { must_not: [{ key: 'name', match: { prefix: 'app' } }] }), [3, 4, 6, 7, 8]);
  });

  it('a keyword index with prefix: true answers match.prefix with the same result; the option is echoed', async () => {
    const before = await ids('kw', { must: [{ key: 'name', match: { prefix: 'ap' } }] });
    await ok('PUT', '/collections/kw/index?wait=true', { field_name: 'name', field_schema: { type: 'keyword', prefix: true } });
    const info = await ok('GET', '/collections/kw');
    assert.deepEqual(info.payload_schema.name.params, { type: 'keyword', prefix: true });
    assert.deepEqual(await ids('kw', { must: [{ key: 'name', match: { prefix: 'ap' } }] }), before);
    const counted = await ok('POST', '/collections/kw/points/count', { filter: { must: [{ key: 'name', match: { prefix: 'app' } }] }, exact: true });
    assert.equal(counted.count, 3);
    // Without the option, the keyword index still serves exact matches and prefix falls back to a payload check.
    await ok('PUT', '/collections/kw/index?wait=true', { field_name: 'name', field_schema: { type: 'keyword' } });
    assert.deepEqual(await ids('kw', { must: [{ key: 'name', match: { prefix: 'ap' } }] }), before);
  });

  it('match.prefix must be a string (400)', async () => {
    const r = await app.request('POST', '/collections/kw/points/scroll', { filter: { must: [{ key: 'name', match: { prefix: 5 } }] } });
    assert.equal(r.status, 400, r.text);
  });

  it('slice: disjoint slices that cover every point, membership by SipHash-2-4 of the id bytes', async () => {
    const uuid = '5c56c793-69f3-4fbf-87e6-c4bf54c28c26';
    await ok('PUT', '/collections/sl', { vectors: { size: 1, distance: 'Dot' } });
    const points = [...Array.from({ length: 40 }, (_, i) => ({ id: i, vector: [1] })), { id: uuid, vector: [1] }];
    await ok('PUT', '/collections/sl/points?wait=true', { points });
    const all = new Set<string>();
    for (let index = 0; index < 3; index++) {
      const r = await ok('POST', '/collections/sl/points/scroll', { filter: { must: [{ slice: { total: 3, index } }] }, limit: 100 });
      for (const p of r.points) {
        assert.ok(!all.has(String(p.id)), `point ${p.id} in two slices`);
        all.add(String(p.id));
        assert.equal(sliceOf(p.id, 3), index);
      }
    }
    assert.equal(all.size, 41, 'the slices cover every point');
    const whole = await ok('POST', '/collections/sl/points/count', { filter: { must: [{ slice: { total: 1, index: 0 } }] }, exact: true });
    assert.equal(whole.count, 41);
    // A smaller sample is contained in a larger one: slice 0 of 4 ⊂ slice 0 of 2.
    const of4 = await ok('POST', '/collections/sl/points/scroll', { filter: { must: [{ slice: { total: 4, index: 0 } }] }, limit: 100 });
    for (const p of of4.points) assert.equal(sliceOf(p.id, 2), 0);
  });

  it('slice: total 0 and index >= total are validation errors (422)', async () => {
    for (const slice of [{ total: 0, index: 0 }, { total: 2, index: 2 }]) {
      const r = await app.request('POST', '/collections/sl/points/scroll', { filter: { must: [{ slice }] } });
      assert.equal(r.status, 422, r.text);
      assert.match(r.body.status.error, /^Validation error in JSON body: \[.*slice\.(total|index)/);
    }
    const bad = await app.request('POST', '/collections/sl/points/scroll', { filter: { must: [{ slice: { total: 'x', index: 0 } }] } });
    assert.equal(bad.status, 400, bad.text);
  });

  it('memory placement: accepted and echoed; pinned refused for dense vectors and payload storage', async () => {
    await ok('PUT', '/collections/mem', {
      vectors: { size: 2, distance: 'Dot', memory: 'cold' },
      payload: { memory: 'cached' },
      hnsw_config: { memory: 'pinned' },
    });
    const info = await ok('GET', '/collections/mem');
    assert.equal(info.config.params.vectors.memory, 'cold');
    assert.deepEqual(info.config.params.payload, { memory: 'cached' });
    assert.equal(info.config.hnsw_config.memory, 'pinned');
    await ok('PUT', '/collections/mem/index?wait=true', { field_name: 'f', field_schema: { type: 'integer', memory: 'pinned' } });
    assert.equal((await ok('GET', '/collections/mem')).payload_schema.f.params.memory, 'pinned');

    for (const [body, what] of [
      [{ vectors: { size: 2, distance: 'Dot', memory: 'pinned' } }, /vectors\.memory: `pinned` is not supported for dense vector storage/],
      [{ vectors: { size: 2, distance: 'Dot' }, payload: { memory: 'pinned' } }, /payload\.memory: `pinned` is not supported for payload storage/],
    ] as const) {
      const r = await app.request('PUT', '/collections/mem-pinned', body);
      assert.equal(r.status, 422, r.text);
      assert.match(r.body.status.error, what);
    }
    assert.equal((await app.request('GET', '/collections/mem-pinned')).status, 404, 'nothing was created');
    const unknown = await app.request('PUT', '/collections/mem-bad', { vectors: { size: 2, distance: 'Dot', memory: 'ram' } });
    assert.equal(unknown.status, 400, unknown.text);
    const patch = await app.request('PATCH', '/collections/mem', { vectors: { '': { memory: 'pinned' } } });
    assert.equal(patch.status, 422, patch.text);
    await ok('PATCH', '/collections/mem', { vectors: { '': { memory: 'cached' } }, params: { payload: { memory: 'cold' } } });
    const after = await ok('GET', '/collections/mem');
    assert.equal(after.config.params.vectors.memory, 'cached');
    assert.deepEqual(after.config.params.payload, { memory: 'cold' });
  });

  it('text index stemmer: {"type": "none"} is accepted and echoed; snowball stems documents and queries', async () => {
    await ok('PUT', '/collections/kw/index?wait=true', { field_name: 'body', field_schema: { type: 'text', stemmer: { type: 'none' } } });
    assert.deepEqual((await ok('GET', '/collections/kw')).payload_schema.body.params.stemmer, { type: 'none' });
    await ok('PUT', '/collections/stem', { vectors: { size: 2, distance: 'Dot' } });
    const texts = ['I was running late', 'she runs daily', 'we run', 'the runner', 'nothing here'];
    await ok('PUT', '/collections/stem/points?wait=true', { points: texts.map((text, i) => ({ id: i + 1, vector: [1, 0], payload: { text } })) });
    const run = { must: [{ key: 'text', match: { text: 'run' } }] };
    const runs = { must: [{ key: 'text', match: { text: 'runs' } }] };
    assert.deepEqual(await ids('stem', runs), [2], 'without an index the text condition matches words as they are');
    await ok('PUT', '/collections/stem/index?wait=true', { field_name: 'text', field_schema: { type: 'text', stemmer: { type: 'snowball', language: 'english' } } });
    assert.deepEqual((await ok('GET', '/collections/stem')).payload_schema.text.params.stemmer, { type: 'snowball', language: 'english' });
    assert.deepEqual(await ids('stem', run), [1, 2, 3], 'running, runs and run all stem to run; runner does not');
    assert.deepEqual(await ids('stem', runs), [1, 2, 3], 'the query is stemmed too');
    assert.deepEqual(await ids('stem', { must: [{ key: 'text', match: { text_any: 'runners running' } }] }), [1, 2, 3, 4]);
    const count = await ok('POST', '/collections/stem/points/count', { filter: run, exact: true });
    assert.equal(count.count, 3);
    for (const language of ['klingon', 'English']) {
      const r = await app.request('PUT', '/collections/stem/index?wait=true', { field_name: 'other', field_schema: { type: 'text', stemmer: { type: 'snowball', language } } });
      assert.equal(r.status, 400, r.text);
      assert.equal(
        r.body.status.error,
        `Format error in JSON body: field_schema.stemmer.language: unknown variant \`${language}\`, expected one of \`arabic\`, \`armenian\`, \`danish\`, \`dutch\`, \`english\`, \`finnish\`, \`french\`, \`german\`, \`greek\`, \`hungarian\`, \`italian\`, \`norwegian\`, \`portuguese\`, \`romanian\`, \`russian\`, \`spanish\`, \`swedish\`, \`tamil\`, \`turkish\``,
      );
    }
    assert.equal((await ok('GET', '/collections/stem')).payload_schema.other, undefined, 'nothing was created');
  });

  it('turbo4: accepted, echoed, stored and searched (as float32), and kept by a snapshot', async () => {
    await ok('PUT', '/collections/t4', { vectors: { size: 3, distance: 'Dot', datatype: 'turbo4' } });
    await ok('PUT', '/collections/t4/points?wait=true', { points: [{ id: 1, vector: [0.1, 0.2, 0.3] }, { id: 2, vector: [0.3, 0.2, 0.1] }] });
    assert.equal((await ok('GET', '/collections/t4')).config.params.vectors.datatype, 'turbo4');
    assert.deepEqual((await ok('GET', '/collections/t4/points/1')).vector, [0.1, 0.2, 0.3]);
    const hits = await ok('POST', '/collections/t4/points/query', { query: [1, 0, 0] });
    assert.deepEqual(hits.points.map((p: { id: number }) => p.id), [2, 1]);
    const snap = await ok('POST', '/collections/t4/snapshots?wait=true');
    await ok('POST', '/collections/t4/points/delete?wait=true', { points: [1, 2] });
    await ok('PUT', '/collections/t4/snapshots/recover?wait=true', { location: `file://${join(app.dir, 'snapshots', 't4', snap.name)}` });
    assert.equal((await ok('GET', '/collections/t4')).config.params.vectors.datatype, 'turbo4');
    assert.deepEqual((await ok('GET', '/collections/t4/points/2')).vector, [0.3, 0.2, 0.1]);
  });

  it('timeout on a wait=true write: a write done in time answers completed; timeout must be 1 or larger', async () => {
    const done = await ok('PUT', '/collections/kw/points?wait=true&timeout=60', { points: [{ id: 100, vector: [1, 0] }] });
    assert.equal(done.status, 'completed');
    assert.equal(typeof done.operation_id, 'number');
    const zero = await app.request('PUT', '/collections/kw/points?wait=true&timeout=0', { points: [{ id: 101, vector: [1, 0] }] });
    assert.equal(zero.status, 422, zero.text);
    assert.equal((await app.request('GET', '/collections/kw/points/101')).status, 404, 'a refused write stores nothing');
  });

  it('optimizations: summary, and queued / completed / idle_segments only when ?with= asks for them', async () => {
    const plain = await app.request('GET', '/collections/kw/optimizations');
    assert.equal(plain.status, 200, plain.text);
    assertResponseMatchesSpec('get_optimizations', plain.status, plain.body);
    assert.deepEqual(Object.keys(plain.body.result).sort(), ['running', 'summary']);
    const full = await ok('GET', '/collections/kw/optimizations?with=queued,completed,idle_segments');
    assert.deepEqual(Object.keys(full).sort(), ['completed', 'idle_segments', 'queued', 'running', 'summary']);
    const points = (await ok('GET', '/collections/kw')).points_count;
    // A few points, far below the indexing threshold: nothing to build, the one segment is idle.
    assert.deepEqual(full.running, []);
    assert.deepEqual(full.summary, { queued_optimizations: 0, queued_segments: 0, queued_points: 0, idle_segments: 1 });
    assert.deepEqual(full.idle_segments.map((s: { points_count: number }) => s.points_count), [points]);
    assert.deepEqual(full.queued, []);
    assert.deepEqual(full.completed, []);
    const bad = await app.request('GET', '/collections/kw/optimizations?with=everything');
    assert.equal(bad.status, 400, bad.text);
    assert.match(bad.body.status.error, /unknown variant `everything`/);
  });

  it('IDF corpus: params.idf {corpus} computes sparse IDF over the corpus filter, apart from the retrieval filter', async () => {
    await ok('PUT', '/collections/idf', { sparse_vectors: { text: { modifier: 'idf' } } });
    const doc = (id: number, lang: string, dim: number) => ({ id, payload: { lang }, vector: { text: { indices: [dim], values: [1] } } });
    await ok('PUT', '/collections/idf/points?wait=true', { points: [doc(1, 'en', 1), doc(2, 'en', 2), doc(3, 'en', 2), doc(4, 'de', 1), doc(5, 'de', 1), doc(6, 'de', 1)] });
    const query = (params: unknown): Promise<any> =>
      ok('POST', '/collections/idf/points/query', {
        query: { indices: [1, 2], values: [1, 1] },
        using: 'text',
        filter: { must: [{ key: 'lang', match: { value: 'en' } }] },
        params,
        limit: 3,
      });
    const idf = (n: number, total: number): number => Math.log((total - n + 0.5) / (n + 0.5) + 1);
    const close = (a: number, b: number): boolean => Math.abs(a - b) < 1e-6;
    // Collection-wide (default and "global"): dimension 1 is common (4 of 6), dimension 2 rare (2 of 6).
    for (const params of [undefined, { idf: 'global' }]) {
      const hits = (await query(params)).points;
      assert.deepEqual(hits.map((p: { id: number }) => p.id), [2, 3, 1]);
      assert.ok(close(hits[0].score, idf(2, 6)) && close(hits[2].score, idf(4, 6)), JSON.stringify(hits));
    }
    // Over the English corpus only: dimension 1 is rare (1 of 3), dimension 2 common (2 of 3).
    const corpus = (await query({ idf: { corpus: { must: [{ key: 'lang', match: { value: 'en' } }] } } })).points;
    assert.deepEqual(corpus.map((p: { id: number }) => p.id), [1, 2, 3]);
    assert.ok(close(corpus[0].score, idf(1, 3)) && close(corpus[1].score, idf(2, 3)), JSON.stringify(corpus));
    // The corpus is independent of the retrieval filter: a German corpus while retrieving English points.
    const de = (await query({ idf: { corpus: { must: [{ key: 'lang', match: { value: 'de' } }] } } })).points;
    assert.deepEqual(de.map((p: { id: number }) => p.id), [2, 3, 1]);
    assert.ok(close(de[0].score, idf(0, 3)) && close(de[2].score, idf(3, 3)), JSON.stringify(de));
    const bad = await app.request('POST', '/collections/idf/points/query', { query: { indices: [1], values: [1] }, using: 'text', params: { idf: 'local' } });
    assert.equal(bad.status, 400, bad.text);
  });
});
