import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { firstUnsafeInteger as scan } from '../../../src/api/rest/json-unsafe-integers.js';

const firstUnsafeInteger = (text: string): ReturnType<typeof scan> => scan(text, JSON.parse(text));

describe('integer literals beyond ±2^53−1 in JSON bodies', () => {
  it('finds the first one and names its path', () => {
    assert.deepEqual(firstUnsafeInteger('{"points":[{"id":1,"payload":{"a":"9007199254740993","b":[0,9007199254740993]}}]}'), { literal: '9007199254740993', path: 'points[0].payload.b[1]' });
    assert.deepEqual(firstUnsafeInteger('[1, 2, -9223372036854775808]'), { literal: '-9223372036854775808', path: '[2]' });
    assert.deepEqual(firstUnsafeInteger('{"a": {"x": 1}, "b\\"c": 18446744073709551615}'), { literal: '18446744073709551615', path: 'b"c' });
    assert.deepEqual(firstUnsafeInteger('{"a":[[1],[2,{"k":123456789012345678901234567890}]]}'), { literal: '123456789012345678901234567890', path: 'a[1][1].k' });
  });

  it('passes safe integers, floats of any size, and digits inside strings', () => {
    for (const text of [
      '{"a": 9007199254740991, "b": -9007199254740991}',
      '{"a": 1e20, "b": 12345678901234567890.5, "c": 1.2345678901234567e+25, "d": 0.12345678901234567890}',
      '{"a": "12345678901234567890", "12345678901234567890": 1}',
      '[0.5, -0.25, 1234567890123456]',
    ]) assert.equal(firstUnsafeInteger(text), undefined, text);
  });
});
