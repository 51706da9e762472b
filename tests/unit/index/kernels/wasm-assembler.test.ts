import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { sleb, uleb } from '../../../../src/index/kernels/wasm-assembler.js';

describe('wasm assembler LEB128', () => {
  it('encodes unsigned values', () => {
    assert.deepEqual(uleb(0), [0]);
    assert.deepEqual(uleb(127), [0x7f]);
    assert.deepEqual(uleb(128), [0x80, 0x01]);
    assert.deepEqual(uleb(0xe4), [0xe4, 0x01]);
    assert.deepEqual(uleb(65536), [0x80, 0x80, 0x04]);
  });

  it('encodes signed values', () => {
    assert.deepEqual(sleb(0), [0]);
    assert.deepEqual(sleb(-1), [0x7f]);
    assert.deepEqual(sleb(63), [0x3f]);
    assert.deepEqual(sleb(64), [0xc0, 0x00]);
    assert.deepEqual(sleb(-16), [0x70]);
    assert.deepEqual(sleb(-64), [0x40]);
    assert.deepEqual(sleb(-65), [0xbf, 0x7f]);
  });
});
