import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { matches } from '../../../../src/index/filter/evaluate.js';
import { parseFilter } from '../../../../src/index/filter/parse.js';
import { combineMinShould, combineMust, combineShould, planFilter } from '../../../../src/index/filter/plan.js';
import { FieldIndexes } from '../../../../src/index/payload/field-indexes.js';
import type { PointId } from '../../../../src/storage/point-id.js';
import { randomFilter, randomPayload, rng } from '../payload/random-dataset.js';

describe('cardinality combination (Qdrant query_estimator)', () => {
  const TOTAL = 1000;
  const color = { min: 100, exp: 200, max: 300 };
  const size = { min: 100, exp: 100, max: 100 };
  it('must multiplies probabilities, takes the smallest max and a Bonferroni min', () => {
    assert.deepEqual(combineMust([color, size], TOTAL), { min: 0, exp: 20, max: 100 });
    assert.deepEqual(combineMust([], TOTAL), { min: TOTAL, exp: TOTAL, max: TOTAL });
  });
  it('should uses the complement rule, the largest min and the capped sum of max', () => {
    assert.deepEqual(combineShould([color, size], TOTAL), { min: 100, exp: 280, max: 400 });
  });
  it('min_should combines the intersections of every subset', () => {
    assert.deepEqual(combineMinShould([color, size], 2, TOTAL), combineShould([combineMust([color, size], TOTAL)], TOTAL));
    assert.deepEqual(combineMinShould([color], 2, TOTAL), { min: 0, exp: 0, max: 0 });
  });
});

describe('planFilter', () => {
  const fi = new FieldIndexes();
  fi.create('city', 'keyword');
  fi.create('n', 'integer');
  const cities = ['London', 'Berlin', 'Moscow', 'Paris'];
  for (let i = 0; i < 100; i++) fi.addPoint(i, { city: cities[i % 4], n: i });

  it('intersects indexed must conditions', () => {
    const plan = planFilter(parseFilter({ must: [{ key: 'city', match: { value: 'London' } }, { key: 'n', range: { lt: 10 } }] }), fi, 100);
    assert.deepEqual([...(plan.candidates ?? [])], [0, 4, 8]);
    assert.ok(plan.estimate.max <= 3 && plan.estimatedCardinality <= 3);
  });

  it('unions should conditions only when every branch is indexed', () => {
    const both = planFilter(parseFilter({ should: [{ key: 'n', match: { value: 1 } }, { key: 'n', match: { value: 2 } }] }), fi, 100);
    assert.deepEqual([...(both.candidates ?? [])], [1, 2]);
    const partial = planFilter(parseFilter({ should: [{ key: 'n', match: { value: 1 } }, { key: 'other', match: { value: 2 } }] }), fi, 100);
    assert.equal(partial.candidates, null);
  });

  it('returns null candidates and the unknown estimate for unindexed filters', () => {
    const plan = planFilter(parseFilter({ must: [{ key: 'other', match: { value: 1 } }] }), fi, 100);
    assert.equal(plan.candidates, null);
    assert.deepEqual(plan.estimate, { min: 0, exp: 50, max: 100 });
  });

  it('inverts must_not estimates and knows should: [] matches nothing', () => {
    const plan = planFilter(parseFilter({ must_not: [{ key: 'city', match: { value: 'London' } }] }), fi, 100);
    assert.equal(plan.candidates, null);
    assert.deepEqual(plan.estimate, { min: 75, exp: 75, max: 75 });
    const none = planFilter(parseFilter({ should: [] }), fi, 100);
    assert.deepEqual([...(none.candidates ?? [1])], []);
    assert.equal(none.estimatedCardinality, 0);
  });

  it('uses resolveId for has_id', () => {
    const plan = planFilter(parseFilter({ must: [{ has_id: [5, 3, 999] }] }), fi, 100, {
      resolveId: (id) => (typeof id === 'number' && id < 100 ? id : undefined),
    });
    assert.deepEqual([...(plan.candidates ?? [])], [3, 5]);
    assert.deepEqual(plan.estimate, { min: 2, exp: 2, max: 2 });
  });

  it('marks a plan exact only when index lookups decide every condition', () => {
    const exact = (json: unknown): boolean => planFilter(parseFilter(json), fi, 100, { resolveId: (id) => (typeof id === 'number' ? id : undefined) }).exact;
    assert.equal(exact({ must: [{ key: 'city', match: { value: 'London' } }] }), true);
    assert.equal(exact({ must: [{ key: 'city', match: { any: ['London', 'Paris'] } }, { has_id: [0, 1, 2] }] }), true);
    assert.equal(exact({ must: [{ must: [{ key: 'city', match: { value: 'Paris' } }] }] }), true);
    // Integer ranges, unindexed fields, except, should / must_not: candidates (if any) are only a superset.
    assert.equal(exact({ must: [{ key: 'city', match: { value: 'London' } }, { key: 'n', range: { lt: 10 } }] }), false);
    assert.equal(exact({ must: [{ key: 'city', match: { value: 'London' } }, { key: 'other', match: { value: 1 } }] }), false);
    assert.equal(exact({ must: [{ key: 'city', match: { except: ['London'] } }] }), false);
    assert.equal(exact({ should: [{ key: 'city', match: { value: 'London' } }] }), false);
    assert.equal(exact({ must: [{ key: 'city', match: { value: 'London' } }], must_not: [{ has_id: [0] }] }), false);
    assert.equal(exact({ must: [{ key: 'city', match: { value: 5 } }] }), false);
  });

  it('the empty filter matches everything', () => {
    const plan = planFilter(parseFilter({}), fi, 100);
    assert.equal(plan.candidates, null);
    assert.equal(plan.estimatedCardinality, 100);
  });
});

