import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { clearPayload, deletePayloadKeys, overwritePayload, setPayload } from '../../../../src/index/payload/payload-ops.js';
import { isAppError } from '../../../../src/errors.js';

describe('setPayload', () => {
  it('merges top-level keys and keeps the others', () => {
    const before = { a: 1, b: { c: 2 } };
    const after = setPayload(before, { b: 3, d: [1] });
    assert.deepEqual(after, { a: 1, b: 3, d: [1] });
    assert.deepEqual(before, { a: 1, b: { c: 2 } }, 'the input is not mutated');
  });

  it('deletes keys whose new value is null (Qdrant merge_map)', () => {
    assert.deepEqual(setPayload({ a: 1, b: 2 }, { a: null }), { b: 2 });
  });

  it('starts from an empty payload when there is none', () => {
    assert.deepEqual(setPayload(undefined, { a: 1 }), { a: 1 });
    assert.deepEqual(setPayload(null, { a: 1 }), { a: 1 });
  });

  it('with key, merges inside the object at the path (Qdrant docs example)', () => {
    const p = { property1: { nested_property: 'foo' }, property2: { nested_property: 'bar' } };
    assert.deepEqual(setPayload(p, { nested_property: 'qux' }, 'property1'), {
      property1: { nested_property: 'qux' },
      property2: { nested_property: 'bar' },
    });
    assert.deepEqual(p.property1, { nested_property: 'foo' });
  });

  it('with key, creates missing objects and replaces non-objects', () => {
    assert.deepEqual(setPayload({}, { c: 1 }, 'a.b'), { a: { b: { c: 1 } } });
    assert.deepEqual(setPayload({ a: 5 }, { c: 1 }, 'a.b'), { a: { b: { c: 1 } } });
    assert.deepEqual(setPayload({ a: [{ x: 1 }, { x: 2 }] }, { y: 0 }, 'a[1]'), { a: [{ x: 1 }, { x: 2, y: 0 }] });
    assert.deepEqual(setPayload({ a: [{ x: 1 }, { x: 2 }] }, { y: 0 }, 'a[]'), { a: [{ x: 1, y: 0 }, { x: 2, y: 0 }] });
  });

  it('rejects an invalid key path', () => {
    assert.throws(() => setPayload({}, { a: 1 }, ''), (e: unknown) => isAppError(e) && e.kind === 'bad_input');
    assert.throws(() => setPayload({}, { a: 1 }, 'a..b'), (e: unknown) => isAppError(e) && e.message.includes('Invalid json path'));
  });
});

describe('overwritePayload / clearPayload', () => {
  it('replaces everything, keeping nulls', () => {
    assert.deepEqual(overwritePayload({ x: null, y: 1 }), { x: null, y: 1 });
    assert.deepEqual(clearPayload(), {});
  });
});

describe('deletePayloadKeys', () => {
  const p = { color: 'red', price: 1, a: { b: 1, c: 2 }, arr: [{ k: 1, j: 2 }, { k: 3 }] };

  it('removes top-level keys and ignores missing ones', () => {
    assert.deepEqual(deletePayloadKeys(p, ['color', 'price', 'nope']), { a: { b: 1, c: 2 }, arr: p.arr });
  });

  it('removes nested paths, including through arrays', () => {
    assert.deepEqual(deletePayloadKeys(p, ['a.b', 'arr[].k']), { color: 'red', price: 1, a: { c: 2 }, arr: [{ j: 2 }, {}] });
    assert.deepEqual(deletePayloadKeys(p, ['arr[]']), { color: 'red', price: 1, a: { b: 1, c: 2 }, arr: [] });
    assert.deepEqual(deletePayloadKeys(p, ['arr[0]']), p, 'deleting an array index is not supported (Qdrant)');
  });

  it('returns a fresh object and leaves the input untouched', () => {
    const out = deletePayloadKeys(p, ['nope']);
    assert.notEqual(out, p);
    assert.deepEqual(p.a, { b: 1, c: 2 });
    assert.deepEqual(deletePayloadKeys(undefined, ['a']), {});
  });
});
