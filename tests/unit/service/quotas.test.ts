/**
 * Quotas as Qdrant 1.19 has them: a reached limit stays tripped until usage has fallen
 * `release_margin_percent` points below it (default 5); `exceeded` is null per resource that is not
 * enforced; the stored configuration always carries the four 1.19 fields.
 */
import { describe, it, afterEach } from 'node:test';
import assert from 'node:assert/strict';
import { Store } from '../../../src/storage/kv/store.js';
import { Quotas, DEFAULT_RELEASE_MARGIN } from '../../../src/service/quotas.js';
import { removeDir, tempDir } from '../../support/app.js';

describe('Quotas', () => {
  const opened: Array<{ store: Store; dir: string }> = [];
  afterEach(async () => {
    for (const { store, dir } of opened.splice(0)) {
      await store.close();
      removeDir(dir);
    }
  });
  const usage = { resident_memory_percent: 10, disk_usage_percent: 50 as number | null };
  const make = (seed: Record<string, unknown> = {}): { quotas: Quotas; store: Store; dir: string } => {
    const dir = tempDir('quiver-quotas-unit-');
    const store = Store.open(dir);
    opened.push({ store, dir });
    return { quotas: new Quotas(store, seed, dir, () => ({ ...usage })), store, dir };
  };

  it('reports the 1.19 shape: config with release_margin_percent, usage as whole percentages', () => {
    const { quotas } = make({ enabled: true, max_disk_usage_percent: 90 });
    assert.deepEqual(quotas.get(), {
      config: { enabled: true, max_resident_memory_percent: null, max_disk_usage_percent: 90, release_margin_percent: null },
      usage: { resident_memory_percent: 10, disk_usage_percent: 50 },
    });
  });

  it('latches a reached limit until usage is a margin below it (default 5)', async () => {
    const { quotas } = make();
    await quotas.set({ enabled: true, max_resident_memory_percent: null, max_disk_usage_percent: 80, release_margin_percent: null });
    assert.equal(DEFAULT_RELEASE_MARGIN, 5);
    usage.disk_usage_percent = 79;
    assert.doesNotThrow(() => quotas.checkWrite());
    usage.disk_usage_percent = 80;
    assert.throws(() => quotas.checkWrite(), /disk usage 80% is over the quota of 80%/);
    usage.disk_usage_percent = 76; // back under the limit, but not by the margin
    assert.throws(() => quotas.checkWrite(), /disk usage 76% is over the quota of 80%/);
    assert.deepEqual(quotas.exceeded(), { resident_memory: null, disk_usage: true });
    usage.disk_usage_percent = 75;
    assert.doesNotThrow(() => quotas.checkWrite());
    assert.deepEqual(quotas.exceeded(), { resident_memory: null, disk_usage: false });
    usage.disk_usage_percent = 79; // released: only the limit itself trips again
    assert.doesNotThrow(() => quotas.checkWrite());
  });

  it('a margin of 0 releases as soon as usage is under the limit', async () => {
    const { quotas } = make();
    await quotas.set({ enabled: true, max_resident_memory_percent: 20, max_disk_usage_percent: null, release_margin_percent: 0 });
    usage.resident_memory_percent = 20;
    assert.throws(() => quotas.checkWrite(), /resident memory 20% is over the quota of 20%/);
    usage.resident_memory_percent = 19;
    assert.doesNotThrow(() => quotas.checkWrite());
    usage.resident_memory_percent = 10;
  });

  it('exceeded is null for what is not enforced: disabled, no limit, or not measurable', async () => {
    const { quotas } = make();
    usage.disk_usage_percent = 99;
    assert.deepEqual(quotas.exceeded(), { resident_memory: null, disk_usage: null });
    await quotas.set({ enabled: false, max_resident_memory_percent: 1, max_disk_usage_percent: 1, release_margin_percent: null });
    assert.deepEqual(quotas.exceeded(), { resident_memory: null, disk_usage: null });
    assert.doesNotThrow(() => quotas.checkWrite());
    await quotas.set({ enabled: true, max_resident_memory_percent: null, max_disk_usage_percent: 1, release_margin_percent: null });
    usage.disk_usage_percent = null;
    assert.deepEqual(quotas.exceeded(), { resident_memory: null, disk_usage: null });
    usage.disk_usage_percent = 50;
  });

  it('the configuration set through the API is stored and read back, old three-field records included', async () => {
    const { store, dir } = make();
    await store.commit(() => store.meta.put('quotas', { enabled: true, max_resident_memory_percent: null, max_disk_usage_percent: 7 }));
    const q = new Quotas(store, { enabled: false }, dir, () => usage);
    assert.deepEqual(q.get().config, { enabled: true, max_resident_memory_percent: null, max_disk_usage_percent: 7, release_margin_percent: null });
  });
});