describe('planner property: candidates ⊇ matches, estimates bound the truth (seeded)', () => {
  for (const seed of [7, 99, 2024]) {
    it(`seed ${seed}`, () => {
      const r = rng(seed);
      const fi = new FieldIndexes();
      fi.create('kw', 'keyword');
      fi.create('int', 'integer');
      fi.create('f', 'float');
      fi.create('b', 'bool');
      fi.create('loc', 'geo');
      fi.create('dt', 'datetime');
      fi.create('txt', { type: 'text', phrase_matching: true });
      fi.create('u', 'uuid');
      const n = 300;
      const payloads: Array<Record<string, unknown> | undefined> = [];
      for (let i = 0; i < n; i++) {
        payloads.push(randomPayload(r));
        fi.addPoint(i, payloads[i]);
      }
      const resolveId = (id: PointId): number | undefined => (typeof id === 'number' && id < n ? id : undefined);
      let withCandidates = 0;
      let exactPlans = 0;
      for (let k = 0; k < 250; k++) {
        const json = randomFilter(r);
        const filter = parseFilter(json);
        const truth: number[] = [];
        for (let i = 0; i < n; i++) {
          if (matches(filter, { id: i, payload: payloads[i], hasVector: () => true }, fi)) truth.push(i);
        }
        const plan = planFilter(filter, fi, n, { resolveId });
        const msg = `seed ${seed}, case ${k}: ${JSON.stringify(json)}`;
        const { min, exp, max } = plan.estimate;
        assert.ok(min <= exp && exp <= max && max <= n, `${msg}: ${JSON.stringify(plan.estimate)}`);
        assert.ok(min <= truth.length && truth.length <= max, `${msg}: ${truth.length} outside ${JSON.stringify(plan.estimate)}`);
        if (plan.candidates === null) continue;
        withCandidates++;
        const cands = [...plan.candidates];
        assert.deepEqual(cands, [...cands].sort((a, b) => a - b), `${msg}: sorted`);
        assert.equal(new Set(cands).size, cands.length, `${msg}: unique`);
        const refined = cands.filter((i) => matches(filter, { id: i, payload: payloads[i], hasVector: () => true }, fi));
        assert.deepEqual(refined, truth, msg);
        // An exact plan's candidates are the answer without any per-point check.
        if (plan.exact) {
          exactPlans++;
          assert.deepEqual(cands, truth, `${msg}: exact`);
          assert.deepEqual(plan.estimate, { min: truth.length, exp: truth.length, max: truth.length }, `${msg}: exact estimate`);
        }
      }
      assert.ok(withCandidates > 60, `only ${withCandidates} filters had candidates`);
      assert.ok(exactPlans > 0, 'no filter was planned as exact');
    });
  }
});
