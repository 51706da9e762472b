/**
 * The dashboard's browser-side logic that needs no DOM: what it hides (must agree with what the server
 * decides), the filter checker, PCA, and the Prometheus reader of the Service page.
 */
import { strict as assert } from 'node:assert';
import { describe, it } from 'node:test';
import { OPERATION_NAMES } from '../../../src/auth/access-table.js';
import type { Access } from '../../../src/auth/access.js';
import { authorize } from '../../../src/auth/authorize.js';
import { AppError } from '../../../src/errors.js';
import { accessTableData } from '../../../src/api/dashboard/routes.js';
import { makeSession, type SessionInfo } from '../../../web/src/session.js';
import { addCondition, checkFilter, guidedCondition, parseFilterText } from '../../../web/src/filter.js';
import { pca2 } from '../../../web/src/pca.js';
import { parsePrometheus, total } from '../../../web/src/metrics.js';
import { deps } from '../auth/fixtures.js';

function session(access: unknown): ReturnType<typeof makeSession> {
  const info: SessionInfo = {
    auth_type: 'Jwt',
    access,
    subject: null,
    key_name: null,
    expires_at: null,
    value_exists: null,
    server: { version: 'test', jwt_rbac: true, hide_jwt_dashboard: false, api_keys_file: true, audit: true },
    // Exactly what GET /dashboard/api/session sends.
    access_table: JSON.parse(JSON.stringify(accessTableData())),
  };
  return makeSession(info);
}

describe('dashboard: what the UI shows agrees with the server', () => {
  const kinds: Array<[string, unknown, Access]> = [
    ['m', 'm', { kind: 'global', level: 'm' }],
    ['r', 'r', { kind: 'global', level: 'r' }],
    ['crw', [{ collection: 'c', access: 'rw' }], { kind: 'collections', grants: [{ collection: 'c', access: 'rw' }] }],
    ['cr', [{ collection: 'c', access: 'r' }], { kind: 'collections', grants: [{ collection: 'c', access: 'r' }] }],
    ['cprw', [{ collection: 'c', access: 'prw' }], { kind: 'collections', grants: [{ collection: 'c', access: 'prw' }] }],
  ];
  for (const [name, claim, access] of kinds) {
    it(`${name}: session.can(op, 'c') is true exactly when authorize() allows op on c`, async () => {
      const s = session(claim);
      const mismatches: string[] = [];
      for (const op of OPERATION_NAMES) {
        let allowed = true;
        try {
          await authorize({ type: 'Jwt', access }, op, { collection: 'c' }, deps());
        } catch (e) {
          if (!(e instanceof AppError)) throw e;
          allowed = false;
        }
        if (s.can(op, 'c') !== allowed) mismatches.push(`${op}: ui ${String(s.can(op, 'c'))}, server ${String(allowed)}`);
      }
      assert.deepEqual(mismatches, []);
    });
  }

  it('without a collection chosen, a collection operation is shown when some granted collection allows it', () => {
    assert.equal(session([{ collection: 'a', access: 'r' }, { collection: 'b', access: 'rw' }]).can('upsert_points'), true);
    assert.equal(session([{ collection: 'a', access: 'r' }]).can('upsert_points'), false);
    assert.equal(session([{ collection: 'a', access: 'prw' }]).can('create_snapshot'), false);
    assert.equal(session('r').can('scroll_points'), true);
    assert.equal(session('r').can('no_such_operation'), false);
  });
});

