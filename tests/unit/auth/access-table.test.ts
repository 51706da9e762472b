import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { ACCESS_TABLE, isOperationName, OPERATION_NAMES, type AccessRule, type OperationName } from '../../../src/auth/access-table.js';

const SPEC = join(import.meta.dirname, '../../../spec/qdrant-openapi-1.18.json');
const EXTRAS = [
  'get_quotas', 'update_quotas', 'get_audit_logs', 'recover_full_snapshot', 'recover_full_from_uploaded_snapshot', 'get_logger_config', 'update_logger_config',
  'dashboard', 'dashboard_session', 'create_access_token', 'list_api_keys', 'create_api_key', 'delete_api_key', 'verify_audit_logs',
];

function alsoReads(op: OperationName, body: unknown): string[] {
  const rule: AccessRule = ACCESS_TABLE[op];
  return rule.alsoReads?.(body) ?? [];
}

describe('ACCESS_TABLE', () => {
  it('has one row per operation name, and the names are unique', () => {
    assert.equal(new Set(OPERATION_NAMES).size, OPERATION_NAMES.length);
    assert.deepEqual(Object.keys(ACCESS_TABLE).sort(), [...OPERATION_NAMES].sort());
    assert.equal(OPERATION_NAMES.length, 89);
  });

  it('covers every operationId of the Qdrant spec plus the extras', () => {
    const spec = JSON.parse(readFileSync(SPEC, 'utf8')) as { paths: Record<string, Record<string, { operationId?: string }>> };
    const ids = Object.values(spec.paths).flatMap((methods) => Object.values(methods).map((m) => m.operationId));
    assert.deepEqual([...OPERATION_NAMES].sort(), [...ids, ...EXTRAS].sort());
  });

  it('recognises operation names', () => {
    assert.equal(isOperationName('upsert_points'), true);
    assert.equal(isOperationName('toString'), false);
    assert.equal(isOperationName('nope'), false);
  });
});

describe('alsoReads', () => {
  it('query: lookup_from and nested prefetch (object or list) at any depth', () => {
    const body = {
      lookup_from: { collection: 'top' },
      prefetch: [
        { lookup_from: { collection: 'p1' }, prefetch: { lookup_from: { collection: 'p1a' }, prefetch: [{ lookup_from: { collection: 'deep' } }] } },
        { query: [0.1], prefetch: null },
        'junk',
      ],
    };
    assert.deepEqual(alsoReads('query_points', body).sort(), ['deep', 'p1', 'p1a', 'top']);
    assert.deepEqual(alsoReads('query_points', { prefetch: { lookup_from: { collection: 'single' } } }), ['single']);
  });

  it('query batch: each search', () => {
    const body = { searches: [{ lookup_from: { collection: 'a' } }, { prefetch: { lookup_from: { collection: 'b' } } }, 7] };
    assert.deepEqual(alsoReads('query_batch_points', body).sort(), ['a', 'b']);
  });

  it('query groups: lookup_from, prefetch and with_lookup', () => {
    const body = { lookup_from: { collection: 'a' }, prefetch: [{ lookup_from: { collection: 'b' } }], with_lookup: 'c' };
    assert.deepEqual(alsoReads('query_points_groups', body).sort(), ['a', 'b', 'c']);
  });

  it('search groups: with_lookup as a name or {collection}', () => {
    assert.deepEqual(alsoReads('search_point_groups', { with_lookup: 'names' }), ['names']);
    assert.deepEqual(alsoReads('search_point_groups', { with_lookup: { collection: 'obj', with_payload: true } }), ['obj']);
    assert.deepEqual(alsoReads('search_point_groups', { with_lookup: { with_payload: true } }), []);
  });

  it('recommend and discover (+batch, +groups): lookup_from', () => {
    assert.deepEqual(alsoReads('recommend_points', { lookup_from: { collection: 'r' } }), ['r']);
    assert.deepEqual(alsoReads('discover_points', { lookup_from: { collection: 'd' } }), ['d']);
    assert.deepEqual(alsoReads('recommend_batch_points', { searches: [{ lookup_from: { collection: 'r1' } }, {}] }), ['r1']);
    assert.deepEqual(alsoReads('discover_batch_points', { searches: [{ lookup_from: { collection: 'd1' } }] }), ['d1']);
    assert.deepEqual(alsoReads('recommend_point_groups', { lookup_from: { collection: 'r' }, with_lookup: 'w' }).sort(), ['r', 'w']);
  });

  it('names nothing for malformed or missing bodies', () => {
    for (const body of [undefined, null, 'x', 3, [], { lookup_from: 'x' }, { lookup_from: { collection: 5 } }, { searches: 'x' }]) {
      for (const op of ['query_points', 'query_batch_points', 'recommend_points', 'search_point_groups'] as const) {
        assert.deepEqual(alsoReads(op, body), [], `${op} ${JSON.stringify(body)}`);
      }
    }
  });

  it('survives a prefetch nested deeper than the call stack', () => {
    let body: Record<string, unknown> = { lookup_from: { collection: 'bottom' } };
    for (let i = 0; i < 200_000; i++) body = { prefetch: body };
    assert.deepEqual(alsoReads('query_points', body), ['bottom']);
  });

  it('is only defined on reads', () => {
    for (const op of OPERATION_NAMES) {
      const rule: AccessRule = ACCESS_TABLE[op];
      if (rule.alsoReads !== undefined) assert.equal(rule.need.write, false, op);
    }
  });
});
