/** SipHash-2-4 against the reference vectors of the SipHash paper, and the slice id bytes. */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { sipHash24Hex, sipHash24Mod } from '../../../src/index/filter/siphash.js';
import { pointIdBytes, sliceOf } from '../../../src/index/filter/slice.js';

const KEY = Uint8Array.from({ length: 16 }, (_, i) => i);
const message = (n: number): Uint8Array => Uint8Array.from({ length: n }, (_, i) => i);

describe('sipHash24', () => {
  it('matches the reference implementation (key 00..0f, message 00..n-1)', () => {
    assert.equal(sipHash24Hex(message(0), KEY), '726fdb47dd0e0e31');
    assert.equal(sipHash24Hex(message(8), KEY), '93f5f5799a932462');
    assert.equal(sipHash24Hex(message(15), KEY), 'a129ca6149be45e5'); // the paper's worked example
  });

  it('mod agrees with BigInt arithmetic for small and large moduli', () => {
    for (const n of [0, 3, 8, 16, 17]) {
      const full = BigInt(`0x${sipHash24Hex(message(n))}`);
      for (const m of [1, 2, 3, 1000, 2 ** 26, 2 ** 26 + 1, 4294967295]) {
        assert.equal(sipHash24Mod(message(n), m), Number(full % BigInt(m)), `n=${n} m=${m}`);
      }
    }
  });
});

describe('slice id bytes', () => {
  it('integer ids are 8 little-endian bytes, UUIDs their 16 RFC 4122 bytes', () => {
    assert.deepEqual([...pointIdBytes(258)], [2, 1, 0, 0, 0, 0, 0, 0]);
    assert.deepEqual([...pointIdBytes('00112233-4455-6677-8899-aabbccddeeff')], [0x00, 0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77, 0x88, 0x99, 0xaa, 0xbb, 0xcc, 0xdd, 0xee, 0xff]);
    assert.equal(sliceOf(258, 7), Number(BigInt(`0x${sipHash24Hex(Uint8Array.from([2, 1, 0, 0, 0, 0, 0, 0]))}`) % 7n));
  });
});