describe('dashboard: filter editor checks', () => {
  it('accepts the shapes of Qdrant filters', () => {
    for (const f of [
      {},
      { must: [{ key: 'city', match: { value: 'Paris' } }] },
      { should: { key: 'n', range: { gte: 1 } }, must_not: [{ has_id: [1, 2] }] },
      { must: [{ is_empty: { key: 'tags' } }, { nested: { key: 'a', filter: { must: [{ key: 'b', match: { any: [1] } }] } } }] },
      { must: [{ must: [{ key: 'x', values_count: { gt: 1 } }] }], min_should: { conditions: [{ key: 'y', match: { value: 1 } }], min_count: 1 } },
    ]) {
      assert.equal(checkFilter(f), undefined, JSON.stringify(f));
    }
  });

  it('points at the first mistake', () => {
    assert.match(checkFilter([]) ?? '', /expected an object/);
    assert.match(checkFilter({ mus: [] }) ?? '', /unknown clause "mus"/);
    assert.match(checkFilter({ must: [{ key: 'city' }] }) ?? '', /filter\.must\[0\]: a field condition needs exactly one of/);
    assert.match(checkFilter({ must: [{ key: 'a', match: {}, range: {} }] }) ?? '', /exactly one/);
    assert.match(checkFilter({ must: [{ has_id: 1 }] }) ?? '', /has_id/);
    assert.match(checkFilter({ should: [{ foo: 1 }] }) ?? '', /filter\.should\[0\]: unknown condition/);
    assert.match(checkFilter({ must: [{ nested: { key: 'a', filter: { must: [{ key: 'b' }] } } }] }) ?? '', /nested\.filter\.must\[0\]/);
    assert.match(parseFilterText('{"must": [').error ?? '', /Not valid JSON/);
    assert.deepEqual(parseFilterText('  '), {});
  });

  it('guided conditions build valid filters', () => {
    let text = addCondition('', guidedCondition('city', 'equals', 'Paris'));
    text = addCondition(text, guidedCondition('n', '>=', '3'));
    text = addCondition(text, guidedCondition('', 'has id', '1, 2, abc'));
    text = addCondition(text, guidedCondition('ok', 'equals', 'true'));
    const parsed = parseFilterText(text);
    assert.equal(parsed.error, undefined);
    assert.deepEqual(parsed.filter, {
      must: [
        { key: 'city', match: { value: 'Paris' } },
        { key: 'n', range: { gte: 3 } },
        { has_id: [1, 2, 'abc'] },
        { key: 'ok', match: { value: true } },
      ],
    });
  });
});

describe('dashboard: PCA', () => {
  it('projects points on a line in 3-D onto the first axis, keeping distances', () => {
    const rows = [0, 1, 2, 3, 4].map((t) => [1 + t, 2 + 2 * t, -t]);
    const xy = pca2(rows);
    const gaps = xy.slice(1).map((p, i) => Math.abs(p[0] - xy[i]![0]));
    for (const g of gaps) assert.ok(Math.abs(g - Math.sqrt(6)) < 1e-6, `gap ${g}`);
    for (const p of xy) assert.ok(Math.abs(p[1]) < 1e-6, `second coordinate ${p[1]}`);
  });

  it('separates clusters, and handles empty and one-dimensional input', () => {
    const rows = [...Array.from({ length: 10 }, (_, i) => [10 + i * 0.01, 0, 0, 0]), ...Array.from({ length: 10 }, (_, i) => [0, 10 + i * 0.01, 0, 0])];
    const xy = pca2(rows);
    const a = xy.slice(0, 10).map((p) => p[0]);
    const b = xy.slice(10).map((p) => p[0]);
    assert.ok(Math.max(...a) < Math.min(...b) || Math.max(...b) < Math.min(...a), 'the clusters do not overlap on the first axis');
    assert.deepEqual(pca2([]), []);
    assert.deepEqual(pca2([[1], [3]]).map((p) => Math.abs(p[0])), [1, 1]);
  });
});

describe('dashboard: Prometheus reader', () => {
  it('sums samples with labels, with or without a metric prefix', () => {
    const text = [
      '# HELP rest_responses_duration_seconds x',
      'rest_responses_duration_seconds_count{method="GET",endpoint="/a",status="200"} 3',
      'rest_responses_duration_seconds_count{method="POST",endpoint="/b",status="200"} 4',
      'rest_responses_duration_seconds_sum{method="GET",endpoint="/a \\"x\\"",status="200"} 0.25',
      'memory_resident_bytes 1048576',
      '',
    ].join('\n');
    const samples = parsePrometheus(text);
    assert.equal(total(samples, 'rest_responses_duration_seconds_count'), 7);
    assert.equal(total(samples, 'rest_responses_duration_seconds_sum'), 0.25);
    assert.equal(samples[2]!.labels['endpoint'], '/a \\"x\\"');
    assert.equal(total(parsePrometheus('qdrant_memory_resident_bytes 5'), 'memory_resident_bytes'), 5);
  });
});
