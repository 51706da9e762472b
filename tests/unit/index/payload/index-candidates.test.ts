import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { matches } from '../../../../src/index/filter/evaluate.js';
import { parseFilter } from '../../../../src/index/filter/parse.js';
import type { FieldCondition } from '../../../../src/index/filter/types.js';
import { FieldIndexes } from '../../../../src/index/payload/field-indexes.js';
import { randomFieldCondition, randomPayload, rng } from './random-dataset.js';

const SCHEMAS: ReadonlyArray<readonly [string, unknown]> = [
  ['kw', 'keyword'],
  ['int', 'integer'],
  ['f', 'float'],
  ['b', 'bool'],
  ['loc', 'geo'],
  ['dt', 'datetime'],
  ['txt', { type: 'text', phrase_matching: true, stopwords: 'english' }],
  ['u', 'uuid'],
];

type Payloads = Array<Record<string, unknown> | undefined>;

/** Indexes on every field of {@link SCHEMAS}. */
function allIndexes(): FieldIndexes {
  const indexes = new FieldIndexes();
  for (const [field, schema] of SCHEMAS) indexes.create(field, schema);
  return indexes;
}

/** With probability `addShare` re-indexes point `o` with a new random payload, else removes it (`payloads` follows). */
function churnPoint(indexes: FieldIndexes, payloads: Payloads, o: number, r: () => number, addShare: number): void {
  if (r() < addShare) {
    payloads[o] = randomPayload(r);
    indexes.addPoint(o, payloads[o]);
  } else {
    payloads[o] = undefined;
    indexes.removePoint(o);
  }
}

function setup(seed: number, n: number): { indexes: FieldIndexes; payloads: Payloads } {
  const r = rng(seed);
  const indexes = allIndexes();
  const payloads: Payloads = [];
  for (let i = 0; i < n; i++) {
    const p = r() < 0.05 ? undefined : randomPayload(r);
    payloads.push(p);
    indexes.addPoint(i, p);
  }
  // Churn: re-index some points with new payloads and delete others.
  for (let i = 0; i < n / 5; i++) churnPoint(indexes, payloads, Math.floor(r() * n), r, 0.5);
  return { indexes, payloads };
}

function bruteForce(indexes: FieldIndexes, payloads: ReadonlyArray<Record<string, unknown> | undefined>, json: unknown): number[] {
  const filter = parseFilter({ must: [json] });
  const out: number[] = [];
  payloads.forEach((payload, i) => {
    if (matches(filter, { id: i, payload, hasVector: () => false }, indexes)) out.push(i);
  });
  return out;
}

describe('payload index candidates equal a brute-force scan (seeded)', () => {
  for (const seed of [1, 2, 3, 42, 1234]) {
    it(`seed ${seed}: every answerable condition is exact, estimates bound the truth`, () => {
      const { indexes, payloads } = setup(seed, 400);
      const r = rng(seed * 7919);
      let answered = 0;
      for (let i = 0; i < 300; i++) {
        const json = randomFieldCondition(r);
        const cond = parseFilter({ must: [json] }).must?.[0] as FieldCondition;
        const expected = bruteForce(indexes, payloads, json);
        const got = indexes.candidates(cond);
        const est = indexes.estimate(cond, payloads.length);
        const msg = `seed ${seed}, case ${i}: ${JSON.stringify(json)}`;
        if (got === null) {
          assert.equal(est, null, `estimate must be null when candidates are: ${msg}`);
          continue;
        }
        answered++;
        assert.deepEqual([...got], expected, msg);
        assert.ok(est !== null, msg);
        assert.ok(est.min <= expected.length && expected.length <= est.max, `${msg}: ${expected.length} outside ${JSON.stringify(est)}`);
        assert.ok(est.min <= est.exp && est.exp <= est.max, `${msg}: ${JSON.stringify(est)}`);
      }
      assert.ok(answered > 150, `only ${answered} conditions were answered by indexes`);
    });
  }
});

