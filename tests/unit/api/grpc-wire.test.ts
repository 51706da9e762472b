/**
 * The gRPC wire pieces of the lean HTTP/2 server: length-prefixed message decoding under any split of the bytes
 * into DATA chunks, the size limit read from the prefix, `grpc-timeout` values, and the compressed flag /
 * `grpc-encoding` handling (including a message that decompresses past the limit).
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { deflateSync, gzipSync } from 'node:zlib';
import fc from 'fast-check';
import { MessageDecoder, encodeFrame, type WireMessage } from '../../../src/api/grpc/wire/message-decoder.js';
import { timeoutMs } from '../../../src/api/grpc/wire/grpc-timeout.js';
import { messageBytes } from '../../../src/api/grpc/wire/decompress.js';
import { WireError } from '../../../src/api/grpc/wire/reply-status.js';
import { statusMessage } from '../../../src/api/grpc/wire/respond.js';
import { GrpcStatus } from '../../../src/errors.js';

/** `bytes` cut at `cuts` (sorted, deduplicated offsets inside it). */
function split(bytes: Buffer, cuts: number[]): Buffer[] {
  const at = [...new Set(cuts.map((c) => c % (bytes.length + 1)))].sort((a, b) => a - b);
  const out: Buffer[] = [];
  let from = 0;
  for (const c of [...at, bytes.length]) {
    out.push(bytes.subarray(from, c));
    from = c;
  }
  return out;
}

function wireError(f: () => unknown): WireError {
  try {
    f();
  } catch (e) {
    assert.ok(e instanceof WireError, String(e));
    return e;
  }
  assert.fail('expected a WireError');
}

async function rejection(p: Buffer | Promise<Buffer>): Promise<WireError> {
  try {
    await p;
  } catch (e) {
    assert.ok(e instanceof WireError, String(e));
    return e;
  }
  assert.fail('expected a rejection');
}

void describe('MessageDecoder', () => {
  void it('returns the same messages, in order, however the bytes are split into chunks', () => {
    fc.assert(
      fc.property(fc.array(fc.uint8Array({ maxLength: 40 }), { maxLength: 6 }), fc.array(fc.nat(), { maxLength: 12 }), (messages, cuts) => {
        const bytes = Buffer.concat(messages.map((m) => encodeFrame(m)));
        const d = new MessageDecoder(1000);
        const got: WireMessage[] = split(bytes, cuts).flatMap((c) => d.write(c));
        assert.deepEqual(got.map((m) => [m.flag, [...m.bytes]]), messages.map((m) => [0, [...m]]));
        assert.equal(d.partial, false);
      }),
      { numRuns: 300, seed: 20261202 },
    );
  });

  void it('reports a message cut off by the end of the stream as partial', () => {
    const frame = encodeFrame(Buffer.from('hello'));
    for (let cut = 1; cut < frame.length; cut++) {
      const d = new MessageDecoder(100);
      assert.deepEqual(d.write(frame.subarray(0, cut)), []);
      assert.equal(d.partial, true, `cut at ${cut}`);
    }
  });

  void it('refuses a length above the limit from the prefix alone (no body bytes needed), with RESOURCE_EXHAUSTED', () => {
    const prefix = Buffer.from([0, 0, 0, 0x10, 0x01]); // 4097 bytes announced, none sent
    const e = wireError(() => new MessageDecoder(4096).write(prefix));
    assert.equal(e.code, GrpcStatus.RESOURCE_EXHAUSTED);
    assert.equal(e.details, 'Received message larger than max (4097 vs. 4096)');
    // The prefix arriving a byte at a time is refused as soon as it is complete.
    const d = new MessageDecoder(4096);
    for (const b of prefix.subarray(0, 4)) assert.deepEqual(d.write(Buffer.from([b])), []);
    assert.equal(wireError(() => d.write(prefix.subarray(4))).code, GrpcStatus.RESOURCE_EXHAUSTED);
    // Exactly at the limit is accepted.
    assert.equal(new MessageDecoder(5).write(encodeFrame(Buffer.from('12345')))[0]!.bytes.toString(), '12345');
  });

  void it('keeps the compressed flag of each message, and reads empty messages', () => {
    const bytes = Buffer.from([1, 0, 0, 0, 0, 2, 0, 0, 0, 1, 7]);
    assert.deepEqual(new MessageDecoder(10).write(bytes).map((m) => [m.flag, [...m.bytes]]), [[1, []], [2, [7]]]);
  });
});

