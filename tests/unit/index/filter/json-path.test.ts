import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import {
  arrayKey,
  extendJsonPath,
  parseJsonPath,
  rawValuesAt,
  removeAtPath,
  setAtPath,
  tryParseJsonPath,
  valuesAt,
} from '../../../../src/index/json-path.js';
import { isAppError } from '../../../../src/errors.js';

describe('parseJsonPath', () => {
  it('parses keys, wildcards, indexes and quoted keys', () => {
    const p = parseJsonPath('foo[1][50].bar-baz[]."qux[.]quux"');
    assert.deepEqual([...p], [
      { kind: 'key', key: 'foo' },
      { kind: 'index', index: 1 },
      { kind: 'index', index: 50 },
      { kind: 'key', key: 'bar-baz' },
      { kind: 'wildcard' },
      { kind: 'key', key: 'qux[.]quux' },
    ]);
    assert.equal(p.text, 'foo[1][50].bar-baz[]."qux[.]quux"');
  });

  it('canonicalizes needless quotes and accepts unicode keys', () => {
    assert.equal(parseJsonPath('a."b"').text, 'a.b');
    assert.equal(parseJsonPath('Müesli.größe').text, 'Müesli.größe');
    assert.equal(parseJsonPath('"a b".c').text, '"a b".c');
  });

  for (const bad of ['', 'a..b', '.a', 'a.', 'a[', 'a[x]', 'a b', 'a."b', '[0]', 'a."b\\"c"', 'a[-1]']) {
    it(`rejects ${JSON.stringify(bad)} with a bad_input error`, () => {
      assert.throws(() => parseJsonPath(bad), (e: unknown) => isAppError(e) && e.kind === 'bad_input' && e.message.includes('Invalid json path'));
      assert.equal(tryParseJsonPath(bad), null);
    });
  }

  it('appends [] for nested keys and extends paths', () => {
    assert.equal(arrayKey(parseJsonPath('diet')).text, 'diet[]');
    assert.equal(arrayKey(parseJsonPath('diet[]')).text, 'diet[]');
    assert.equal(extendJsonPath(parseJsonPath('a[]'), parseJsonPath('b.c')).text, 'a[].b.c');
  });
});

describe('valuesAt / rawValuesAt', () => {
  const map = {
    a: { b: [{ c: 1 }, { c: 2 }, { d: { e: 3 } }] },
    f: 3,
    g: ['g0', 'g1', 'g2'],
    arr: [{ a: [1, 2, 3] }, { a: 4 }, { b: 5 }],
    n: null,
    constructor: undefined,
  } as Record<string, unknown>;
  delete map['constructor'];

  it('rawValuesAt follows objects and keeps leaf arrays whole (Qdrant value_get)', () => {
    assert.deepEqual(rawValuesAt(map, 'a.b[].c'), [1, 2]);
    assert.deepEqual(rawValuesAt(map, 'a.b[1].c'), [2]);
    assert.deepEqual(rawValuesAt(map, 'g'), [['g0', 'g1', 'g2']]);
    assert.deepEqual(rawValuesAt(map, 'g[2]'), ['g2']);
    assert.deepEqual(rawValuesAt(map, 'arr[].a'), [[1, 2, 3], 4]);
    assert.deepEqual(rawValuesAt(map, 'arr[].a[]'), [1, 2, 3]);
    assert.deepEqual(rawValuesAt(map, 'n'), [null]);
    assert.deepEqual(rawValuesAt(map, 'n[]'), []);
  });

  it('valuesAt flattens leaf arrays one level', () => {
    assert.deepEqual(valuesAt(map, 'g'), ['g0', 'g1', 'g2']);
    assert.deepEqual(valuesAt(map, 'arr[].a'), [1, 2, 3, 4]);
    assert.deepEqual(valuesAt({ a: [1, [2]] }, 'a'), [1, [2]]);
    assert.deepEqual(valuesAt(map, 'a.b[].c'), [1, 2]);
  });

  it('does not walk into arrays without [] (as Qdrant)', () => {
    assert.deepEqual(valuesAt(map, 'a.b.c'), []);
  });

  it('finds nothing for missing paths, out of range indexes and inherited members', () => {
    assert.deepEqual(valuesAt(map, 'a.b[3]'), []);
    assert.deepEqual(valuesAt(map, 'x.y'), []);
    assert.deepEqual(valuesAt(map, 'constructor'), []);
    assert.deepEqual(valuesAt(map, 'a.toString'), []);
    assert.deepEqual(valuesAt(undefined, 'a'), []);
  });
});

