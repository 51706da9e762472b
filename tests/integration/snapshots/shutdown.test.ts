/**
 * Shutdown during snapshot work: a creation stops between slices and a recovery stops while it reads its source
 * (even one that stalls), so neither holds the shutdown up; the waiting request gets 503, nothing partial stays in
 * the snapshots or temp directories, the collection being recovered keeps its state, and the log says why.
 */
import { strict as assert } from 'node:assert';
import { readdirSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { PassThrough } from 'node:stream';
import { pino } from 'pino';
import { startTestApp, tempDir, removeDir } from '../../support/app.js';
import { multipart } from '../../support/snapshots.js';
import { pollUntil } from '../../support/poll.js';

function filesUnder(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { recursive: true, withFileTypes: true }).filter((e) => e.isFile()).map((e) => join(e.parentPath, e.name));
}

describe('snapshot creation at shutdown', () => {
  it('stops between slices, answers 503, leaves no partial files and logs the reason', async () => {
    const lines: string[] = [];
    const logger = pino({ level: 'info' }, { write: (l: string) => void lines.push(l) });
    const app = await startTestApp({}, { logger });
    try {
      assert.equal((await app.request('PUT', '/collections/c', { vectors: { size: 16, distance: 'Dot' }, optimizers_config: { indexing_threshold: 0 } })).status, 200);
      for (let start = 0; start < 30_000; start += 5000) {
        const points = Array.from({ length: 5000 }, (_, i) => ({ id: start + i + 1, vector: Array.from({ length: 16 }, (_, d) => (start + i + d) % 7), payload: { n: start + i } }));
        assert.equal((await app.request('PUT', '/collections/c/points?wait=true', { points })).status, 200);
      }
      const activity = app.deps.snapshots.activity;
      const pending = app.request('POST', '/collections/c/snapshots');
      while (activity.creating === 0) await new Promise((r) => setImmediate(r));
      await app.close();
      const res = await pending;
      assert.equal(res.status, 503, res.text);
      assert.match(res.body.status.error, /shutting down; snapshot work stopped/);
      assert.equal(activity.creating, 0);
      assert.deepEqual(filesUnder(join(app.dir, 'snapshots')), []);
      assert.deepEqual(filesUnder(join(app.dir, 'storage', 'snapshots_temp')), []);
      assert.ok(lines.some((l) => /creating snapshot c-.* of collection c FAILED after [\d.]+ s: the server is shutting down/.test(l)), lines.join(''));
    } finally {
      await app.destroy();
    }
  });

  it('stops a recovery whose upload stalls, answers 503 and leaves the collection as it was', async () => {
    const dir = tempDir();
    const lines: string[] = [];
    const logger = pino({ level: 'info' }, { write: (l: string) => void lines.push(l) });
    let app = await startTestApp({}, { logger }, dir);
    try {
      assert.equal((await app.request('PUT', '/collections/c', { vectors: { size: 4, distance: 'Dot' } })).status, 200);
      const points = Array.from({ length: 200 }, (_, i) => ({ id: i + 1, vector: [i, 1, 2, 3], payload: { n: i } }));
      assert.equal((await app.request('PUT', '/collections/c/points?wait=true', { points })).status, 200);
      const created = await app.request('POST', '/collections/c/snapshots');
      assert.equal(created.status, 200, created.text);
      const file = await app.app.inject({ method: 'GET', url: `/collections/c/snapshots/${created.body.result.name}` });
      assert.equal(file.statusCode, 200);
      // The state the recovery would replace: point 1 deleted after the snapshot.
      assert.equal((await app.request('POST', '/collections/c/points/delete?wait=true', { points: [1] })).status, 200);

      const { body, contentType } = multipart(file.rawPayload);
      const upload = new PassThrough();
      upload.write(body.subarray(0, Math.floor(body.length / 2))); // the rest never comes
      const pending = app.app.inject({ method: 'POST', url: '/collections/c/snapshots/upload', headers: { 'content-type': contentType }, payload: upload });
      const activity = app.deps.snapshots.activity;
      await pollUntil('the recovery to start reading the upload', () => activity.recovering === 1);
      await app.close();
      const res = await pending;
      assert.equal(res.statusCode, 503, res.body);
      assert.match(JSON.parse(res.body).status.error, /shutting down; snapshot work stopped/);
      assert.equal(activity.recovering, 0);
      assert.deepEqual(filesUnder(join(dir, 'storage', 'snapshots_temp')), []);
      assert.ok(lines.some((l) => /recovery of collection c FAILED after [\d.]+ s: the server is shutting down/.test(l)), lines.join(''));

      app = await startTestApp({}, {}, dir);
      const count = await app.request('POST', '/collections/c/points/count', { exact: true });
      assert.equal(count.body.result.count, 199);
      assert.equal((await app.request('GET', '/collections/c/points/1')).status, 404);
    } finally {
      await app.close();
      removeDir(dir);
    }
  });
});
