/**
 * Issue 17 §5: with `storage.encryption`, no file the server writes (the LMDB store, index images, snapshots, and the
 * work files of snapshot creation and recovery — also while an upload is still coming in) holds a known payload
 * string or vector in the clear — the same runs without a key find them, so the grep can fail —, a wrong or missing
 * key stops startup without changing a byte, and an encrypted snapshot recovers only with its key.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { PLAIN_STORAGE, startTestApp, tempDir, type TestApp } from '../support/app.js';
import { multipart } from '../support/snapshots.js';
import { pollUntil } from '../support/poll.js';
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

/** Files holding the canary or a stored vector's float32 bytes (raw, or base64 as in a snapshot's points). */
function plaintextHits(dir: string): string[] {
  const raw = [7, 123].map((i) => Buffer.from(new Float32Array(vectorOf(i)).buffer));
  const needles = [Buffer.from(CANARY), ...raw, ...raw.map((b) => Buffer.from(b.toString('base64')))];
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
  if (key === undefined) return { ...PLAIN_STORAGE };
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
    const app = await startTestApp(env(undefined));
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
    await assert.rejects(startTestApp(env(undefined), {}, dir), /is encrypted: set storage\.encryption/);
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
    const plain = await startTestApp(env(undefined));
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
    const app = await startTestApp(env(undefined), {}, dir);
    await app.close();
    await assert.rejects(startTestApp(env(EncryptionKey.generateText()), {}, dir), /is not encrypted but storage\.encryption is set/);
    await (await startTestApp(env(undefined), {}, dir)).destroy();
  });
});

/** Points in the snapshot the recovery tests upload: enough for many 64 KiB chunks of `points.ndjson`. */
const UPLOAD_POINTS = 6000;

/** A plain (unencrypted) collection snapshot of UPLOAD_POINTS canary points: what a client may upload. */
async function plainSnapshot(): Promise<Buffer> {
  const app = await startTestApp(env(undefined));
  try {
    assert.equal((await app.request('PUT', '/collections/c', { vectors: { size: DIM, distance: 'Dot' } })).status, 200);
    for (let start = 0; start < UPLOAD_POINTS; start += 1000) {
      const points = Array.from({ length: 1000 }, (_, k) => ({ id: start + k, vector: vectorOf(start + k), payload: { note: `${CANARY}-${start + k}` } }));
      assert.equal((await app.request('PUT', '/collections/c/points?wait=true', { points })).status, 200);
    }
    const snap = await app.request('POST', '/collections/c/snapshots?wait=true');
    assert.equal(snap.status, 200, snap.text);
    const download = await app.app.inject({ method: 'GET', url: `/collections/c/snapshots/${snap.body.result.name as string}` });
    assert.equal(download.statusCode, 200);
    assert.ok(download.rawPayload.includes(Buffer.from(CANARY)), 'the source snapshot is plain');
    return download.rawPayload;
  } finally {
    await app.destroy();
  }
}

/**
 * Uploads `snapshot` to `app`, stalling after most of the body: returns once the recovery's work files under the
 * temp path hold more than `stagedBytes` (so several sealed chunks, or that much plaintext, are on disk), with what
 * the grep finds then, and the answer once the rest of the body is sent.
 */
async function stalledUpload(app: TestApp, snapshot: Buffer, stagedBytes: number): Promise<{ inFlight: string[]; staged: number; finish: () => Promise<{ status: number; text: string }> }> {
  const { body, contentType } = multipart(snapshot);
  const upload = new PassThrough();
  const cut = Math.floor(body.length * 0.8);
  upload.write(body.subarray(0, cut));
  const pending = app.app.inject({ method: 'POST', url: '/collections/r/snapshots/upload?wait=true', headers: { 'content-type': contentType }, payload: upload });
  const temp = join(app.dir, 'storage', 'snapshots_temp');
  const staged = await pollUntil(`more than ${stagedBytes} bytes of staged upload under ${temp}`, () => {
    let size = 0;
    try {
      for (const f of filesUnder(temp)) size += statSync(f).size;
    } catch {
      return false; // a work file removed between the listing and its stat
    }
    return size > stagedBytes ? size : false;
  });
  const inFlight = plaintextHits(app.dir);
  return {
    inFlight,
    staged,
    finish: async () => {
      upload.end(body.subarray(cut));
      const r = await pending;
      return { status: r.statusCode, text: r.body };
    },
  };
}

describe('encryption at rest: snapshot recovery work files', () => {
  it('an upload in flight and a finished recovery leave no plaintext under the storage directory (and do without a key)', async () => {
    const snapshot = await plainSnapshot();
    const stagedBytes = 256 * 1024;

    // Without a key the staged upload holds the plaintext: the grep below can fail.
    const plain = await startTestApp(env(undefined));
    try {
      const stalled = await stalledUpload(plain, snapshot, stagedBytes);
      assert.ok(stalled.inFlight.some((f) => f.includes('snapshots_temp')), `a plain server stages the upload in the clear: ${stalled.inFlight.join(', ')}`);
      assert.equal((await stalled.finish()).status, 200);
    } finally {
      await plain.destroy();
    }

    const keyed = await startTestApp(env(EncryptionKey.generateText()));
    try {
      const stalled = await stalledUpload(keyed, snapshot, stagedBytes);
      assert.deepEqual(stalled.inFlight, [], `plaintext on disk while ${stalled.staged} bytes of the upload are staged`);
      const done = await stalled.finish();
      assert.equal(done.status, 200, done.text);
      assert.deepEqual(plaintextHits(keyed.dir), [], 'plaintext on disk after the recovery');
      assert.equal((await keyed.request('POST', '/collections/r/points/count', { exact: true })).body.result.count, UPLOAD_POINTS);
      const p = await keyed.request('GET', '/collections/r/points/7');
      assert.equal(p.body.result.payload.note, `${CANARY}-7`);

      // A snapshot of the recovered collection, a full snapshot, and a full recovery from it: still nothing.
      assert.equal((await keyed.request('POST', '/collections/r/snapshots?wait=true')).status, 200);
      const full = await keyed.request('POST', '/snapshots?wait=true');
      assert.equal(full.status, 200, full.text);
      assert.equal((await keyed.request('DELETE', '/collections/r')).status, 200);
      const restored = await keyed.request('PUT', '/snapshots/recover?wait=true', { location: `file://${join(keyed.dir, 'snapshots', full.body.result.name as string)}` });
      assert.equal(restored.status, 200, restored.text);
      assert.equal((await keyed.request('POST', '/collections/r/points/count', { exact: true })).body.result.count, UPLOAD_POINTS);
      assert.deepEqual(plaintextHits(keyed.dir), [], 'plaintext on disk after a full snapshot and its recovery');
    } finally {
      await keyed.destroy();
    }
  });
});