describe('setAtPath / removeAtPath', () => {
  const base = { a: { b: [{ c: 1 }, { c: 2 }, { d: { e: 3 } }] }, f: 3, g: ['g0', 'g1', 'g2'] };

  it('merges at the top level without a path, deleting keys set to null', () => {
    assert.deepEqual(setAtPath({ x: 1, y: 2 }, null, { y: null, z: 3 }), { x: 1, z: 3 });
  });

  it('merges inside an array element and leaves the input untouched', () => {
    const before = JSON.stringify(base);
    const out = setAtPath(base, parseJsonPath('a.b[1]'), { c: 5 });
    assert.deepEqual(out, { a: { b: [{ c: 1 }, { c: 5 }, { d: { e: 3 } }] }, f: 3, g: ['g0', 'g1', 'g2'] });
    assert.equal(JSON.stringify(base), before);
    assert.equal(out['g'], base.g, 'untouched subtrees are shared');
  });

  it('creates objects for missing keys and replaces scalars', () => {
    assert.deepEqual(setAtPath({}, parseJsonPath('key1.key2'), { c: 1 }), { key1: { key2: { c: 1 } } });
    assert.deepEqual(setAtPath({ a: 10 }, parseJsonPath('a.b.c'), { x: 1 }), { a: { b: { c: { x: 1 } } } });
    assert.deepEqual(setAtPath({}, parseJsonPath('key1.key2[3]'), { c: 1 }), { key1: { key2: [] } });
    assert.deepEqual(setAtPath({}, parseJsonPath('key1.key2[].key3'), { c: 1 }), { key1: { key2: [] } });
    assert.deepEqual(setAtPath({ a: [{ x: 1 }, { x: 2 }] }, parseJsonPath('a[]'), { y: 0 }), { a: [{ x: 1, y: 0 }, { x: 2, y: 0 }] });
  });

  it('writes __proto__ as an own key without touching prototypes', () => {
    const out = setAtPath({}, parseJsonPath('__proto__'), { polluted: true });
    assert.equal(Object.getPrototypeOf(out), Object.prototype);
    assert.deepEqual(Object.keys(out), ['__proto__']);
    assert.equal(({} as Record<string, unknown>)['polluted'], undefined);
  });

  it('removes keys, empties arrays for a final [] and ignores a final [n]', () => {
    const p = { a: 1, b: { c: 123, e: { f: [1, 2, 3], i: [{ j: 1, k: 2 }, { j: 3, k: 4 }] } } };
    assert.deepEqual(removeAtPath(p, parseJsonPath('b.c')), { a: 1, b: { e: p.b.e } });
    assert.deepEqual(removeAtPath(p, parseJsonPath('b.e.i[].k')), { a: 1, b: { c: 123, e: { f: [1, 2, 3], i: [{ j: 1 }, { j: 3 }] } } });
    assert.deepEqual(removeAtPath(p, parseJsonPath('b.e.i[0].j')), { a: 1, b: { c: 123, e: { f: [1, 2, 3], i: [{ k: 2 }, { j: 3, k: 4 }] } } });
    assert.deepEqual(removeAtPath(p, parseJsonPath('b.e.f[]')), { a: 1, b: { c: 123, e: { f: [], i: p.b.e.i } } });
    assert.equal(removeAtPath(p, parseJsonPath('b.e.f[0]')), p);
    assert.equal(removeAtPath(p, parseJsonPath('zzz')), p);
  });
});
