/**
 * Issue 17 §5: with `storage.encryption`, no file the server writes (the LMDB store, index images, snapshots) holds a
 * known payload string or vector in the clear — the same run without a key finds them, so the grep can fail —, a
 * wrong or missing key stops startup without changing a byte, and an encrypted snapshot recovers only with its key.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { startTestApp, tempDir, type TestApp } from '../support/app.js';
import { EncryptionKey } from '../../src/storage/encryption.js';

const KEY_ENV = 'QUIVER_TEST_STORAGE_KEY';
const CANARY = 'CANARY-payload-7f3a9c';
const DIM = 4;
const N = 300;

function vectorOf(i: number): number[] {
  return [0.5 + i / 1000, -0.25 - i / 2000, 0.125 + i / 4000, 0.0625];
}

function filesUnder(dir: string): string[] {
  const out: string[] = [];
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    if (e.isDirectory()) out.push(...filesUnder(p));
    else if (e.isFile()) out.push(p);
  }
  return out;
}

/** Files holding the canary or a stored vector's float32 bytes. */
function plaintextHits(dir: string): string[] {
  const needles = [Buffer.from(CANARY), Buffer.from(new Float32Array(vectorOf(7)).buffer), Buffer.from(new Float32Array(vectorOf(123)).buffer)];
  return filesUnder(dir).filter((f) => {
    const bytes = readFileSync(f);
    return needles.some((n) => bytes.includes(n));
  });
}

function fingerprint(dir: string): string {
  const h = createHash('sha256');
  for (const f of filesUnder(dir).sort()) h.update(f).update(readFileSync(f)).update(String(statSync(f).size));
  return h.digest('hex');
}

function env(key: string | undefined): Record<string, string> {
  if (key === undefined) return {};
  process.env[KEY_ENV] = key;
  return { QDRANT__STORAGE__ENCRYPTION__KEY_ENV: KEY_ENV };
}

/** Fills a collection, builds its index (saved as an image on close) and takes a snapshot; returns its bytes. */
async function fill(app: TestApp): Promise<Buffer> {
  assert.equal((await app.request('PUT', '/collections/c', { vectors: { size: DIM, distance: 'Dot' }, optimizers_config: { indexing_threshold: 1 }, hnsw_config: { m: 8, ef_construct: 16 } })).status, 200);
  const points = Array.from({ length: N }, (_, i) => ({ id: i, vector: vectorOf(i), payload: { note: `${CANARY}-${i}` } }));
  assert.equal((await app.request('PUT', '/collections/c/points?wait=true', { points })).status, 200);
  for (let i = 0; i < 2000; i++) {
    const info = (await app.request('GET', '/collections/c')).body.result;
    if (info.status === 'green' && info.indexed_vectors_count >= N) break;
    await new Promise((resolve) => setImmediate(resolve));
  }
  const full = await app.request('POST', '/snapshots?wait=true');
  assert.equal(full.status, 200, full.text);
  const snap = await app.request('POST', '/collections/c/snapshots?wait=true');
  assert.equal(snap.status, 200, snap.text);
  const download = await app.app.inject({ method: 'GET', url: `/collections/c/snapshots/${snap.body.result.name as string}` });
  assert.equal(download.statusCode, 200);
  return download.rawPayload;
}

describe('encryption at rest', () => {
  it('without a key, the grep finds the canary and vectors (the check can fail)', async () => {
    const app = await startTestApp();
    await fill(app);
    await app.close();
    assert.ok(plaintextHits(app.dir).length > 0, 'an unencrypted store holds the plaintext');
    await app.destroy();
  });

  it('with a key, no file holds the canary or a vector; wrong and missing keys stop startup without touching data', async () => {
    const key = EncryptionKey.generateText();
    const dir = tempDir();
    const app = await startTestApp(env(key), {}, dir);
    const snapshot = await fill(app);
    await app.close();
    const files = filesUnder(dir).map((f) => f.slice(dir.length));
    assert.ok(files.some((f) => f.includes('indexes')), `an index image was written: ${files.join(', ')}`);
    assert.ok(files.some((f) => f.endsWith('.snapshot')), 'a snapshot was written');
    assert.deepEqual(plaintextHits(dir), []);
    assert.equal(snapshot.includes(Buffer.from(CANARY)), false, 'the downloaded snapshot is sealed');

    const before = fingerprint(join(dir, 'storage'));
    await assert.rejects(startTestApp(env(EncryptionKey.generateText()), {}, dir), /encrypted with another key/);
    await assert.rejects(startTestApp({}, {}, dir), /is encrypted: set storage\.encryption/);
    assert.equal(fingerprint(join(dir, 'storage')), before, 'a refused start changed the store');

    const again = await startTestApp(env(key), {}, dir);
    // The full snapshot (collection archives sealed inside a sealed archive) restores with the key.
    const fulls = (await again.request('GET', '/snapshots')).body.result as Array<{ name: string }>;
    assert.equal(fulls.length, 1);
    assert.equal((await again.request('DELETE', '/collections/c')).status, 200);
    const restored = await again.request('PUT', '/snapshots/recover?wait=true', { location: `file://${join(dir, 'snapshots', fulls[0]!.name)}` });
    assert.equal(restored.status, 200, restored.text);
    const p = await again.request('GET', '/collections/c/points/7');
    assert.equal(p.status, 200, p.text);
    assert.equal(p.body.result.payload.note, `${CANARY}-7`);
    const hits = await again.request('POST', '/collections/c/points/query', { query: vectorOf(3), limit: 3 });
    assert.equal(hits.status, 200, hits.text);
    assert.equal(hits.body.result.points.length, 3);
    await again.destroy();

    // The snapshot recovers with the key, and is refused without it.
    const upload = async (target: TestApp): Promise<{ status: number; text: string }> => {
      const boundary = 'quiverboundary';
      const body = Buffer.concat([
        Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="snapshot"; filename="c.snapshot"\r\nContent-Type: application/octet-stream\r\n\r\n`),
        snapshot,
        Buffer.from(`\r\n--${boundary}--\r\n`),
      ]);
      const r = await target.app.inject({ method: 'POST', url: '/collections/r/snapshots/upload?wait=true', headers: { 'content-type': `multipart/form-data; boundary=${boundary}` }, payload: body });
      return { status: r.statusCode, text: r.body };
    };
    const plain = await startTestApp();
    const refused = await upload(plain);
    assert.equal(refused.status, 400, refused.text);
    assert.match(refused.text, /encrypted/);
    await plain.destroy();
    const keyed = await startTestApp(env(key));
    const ok = await upload(keyed);
    assert.equal(ok.status, 200, ok.text);
    assert.equal((await keyed.request('POST', '/collections/r/points/count', {})).body.result.count, N);
    await keyed.destroy();
  });

  it('refuses a key for a store created without one', async () => {
    const dir = tempDir();
    const app = await startTestApp({}, {}, dir);
    await app.close();
    await assert.rejects(startTestApp(env(EncryptionKey.generateText()), {}, dir), /is not encrypted but storage\.encryption is set/);
    await (await startTestApp({}, {}, dir)).destroy();
  });
});
