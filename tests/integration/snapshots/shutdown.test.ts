/**
 * Shutdown during a snapshot creation: the creation stops between slices (it does not hold the shutdown up),
 * the waiting request gets 503, nothing partial stays in the snapshots or temp directories, and the log says why.
 */
import { strict as assert } from 'node:assert';
import { readdirSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { pino } from 'pino';
import { startTestApp } from '../../support/app.js';

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
      assert.match(res.body.status.error, /shutting down; snapshot creation stopped/);
      assert.equal(activity.creating, 0);
      assert.deepEqual(filesUnder(join(app.dir, 'snapshots')), []);
      assert.deepEqual(filesUnder(join(app.dir, 'storage', 'snapshots_temp')), []);
      assert.ok(lines.some((l) => /creating snapshot c-.* of collection c FAILED after [\d.]+ s: the server is shutting down/.test(l)), lines.join(''));
    } finally {
      await app.destroy();
    }
  });
});
