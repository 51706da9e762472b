/**
 * Issue 16 finding 10: everything the server writes is owner-only — 0600 files, 0700 directories — whatever the
 * umask it was started with: the LMDB store, the storage, snapshot and temp directories, snapshots, audit files.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, statSync, mkdirSync, writeFileSync, chmodSync } from 'node:fs';
import { join } from 'node:path';
import { startTestApp, tempDir, removeDir } from '../support/app.js';

function loose(root: string): string[] {
  const out: string[] = [];
  const walk = (p: string): void => {
    const st = statSync(p);
    if ((st.mode & 0o077) !== 0) out.push(`${p} ${(st.mode & 0o777).toString(8)}`);
    if (st.isDirectory()) for (const name of readdirSync(p)) walk(join(p, name));
  };
  walk(root);
  return out;
}

void describe('file modes', () => {
  void it('writes only owner-only files and directories, and tightens a store created with loose modes', async () => {
    const previous = process.umask(0o022);
    const dir = tempDir();
    try {
      // A store directory from an earlier run, world-readable.
      mkdirSync(join(dir, 'storage'), { mode: 0o755 });
      chmodSync(join(dir, 'storage'), 0o755);
      writeFileSync(join(dir, 'storage', 'leftover.txt'), 'x', { mode: 0o644 });
      chmodSync(join(dir, 'storage', 'leftover.txt'), 0o644);
      const app = await startTestApp({ QDRANT__AUDIT__ENABLED: 'true', QDRANT__AUDIT__DIR: join(dir, 'audit') }, {}, dir);
      try {
        assert.equal((await app.request('PUT', '/collections/c', { vectors: { size: 2, distance: 'Dot' }, hnsw_config: { m: 4 }, optimizers_config: { indexing_threshold: 1 } })).status, 200);
        const points = Array.from({ length: 50 }, (_, i) => ({ id: i, vector: [i, 1], payload: { i } }));
        assert.equal((await app.request('PUT', '/collections/c/points?wait=true', { points })).status, 200);
        assert.equal((await app.request('POST', '/collections/c/snapshots')).status, 200);
        assert.equal((await app.request('POST', '/snapshots')).status, 200);
      } finally {
        await app.close();
      }
      const offenders = ['storage', 'snapshots', 'audit'].flatMap((d) => loose(join(dir, d)).filter((p) => !p.includes('leftover.txt')));
      assert.deepEqual(offenders, []);
    } finally {
      process.umask(previous);
      removeDir(dir);
    }
  });
});
