import { strict as assert } from 'node:assert';
import { describe, it } from 'node:test';
import { createSpecAjv, isQdrantDateTime } from '../../../../src/api/rest/schemas/validator.js';

describe('formats', () => {
  it('date-time accepts what Qdrant parses', () => {
    for (const s of [
      '2023-02-08T10:49:00Z',
      '2023-02-08t10:49:00z',
      '2023-02-08T10:49:00.123456Z',
      '2023-02-08T10:49:00+01:00',
      '2023-02-08T10:49:00-0130',
      '2023-02-08T10:49:00+01',
      '2023-02-08 10:49:00',
      '2023-02-08 10:49:00.5',
      '2023-02-08T10:49:00',
      '2023-02-08 10:49',
      '2023-02-08',
      '2024-02-29',
      '2016-12-31T23:59:60Z',
    ]) assert.ok(isQdrantDateTime(s), s);
  });

  it('date-time rejects what Qdrant rejects', () => {
    for (const s of [
      '', 'now', '2023-02-08T', '2023-2-8', '08/02/2023', '2023-02-30', '2023-02-29', '2023-13-01',
      '2023-02-08T24:00:00Z', '2023-02-08T10:60:00Z', '2023-02-08T10:49Z', '2023-02-08T10:49:00+25:00', ' 2023-02-08',
    ]) assert.ok(!isQdrantDateTime(s), s);
  });

  const ajv = createSpecAjv();
  const check = (format: string, type: string, value: unknown): boolean => ajv.validate({ type, format }, value);

  it('unsigned and signed integer formats check their ranges', () => {
    assert.ok(check('uint64', 'integer', 0));
    assert.ok(check('uint64', 'integer', Number.MAX_SAFE_INTEGER));
    assert.ok(check('uint64', 'integer', JSON.parse('18446744073709551615')), 'u64::MAX as JSON parses to 2^64');
    assert.ok(!check('uint64', 'integer', -1));
    assert.ok(!check('uint64', 'integer', 2 ** 65));
    assert.ok(check('uint32', 'integer', 4294967295));
    assert.ok(!check('uint32', 'integer', 4294967296));
    assert.ok(check('uint8', 'integer', 255));
    assert.ok(!check('uint8', 'integer', 256));
    assert.ok(check('int64', 'integer', -(2 ** 63)));
    assert.ok(!check('uint', 'integer', -1));
  });

  it('float must fit f32, double must be finite; NaN/Infinity are never numbers', () => {
    assert.ok(check('float', 'number', 3.4028234663852886e38));
    assert.ok(!check('float', 'number', 1e39));
    assert.ok(check('double', 'number', 1e300));
    for (const f of ['float', 'double']) {
      assert.ok(!check(f, 'number', Number.NaN));
      assert.ok(!check(f, 'number', Infinity));
    }
    assert.ok(!ajv.validate({ type: 'number' }, Number.NaN), 'strictNumbers');
    assert.ok(!ajv.validate({ type: 'integer' }, -Infinity), 'strictNumbers');
  });

  it('uuid accepts every form Qdrant parses', () => {
    for (const s of [
      '5c56c793-69f3-4fbf-87e6-c4bf54c28c26',
      '5C56C793-69F3-4FBF-87E6-C4BF54C28C26',
      '5c56c79369f34fbf87e6c4bf54c28c26',
      '{5c56c793-69f3-4fbf-87e6-c4bf54c28c26}',
      'urn:uuid:5c56c793-69f3-4fbf-87e6-c4bf54c28c26',
    ]) assert.ok(check('uuid', 'string', s), s);
    for (const s of ['', 'abc', '5c56c793-69f3-4fbf-87e6-c4bf54c28c2', '5c56c793-69f3-4fbf-87e6-c4bf54c28c2g', '5c56c793-69f34fbf-87e6-c4bf54c28c26']) {
      assert.ok(!check('uuid', 'string', s), s);
    }
  });

  it('partial-date-time is a date-time without offset', () => {
    assert.ok(check('partial-date-time', 'string', '2022-08-04T10:49:10'));
    assert.ok(check('partial-date-time', 'string', '2022-08-04T10:49:10.123'));
    assert.ok(!check('partial-date-time', 'string', '2022-08-04T10:49:10Z'));
    assert.ok(!check('partial-date-time', 'string', '2022-08-04'));
  });

  it('formats apply to their own type only (nullable formatted fields accept null)', () => {
    assert.ok(ajv.validate({ type: ['integer', 'null'], format: 'uint64' }, null));
    assert.ok(ajv.validate({ type: ['string', 'null'], format: 'date-time' }, null));
  });
});