void describe('grpc-timeout', () => {
  void it('reads every unit', () => {
    assert.equal(timeoutMs('2H'), 7_200_000);
    assert.equal(timeoutMs('3M'), 180_000);
    assert.equal(timeoutMs('20S'), 20_000);
    assert.equal(timeoutMs('150m'), 150);
    assert.equal(timeoutMs('2500u'), 2);
    assert.equal(timeoutMs('99999999n'), 99);
    assert.equal(timeoutMs('0m'), 0);
  });

  void it('refuses values that are not a gRPC timeout with INTERNAL', () => {
    for (const v of ['', '10', 'm', '123456789m', '10s', '-1m', '1.5S', '10 minutes']) {
      const e = wireError(() => timeoutMs(v));
      assert.equal(e.code, GrpcStatus.INTERNAL, v);
      assert.equal(e.details, `Invalid grpc-timeout value "${v}"`);
    }
  });
});

void describe('compressed messages', () => {
  const text = Buffer.from('a message '.repeat(50));

  void it('passes flag 0 through and decompresses gzip and deflate', async () => {
    assert.equal(messageBytes({ flag: 0, bytes: text }, 'gzip', 1000), text);
    assert.deepEqual(await messageBytes({ flag: 1, bytes: gzipSync(text) }, 'gzip', 1000), text);
    assert.deepEqual(await messageBytes({ flag: 1, bytes: deflateSync(text) }, 'deflate', 1000), text);
  });

  void it('refuses a compressed flag without an encoding, an unknown flag and an unsupported encoding', () => {
    const noEncoding = wireError(() => messageBytes({ flag: 1, bytes: text }, 'identity', 1000));
    assert.equal(noEncoding.code, GrpcStatus.INTERNAL);
    assert.match(noEncoding.details, /compressed-flag but no grpc-encoding/);
    for (const flag of [2, 128, 255]) assert.equal(wireError(() => messageBytes({ flag, bytes: text }, 'gzip', 1000)).code, GrpcStatus.INTERNAL);
    const snappy = wireError(() => messageBytes({ flag: 1, bytes: text }, 'snappy', 1000));
    assert.equal(snappy.code, GrpcStatus.UNIMPLEMENTED);
    assert.equal(snappy.details, 'Received message compressed with unsupported encoding "snappy"');
  });

  void it('refuses corrupt data with INTERNAL and a message that decompresses past the limit with RESOURCE_EXHAUSTED', async () => {
    const corrupt = await rejection(messageBytes({ flag: 1, bytes: Buffer.from('not gzip at all') }, 'gzip', 1000));
    assert.equal(corrupt.code, GrpcStatus.INTERNAL);
    const bomb = gzipSync(Buffer.alloc(1_000_000));
    assert.ok(bomb.length < 2000);
    const big = await rejection(messageBytes({ flag: 1, bytes: bomb }, 'gzip', 100_000));
    assert.equal(big.code, GrpcStatus.RESOURCE_EXHAUSTED);
    assert.equal(big.details, 'Received message that decompresses to a size larger than 100000');
    assert.equal((await messageBytes({ flag: 1, bytes: bomb }, 'gzip', 1_000_000)).length, 1_000_000);
  });
});

void describe('grpc-message', () => {
  void it('is percent-encoded as grpc-js encoded it, and a lone surrogate does not throw', () => {
    assert.equal(statusMessage('Not found: Collection `a b` doesn\'t exist!'), 'Not%20found:%20Collection%20%60a%20b%60%20doesn\'t%20exist!');
    assert.equal(decodeURI(statusMessage('naïve ✓ 100%')), 'naïve ✓ 100%');
    assert.equal(decodeURI(statusMessage('bad \uD800 text')), 'bad \uFFFD text');
  });
});
