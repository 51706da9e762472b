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

function setup(seed: number, n: number): { indexes: FieldIndexes; payloads: Array<Record<string, unknown> | undefined> } {
  const r = rng(seed);
  const indexes = new FieldIndexes();
  for (const [field, schema] of SCHEMAS) indexes.create(field, schema);
  const payloads: Array<Record<string, unknown> | undefined> = [];
  for (let i = 0; i < n; i++) {
    const p = r() < 0.05 ? undefined : randomPayload(r);
    payloads.push(p);
    indexes.addPoint(i, p);
  }
  // Churn: re-index some points with new payloads and delete others.
  for (let i = 0; i < n / 5; i++) {
    const o = Math.floor(r() * n);
    if (r() < 0.5) {
      payloads[o] = randomPayload(r);
      indexes.addPoint(o, payloads[o]);
    } else {
      payloads[o] = undefined;
      indexes.removePoint(o);
    }
  }
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
