/**
 * Node resource quotas on a real process (`GET/PUT /quotas`): over a quota, point writes are refused with 507 in
 * Qdrant's format while reads and non-point operations keep working; the configuration set through the API is
 * stored, survives a restart, and from then on replaces `storage.quotas` of the configuration.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { httpJson, startChildServer, tempDir, removeDir, type ChildServer } from '../support/app.js';

const point = (id: number): unknown => ({ id, vector: [id, 1, 0, 0], payload: { id } });

describe('quotas on a real process', () => {
  it('refuses point writes with 507 over a disk quota, keeps reads working, and keeps the quota across restarts', { timeout: 120_000 }, async () => {
    const dir = tempDir('quiver-quotas-');
    const env = { QDRANT__STORAGE__STORAGE_PATH: join(dir, 'storage') };
    let server: ChildServer = await startChildServer(dir, env);
    const call = (method: string, path: string, body?: unknown): ReturnType<typeof httpJson> => httpJson(server.url, method, path, body);
    try {
      assert.equal((await call('PUT', '/collections/q', { vectors: { size: 4, distance: 'Dot' } })).status, 200);
      assert.equal((await call('PUT', '/collections/q/points?wait=true', { points: [point(1)] })).status, 200);
      const initial = await call('GET', '/quotas');
      assert.equal(initial.status, 200, initial.text);
      assert.equal(initial.body.result.config.enabled, false);
      const disk = initial.body.result.usage.disk_usage_percent as number;
      assert.ok(disk >= 1, `the storage volume must be at least 1% used for this test (it is ${disk}%)`);

      // A quota the volume is already over.
      const set = await call('PUT', '/quotas', { enabled: true, max_disk_usage_percent: 1 });
      assert.equal(set.status, 200, set.text);
      const refuse = async (when: string): Promise<void> => {
        const r = await call('PUT', '/collections/q/points?wait=true', { points: [point(2)] });
        assert.equal(r.status, 507, `${when}: ${r.text}`);
        assert.match(r.body?.status?.error ?? '', /^No space left on device: disk usage \d+% is over the quota of 1%$/, when);
        assert.equal(typeof r.body.time, 'number', when);
        const batch = await call('POST', '/collections/q/points/batch?wait=true', { operations: [{ upsert: { points: [point(3)] } }] });
        assert.equal(batch.status, 507, `${when}, batch: ${batch.text}`);
        // Reads work, nothing of the refused writes was stored.
        const got = await call('POST', '/collections/q/points', { ids: [1, 2, 3] });
        assert.equal(got.status, 200, got.text);
        assert.deepEqual(got.body.result.map((p: { id: number }) => p.id), [1], `${when}: stored points`);
        assert.equal((await call('POST', '/collections/q/points/query', { query: [1, 0, 0, 0], limit: 3 })).status, 200);
      };
      await refuse('with the quota just set');

      // Stored: a restart (even with a config that says otherwise) keeps the API's quota.
      assert.equal(await server.stop(), 0);
      server = await startChildServer(dir, { ...env, QDRANT__STORAGE__QUOTAS__ENABLED: 'false' });
      const after = await call('GET', '/quotas');
      assert.deepEqual(after.body.result.config, { enabled: true, max_resident_memory_percent: null, max_disk_usage_percent: 1, release_margin_percent: null });
      await refuse('after a restart');

      // Lifted through the API: writes work again, and stay allowed after another restart.
      assert.equal((await call('PUT', '/quotas', { enabled: false })).status, 200);
      assert.equal((await call('PUT', '/collections/q/points?wait=true', { points: [point(2)] })).status, 200);
      await server.stop('SIGKILL');
      server = await startChildServer(dir, { ...env, QDRANT__STORAGE__QUOTAS__ENABLED: 'true', QDRANT__STORAGE__QUOTAS__MAX_DISK_USAGE_PERCENT: '1' });
      assert.equal((await call('GET', '/quotas')).body.result.config.enabled, false, 'the API setting replaces storage.quotas of the config');
      assert.equal((await call('PUT', '/collections/q/points?wait=true', { points: [point(3)] })).status, 200);
      assert.equal((await call('POST', '/collections/q/points/count', { exact: true })).body.result.count, 3);
    } finally {
      await server.stop('SIGKILL');
      removeDir(dir);
    }
  });

  it('takes the quota from storage.quotas of the configuration until the API sets one', { timeout: 60_000 }, async () => {
    const dir = tempDir('quiver-quotas-config-');
    const server = await startChildServer(dir, { QDRANT__STORAGE__STORAGE_PATH: join(dir, 'storage'), QDRANT__STORAGE__QUOTAS__ENABLED: 'true', QDRANT__STORAGE__QUOTAS__MAX_DISK_USAGE_PERCENT: '1' });
    try {
      assert.equal((await httpJson(server.url, 'PUT', '/collections/q', { vectors: { size: 4, distance: 'Dot' } })).status, 200, 'collection operations are not point writes');
      const r = await httpJson(server.url, 'PUT', '/collections/q/points?wait=true', { points: [point(1)] });
      assert.equal(r.status, 507, r.text);
    } finally {
      await server.stop('SIGKILL');
      removeDir(dir);
    }
  });
});