describe('payload index candidates stay exact while points change between lookups (seeded)', () => {
  // Indexes keep the sorted list of a looked-up value; every add, re-add and removal must drop it.
  for (const seed of [5, 77, 2024]) {
    it(`seed ${seed}: a lookup after each change equals a brute-force scan`, () => {
      const r = rng(seed);
      const indexes = allIndexes();
      const payloads: Payloads = [];
      const conditions = Array.from({ length: 12 }, () => randomFieldCondition(r));
      let compared = 0;
      for (let step = 0; step < 600; step++) {
        churnPoint(indexes, payloads, Math.floor(r() * 120), r, 0.7);
        const json = conditions[step % conditions.length];
        const got = indexes.candidates(parseFilter({ must: [json] }).must?.[0] as FieldCondition);
        if (got === null) continue;
        compared++;
        assert.deepEqual([...got], bruteForce(indexes, payloads, json), `seed ${seed}, step ${step}: ${JSON.stringify(json)}`);
      }
      assert.ok(compared > 200, `only ${compared} lookups were answered by indexes`);
    });
  }

  it('a keyword value looked up twice gives the same list, and a change to its points a new one', () => {
    const fi = new FieldIndexes();
    fi.create('k', 'keyword');
    for (let o = 0; o < 10; o++) fi.addPoint(o, { k: o % 2 === 0 ? 'even' : 'odd' });
    const cond = parseFilter({ must: [{ key: 'k', match: { value: 'even' } }] }).must?.[0] as FieldCondition;
    const first = fi.candidates(cond);
    assert.deepEqual([...(first ?? [])], [0, 2, 4, 6, 8]);
    assert.equal(fi.candidates(cond), first, 'the second lookup reuses the sorted list');
    fi.addPoint(3, { k: 'even' });
    assert.deepEqual([...(fi.candidates(cond) ?? [])], [0, 2, 3, 4, 6, 8]);
    fi.removePoint(4);
    assert.deepEqual([...(fi.candidates(cond) ?? [])], [0, 2, 3, 6, 8]);
    assert.deepEqual([...(first ?? [])], [0, 2, 4, 6, 8], 'a list handed out earlier is not modified');
  });
});

describe('index capabilities', () => {
  const fi = new FieldIndexes();
  fi.create('k', 'keyword');
  fi.create('i', { type: 'integer', lookup: false });
  fi.create('j', { type: 'integer', range: false });
  const payloads = [{ k: 'a', i: 1, j: 1 }, { k: ['a', 'b'], i: 2.5, j: 2 }, { k: 7, i: 'x', j: [1, 3] }, { k: null }];
  payloads.forEach((p, o) => fi.addPoint(o, p));
  const cand = (c: unknown): number[] | null => {
    const got = fi.candidates(parseFilter({ must: [c] }).must?.[0] as FieldCondition);
    return got === null ? null : [...got];
  };

  it('keyword answers string matches, and except includes other-typed values', () => {
    assert.deepEqual(cand({ key: 'k', match: { value: 'a' } }), [0, 1]);
    assert.deepEqual(cand({ key: 'k', match: { any: ['b', 'z'] } }), [1]);
    assert.deepEqual(cand({ key: 'k', match: { except: ['a'] } }), [1, 2]);
    assert.equal(cand({ key: 'k', match: { value: 7 } }), null);
    assert.equal(cand({ key: 'k', match: { text: 'a' } }), null);
    assert.equal(cand({ key: 'k', range: { gt: 1 } }), null);
  });

  it('integer honours lookup / range flags and keeps fractional numbers in ranges', () => {
    assert.equal(cand({ key: 'i', match: { value: 1 } }), null);
    assert.deepEqual(cand({ key: 'i', range: { gt: 2 } }), [1]);
    assert.deepEqual(cand({ key: 'j', match: { any: [1, 3] } }), [0, 2]);
    assert.equal(cand({ key: 'j', range: { gt: 0 } }), null);
  });

  it('several checks in one condition are answered as a union', () => {
    assert.deepEqual(cand({ key: 'k', match: { value: 'b' }, range: { gt: 1 } }), null);
    assert.deepEqual(cand({ key: 'i', range: { gt: 2 }, match: { value: 1 } }), null);
  });
});
