import { strict as assert } from 'node:assert';
import { describe, it } from 'node:test';
import { AppError } from '../../../../src/errors.js';
import { validateQuery } from '../../../../src/api/rest/schemas/validator.js';

function rejects(operationId: string, query: Record<string, unknown>, pattern: RegExp): void {
  assert.throws(
    () => validateQuery(operationId, query),
    (e: unknown) => {
      assert.ok(e instanceof AppError, `expected AppError, got ${String(e)}`);
      assert.equal(e.code, 'QUERY_VALIDATION');
      assert.equal(e.kind, 'bad_input');
      assert.ok(e.message.startsWith('Query deserialize error: '), e.message);
      assert.match(e.message, pattern);
      return true;
    },
  );
}

describe('validateQuery: coercion', () => {
  it('booleans, enums and integers', () => {
    assert.deepEqual(validateQuery('upsert_points', { wait: 'true', ordering: 'strong', timeout: '30' }), {
      wait: true, ordering: 'strong', timeout: 30,
    });
    assert.deepEqual(validateQuery('upsert_points', { wait: 'false', ordering: 'weak' }), { wait: false, ordering: 'weak' });
    assert.deepEqual(validateQuery('delete_collection', { timeout: '5' }), { timeout: 5 });
  });

  it('a number-or-enum parameter (read consistency) takes either', () => {
    assert.deepEqual(validateQuery('get_point', { consistency: '2' }), { consistency: 2 });
    assert.deepEqual(validateQuery('query_points', { consistency: 'majority' }), { consistency: 'majority' });
  });

  it('already-typed values pass as they are', () => {
    assert.deepEqual(validateQuery('upsert_points', { wait: true, timeout: 10 }), { wait: true, timeout: 10 });
  });

  it('a parameter given once as an array is unwrapped', () => {
    assert.deepEqual(validateQuery('upsert_points', { wait: ['true'] }), { wait: true });
  });

  it('unknown parameters are passed through untouched; no parameters → empty object', () => {
    assert.deepEqual(validateQuery('upsert_points', { wait: 'true', foo: 'bar', n: ['1', '2'] }), { wait: true, foo: 'bar', n: ['1', '2'] });
    assert.deepEqual(validateQuery('get_collections', {}), {});
    assert.deepEqual(validateQuery('get_collections', { anything: 'x' }), { anything: 'x' });
  });

  it('does not mutate its input', () => {
    const q = { wait: 'true' };
    validateQuery('upsert_points', q);
    assert.deepEqual(q, { wait: 'true' });
  });

  it('ignores __proto__ keys', () => {
    const q = JSON.parse('{"__proto__": {"polluted": 1}, "wait": "true"}') as Record<string, unknown>;
    const out = validateQuery('upsert_points', q);
    assert.deepEqual(out, { wait: true });
    assert.equal(({} as Record<string, unknown>)['polluted'], undefined);
  });
});

describe('validateQuery: errors name the parameter', () => {
  it('bad enum value', () => {
    rejects('upsert_points', { ordering: 'fast' }, /ordering: unknown variant `fast`, expected one of `weak`, `medium`, `strong`$/);
    rejects('get_point', { consistency: 'some' }, /consistency: unknown variant `some`, expected one of `majority`, `quorum`, `all`$/);
  });

  it('bad boolean', () => {
    rejects('upsert_points', { wait: 'yes' }, /wait: expected a boolean, got string "yes"$/);
    rejects('upsert_points', { wait: '' }, /wait: expected a boolean, got string ""$/);
    rejects('upsert_points', { wait: 'TRUE' }, /wait: expected a boolean/);
  });

  it('bad integers', () => {
    rejects('upsert_points', { timeout: 'abc' }, /timeout: expected an integer, got string "abc"$/);
    rejects('upsert_points', { timeout: '1.5' }, /timeout: expected an integer, got string "1\.5"$/);
    rejects('upsert_points', { timeout: '-3' }, /timeout: invalid value: integer `-3`, expected u64$/);
    assert.throws(
      () => validateQuery('upsert_points', { timeout: '0' }),
      (e: unknown) => e instanceof AppError && e.code === 'QUERY_CONSTRAINT' && e.message === 'Validation error in query parameters: [timeout: value 0 invalid, must be 1 or larger]',
    );
    rejects('get_point', { consistency: '-1' }, /consistency: /);
  });

  it('a parameter given twice', () => {
    rejects('upsert_points', { wait: ['true', 'false'] }, /duplicate field `wait`$/);
  });

  it('an unknown operation is a server error', () => {
    assert.throws(() => validateQuery('nope', {}), (e: unknown) => e instanceof AppError && e.code === 'SERVICE_ERROR');
  });
});
