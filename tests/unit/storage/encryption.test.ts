import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Readable } from 'node:stream';
import { EncryptionKey, isSealed, isSealedStream, openedStream } from '../../../src/storage/encryption.js';

async function collect(stream: AsyncIterable<unknown>): Promise<Buffer> {
  const parts: Buffer[] = [];
  for await (const c of stream) parts.push(Buffer.from(c as Uint8Array));
  return Buffer.concat(parts);
}

async function sealStream(key: EncryptionKey, data: Buffer, pieces = 7): Promise<Buffer> {
  const step = Math.max(1, Math.ceil(data.length / pieces));
  const chunks = Array.from({ length: Math.ceil(data.length / step) }, (_, i) => data.subarray(i * step, (i + 1) * step));
  return collect(Readable.from(chunks).pipe(key.encryptStream()));
}

describe('encryption at rest primitives', () => {
  const key = EncryptionKey.parse(EncryptionKey.generateText(), 'test');
  const other = EncryptionKey.parse(EncryptionKey.generateText(), 'test');

  it('parses 64 hex characters or base64 of 32 bytes, and nothing else (never echoing the key)', () => {
    const hex = 'ab'.repeat(32);
    assert.equal(EncryptionKey.parse(` ${hex}\n`, 'f').check, EncryptionKey.parse(Buffer.from(hex, 'hex').toString('base64'), 'f').check);
    for (const bad of ['', 'ab'.repeat(31), 'zz'.repeat(32), Buffer.alloc(16).toString('base64')]) {
      assert.throws(() => EncryptionKey.parse(bad, 'the file'), (e: Error) => /32-byte key/.test(e.message) && (bad === '' || !e.message.includes(bad)));
    }
  });

  it('seals blobs that open only with the same key and fail when altered', () => {
    const data = Buffer.from('index image bytes '.repeat(100));
    const sealed = key.seal(data);
    assert.ok(isSealed(sealed));
    assert.equal(sealed.includes(Buffer.from('index image')), false);
    assert.deepEqual(key.open(sealed), data);
    assert.throws(() => other.open(sealed));
    const flipped = Buffer.from(sealed);
    flipped[40] = flipped[40]! ^ 1;
    assert.throws(() => key.open(flipped));
  });

  for (const size of [0, 1, 65_535, 65_536, 65_537, 300_000]) {
    it(`round-trips a ${size}-byte stream, and refuses it truncated, altered or under another key`, async () => {
      const data = Buffer.from(Array.from({ length: size }, (_, i) => (i * 31) % 251));
      const sealed = await sealStream(key, data);
      assert.ok(isSealedStream(sealed));
      assert.deepEqual(await collect(openedStream(Readable.from([sealed]), key)), data);
      await assert.rejects(collect(openedStream(Readable.from([sealed]), other)), /cannot be decrypted/);
      await assert.rejects(collect(openedStream(Readable.from([sealed]), undefined)), /encrypted/);
      await assert.rejects(collect(openedStream(Readable.from([sealed.subarray(0, sealed.length - 1)]), key)), /cannot be decrypted/);
      if (size > 65_536) {
        // Dropping the last whole chunk leaves a stream whose last chunk is not marked final.
        const firstChunkEnd = 16 + 4 + 65_536 + 16;
        await assert.rejects(collect(openedStream(Readable.from([sealed.subarray(0, firstChunkEnd)]), key)), /cannot be decrypted/);
      }
      const altered = Buffer.from(sealed);
      altered[altered.length - 20] = altered[altered.length - 20]! ^ 1;
      await assert.rejects(collect(openedStream(Readable.from([altered]), key)), /cannot be decrypted/);
    });
  }

  it('passes a plain stream through unchanged', async () => {
    const data = Buffer.from('plain tar bytes');
    assert.deepEqual(await collect(openedStream(Readable.from([data]), key)), data);
  });
});
