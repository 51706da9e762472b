import { strict as assert } from 'node:assert';
import { createHmac } from 'node:crypto';
import { describe, it } from 'node:test';
import {
  chainHash,
  CHECKPOINT_SLOT_BYTES,
  decodeCheckpoint,
  encodeCheckpoint,
  GENESIS,
  GENESIS_HASH,
  parseChainLine,
  readCheckpoint,
  sealLine,
} from '../../../../src/auth/audit/chain.js';
import { ev, KEY } from './helpers.js';

void describe('hash chain', () => {
  void it('seals a line with seq, prev_hash on the first line of a file, and an HMAC over the rest', () => {
    const first = sealLine(KEY, GENESIS, ev('2030-06-01T00:00:00.000Z'), true);
    const record = JSON.parse(first.line) as Record<string, unknown>;
    assert.equal(record['seq'], 1);
    assert.equal(record['prev_hash'], GENESIS_HASH);
    // The HMAC covers the exact text without the final hash member.
    const body = first.line.replace(/,"hash":"[0-9a-f]{64}"\}$/, '}');
    const expected = createHmac('sha256', KEY).update(GENESIS_HASH).update(body).digest('hex');
    assert.equal(record['hash'], expected);
    assert.deepEqual(parseChainLine(first.line)?.body, body);
    assert.deepEqual(first.state, { seq: 1, hash: expected });
    assert.ok(first.line.startsWith('{"timestamp":'), 'event fields keep their order; chain fields come last');
    assert.ok(first.line.endsWith(`"hash":"${expected}"}`));

    const second = sealLine(KEY, first.state, ev('2030-06-01T00:00:01.000Z'), false);
    const r2 = JSON.parse(second.line) as Record<string, unknown>;
    assert.equal(r2['seq'], 2);
    assert.equal(Object.hasOwn(r2, 'prev_hash'), false);
  });

  void it('computes the chain HMAC exactly as createHmac does, for keys of every length and any text', () => {
    let seed = 7;
    const rnd = (n: number): number => (seed = (seed * 16807) % 2147483647) % n;
    const texts = ['', 'a', '{"api":"é ü 漢字 🎉"}', 'x'.repeat(200), GENESIS_HASH];
    for (const keyLength of [0, 1, 31, 32, 63, 64, 65, 100, 200]) {
      const key = Buffer.from(Array.from({ length: keyLength }, () => rnd(256)));
      for (const prev of [GENESIS_HASH, 'ab'.repeat(32), 'ü']) {
        for (const body of texts) {
          assert.equal(chainHash(key, prev, body), createHmac('sha256', key).update(prev).update(body).digest('hex'), `key ${keyLength} bytes`);
        }
      }
    }
  });

  void it('drops chain fields an event carries and handles an empty event', () => {
    const { line } = sealLine(KEY, GENESIS, { timestamp: 't', seq: 9, hash: 'h' } as never, false);
    assert.deepEqual(JSON.parse(line), { timestamp: 't', seq: 1, hash: parseChainLine(line)?.hash });
    const empty = sealLine(KEY, GENESIS, {} as never, false).line;
    assert.equal(parseChainLine(empty)?.seq, 1);
  });

  void it('parses only lines with a positive integer seq and a hex hash', () => {
    const { line } = sealLine(KEY, GENESIS, ev('2030-06-01T00:00:00.000Z'), true);
    assert.equal(parseChainLine(line)?.seq, 1);
    const h = 'a'.repeat(64);
    for (const bad of ['', 'null', '[]', `{"seq":0,"hash":"${h}"}`, `{"seq":1.5,"hash":"${h}"}`, '{"seq":1,"hash":"zz"}', `{"seq":1,"prev_hash":5,"hash":"${h}"}`, `{"hash":"${h}","seq":1}`, `{"seq":1,"hash":"${h}"} `]) {
      assert.equal(parseChainLine(bad), undefined, bad);
    }
  });

  void it('encodes a checkpoint in a fixed-size slot that only the key verifies', () => {
    const c = { gen: 3, seq: 9, hash: 'ab'.repeat(32), firstSeq: 4 };
    const slot = encodeCheckpoint(KEY, c);
    assert.equal(slot.length, CHECKPOINT_SLOT_BYTES);
    assert.deepEqual(decodeCheckpoint(KEY, slot), c);
    assert.equal(decodeCheckpoint(Buffer.from('other'), slot), undefined);
    const forged = Buffer.from(slot.toString('utf8').replace('"seq":9', '"seq":8'));
    assert.equal(decodeCheckpoint(KEY, forged), undefined);
  });

  void it('reads the valid slot of the highest generation', () => {
    const a = encodeCheckpoint(KEY, { gen: 4, seq: 9, hash: 'ab'.repeat(32), firstSeq: 1 });
    const b = encodeCheckpoint(KEY, { gen: 5, seq: 10, hash: 'cd'.repeat(32), firstSeq: 1 });
    assert.deepEqual(readCheckpoint(KEY, Buffer.concat([a, b])), { state: 'ok', checkpoint: { gen: 5, seq: 10, hash: 'cd'.repeat(32), firstSeq: 1 } });
    const torn = Buffer.concat([a, b.subarray(0, 100), Buffer.alloc(CHECKPOINT_SLOT_BYTES - 100)]);
    assert.equal(readCheckpoint(KEY, torn).state, 'ok');
    assert.deepEqual(readCheckpoint(KEY, undefined), { state: 'missing' });
    assert.deepEqual(readCheckpoint(KEY, Buffer.alloc(0)), { state: 'missing' });
    assert.deepEqual(readCheckpoint(KEY, Buffer.from('junk')), { state: 'invalid' });
  });
});
