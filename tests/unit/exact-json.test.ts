import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { approximateBigints, exactInteger, holdsLargeNumber, noteBigints, parseExactJson, parsedWithBigints, stringifyExact, stringifyJson } from '../../src/exact-json.js';

describe('exact JSON', () => {
  it('parses integers beyond ±(2^53−1) within [−2^63, 2^64−1] as bigints, everything else as JSON.parse does', () => {
    const v = parseExactJson('{"a":9223372036854775807,"b":[-9223372036854775808,9007199254740993,9007199254740991],"u":18446744073709551615,"over":18446744073709551616,"f":1e20,"g":12345678901234567890.5,"e":9007199254740993e0}');
    assert.deepStrictEqual(v, {
      a: 2n ** 63n - 1n,
      b: [-(2n ** 63n), 2n ** 53n + 1n, 9007199254740991],
      u: 2n ** 64n - 1n,
      over: 2 ** 64,
      f: 1e20,
      g: Number('12345678901234567890.5'),
      e: 9007199254740992,
    });
    assert.equal(parsedWithBigints(v), true);
    assert.equal(parsedWithBigints(parseExactJson('{"n":1e20}')), false);
  });

  it('keeps the last of duplicate keys and `__proto__` as an own key, like JSON.parse', () => {
    const text = '{"k":1,"k":9007199254740993,"__proto__":{"polluted":9007199254740993}}';
    const v = parseExactJson(text) as Record<string, unknown>;
    assert.equal(v['k'], 2n ** 53n + 1n);
    assert.ok(Object.hasOwn(v, '__proto__'));
    assert.equal(Object.getPrototypeOf(v), Object.prototype);
    assert.deepEqual(Object.keys(v), Object.keys(JSON.parse(text) as object));
    assert.throws(() => parseExactJson('{"a":9007199254740993,}'), SyntaxError);
  });

  it('tells when JSON.parse met a number beyond the safe range, and notes assembled values holding bigints', () => {
    assert.equal(holdsLargeNumber(JSON.parse('{"a":[1,2.5,"x",{"b":-9007199254740991}]}')), false);
    assert.equal(holdsLargeNumber(JSON.parse('{"a":[1,{"b":[9007199254740993]}]}')), true);
    assert.equal(holdsLargeNumber(JSON.parse('[1e300]')), true);
    const assembled = { points: [parseExactJson('{"n":9007199254740993}')] };
    assert.equal(parsedWithBigints(assembled), false);
    assert.equal(parsedWithBigints(noteBigints(assembled)), true);
    assert.equal(parsedWithBigints(noteBigints({ points: [{ n: 1e20 }] })), false);
  });

  it('normalises exact integers: numbers within ±(2^53−1), bigints beyond', () => {
    assert.equal(exactInteger(2n ** 53n - 1n), 9007199254740991);
    assert.equal(exactInteger(-(2n ** 53n) + 1n), -9007199254740991);
    assert.equal(exactInteger(2n ** 53n), 2n ** 53n);
  });

  it('writes bigints as digits; exact text gives large doubles an exponent so they read back as floats', () => {
    assert.equal(stringifyJson({ a: 2n ** 63n - 1n, b: [1, 'x'] }), '{"a":9223372036854775807,"b":[1,"x"]}');
    assert.equal(stringifyJson({ f: 1e20 }), JSON.stringify({ f: 1e20 }));
    assert.deepEqual(stringifyExact({ f: 1e20 }), { text: '{"f":100000000000000000000}', exact: false });
    const { text, exact } = stringifyExact({ n: 2n ** 53n + 1n, f: 1e20, g: 2 ** 60, s: 0.1 });
    assert.equal(exact, true);
    assert.equal(text, '{"n":9007199254740993,"f":1e+20,"g":1.152921504606847e+18,"s":0.1}');
    assert.deepStrictEqual(parseExactJson(text), { n: 2n ** 53n + 1n, f: 1e20, g: 2 ** 60, s: 0.1 });
  });

  it('round-trips any value of bigints, doubles and strings (read exactly when marked exact, else by JSON.parse)', () => {
    const leaf = fc.oneof(fc.bigInt({ min: -(2n ** 63n), max: 2n ** 64n - 1n }).map(exactInteger), fc.double({ noNaN: true, noDefaultInfinity: true }).filter((d) => !Object.is(d, -0)), fc.string(), fc.boolean(), fc.constant(null));
    const value = fc.letrec((tie) => ({ v: fc.oneof({ depthSize: 'small' }, leaf, fc.array(tie('v'), { maxLength: 3 }), fc.dictionary(fc.string(), tie('v'), { maxKeys: 3, noNullPrototype: true })) })).v;
    fc.assert(
      fc.property(value, (v) => {
        const { text, exact } = stringifyExact(v);
        assert.deepStrictEqual(exact ? parseExactJson(text) : JSON.parse(text), v);
      }),
      { seed: 3, numRuns: 500 },
    );
  });

  it('approximates bigints as doubles for checks that know only JSON numbers', () => {
    assert.deepStrictEqual(approximateBigints({ a: [2n ** 63n - 1n, 'x'], __proto__x: 1 }), { a: [9223372036854775808, 'x'], __proto__x: 1 });
  });
});
