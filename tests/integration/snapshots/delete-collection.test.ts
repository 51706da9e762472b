/**
 * Issue 16 finding 9: deleting a collection deletes its snapshots (collection and shard snapshots, the whole
 * `<snapshots_path>/<collection>/` directory), so a new collection with the same name never exposes the old owner's
 * snapshots to its readers.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { startTestApp } from '../../support/app.js';

void describe('deleting a collection', () => {
  void it('deletes its collection and shard snapshots; a new collection of the same name starts with none', async () => {
    const app = await startTestApp();
    try {
      const create = async (): Promise<void> => assert.equal((await app.request('PUT', '/collections/c', { vectors: { size: 2, distance: 'Dot' } })).status, 200);
      await create();
      const snap = (await app.request('POST', '/collections/c/snapshots')).body.result.name as string;
      const shard = await app.request('POST', '/collections/c/shards/0/snapshots');
      assert.equal(shard.status, 200, shard.text);
      assert.equal((await app.request('PUT', '/collections/other', { vectors: { size: 2, distance: 'Dot' } })).status, 200);
      const kept = (await app.request('POST', '/collections/other/snapshots')).body.result.name as string;
      const dir = join(app.dir, 'snapshots', 'c');
      assert.ok(existsSync(join(dir, snap)));

      assert.equal((await app.request('DELETE', '/collections/c')).status, 200);
      assert.equal(existsSync(dir), false, 'the snapshot directory of the deleted collection is gone');
      await create();
      assert.deepEqual((await app.request('GET', '/collections/c/snapshots')).body.result, []);
      assert.deepEqual((await app.request('GET', '/collections/c/shards/0/snapshots')).body.result, []);
      assert.equal((await app.app.inject({ method: 'GET', url: `/collections/c/snapshots/${snap}` })).statusCode, 404);
      // Other collections' snapshots are untouched.
      assert.equal((await app.app.inject({ method: 'GET', url: `/collections/other/snapshots/${kept}` })).statusCode, 200);
    } finally {
      await app.destroy();
    }
  });
});
