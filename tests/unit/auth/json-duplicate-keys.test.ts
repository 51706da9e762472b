import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { hasDuplicateKeys } from '../../../src/auth/json-duplicate-keys.js';

describe('hasDuplicateKeys', () => {
  it('finds a repeated key in any object, escaped spellings included, and not across objects or inside strings', () => {
    assert.equal(hasDuplicateKeys('{"a":1,"a":2}'), true);
    assert.equal(hasDuplicateKeys('{"a":1,"\\u0061":2}'), true);
    assert.equal(hasDuplicateKeys('[{"x":{"a":1}},{"b":[{"c":1,"d":{"e":1,"e":1}}]}]'), true);
    assert.equal(hasDuplicateKeys('{"a":{"a":1},"b":{"a":2}}'), false);
    assert.equal(hasDuplicateKeys('{"a":"\\",\\"a\\":","b":"{\\"a\\":1}"}'), false);
    assert.equal(hasDuplicateKeys('["a","a",{"a":"a"}]'), false);
    // Not JSON (an unterminated string): terminates, reports nothing.
    assert.equal(hasDuplicateKeys('{"a'), false);
  });

  it('never reports JSON.stringify output, and always reports a key spliced in twice', () => {
    fc.assert(
      fc.property(fc.jsonValue(), fc.string(), (value, key) => {
        const text = JSON.stringify(value);
        assert.equal(hasDuplicateKeys(text), false);
        const k = JSON.stringify(key);
        assert.equal(hasDuplicateKeys(`{${k}:${text},"x":0,${k}:1}`), true);
      }),
      { numRuns: 500 },
    );
  });
});
