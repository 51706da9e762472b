import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { ForegroundWork } from '../../../src/index/foreground-work.js';
import { HnswIndex } from '../../../src/index/hnsw/hnsw-index.js';
import { dataset } from './hnsw/helpers.js';

/** Lets `n` turns of the event loop run. */
async function turns(n: number): Promise<void> {
  for (let i = 0; i < n; i++) await new Promise((resolve) => setImmediate(resolve));
}

describe('foreground work (background builds give way to large writes)', () => {
  it('giveWay resolves at once when no foreground work is in progress', async () => {
    const fg = new ForegroundWork();
    assert.equal(fg.busy, false);
    await fg.giveWay(60_000);
  });

  it('giveWay waits while foreground work is in progress and resolves when the last one ends', async () => {
    const fg = new ForegroundWork();
    const leaveA = fg.enter();
    const leaveB = fg.enter();
    let resolved = false;
    const waiting = fg.giveWay(60_000).then(() => (resolved = true));
    await turns(20);
    assert.equal(resolved, false, 'still waiting: two requests in flight');
    leaveA();
    leaveA(); // ending twice counts once
    await turns(20);
    assert.equal(resolved, false, 'still waiting: one request in flight');
    assert.equal(fg.busy, true);
    leaveB();
    await waiting;
    assert.equal(fg.busy, false);
  });

  it('giveWay waits at most maxWaitMs (a build under a sustained write stream still progresses)', async () => {
    const fg = new ForegroundWork();
    const leave = fg.enter();
    await fg.giveWay(1);
    await fg.giveWay(1);
    assert.equal(fg.busy, true);
    leave();
  });

  it('an HNSW build awaits its pause between slices and goes on when it resolves', async () => {
    const ds = dataset({ count: 64, dim: 8, distance: 'Cosine', seed: 99 });
    const index = new HnswIndex(ds.store, { distance: 'Cosine', m: 8, efConstruct: 40 });
    for (let o = 0; o < ds.count; o++) index.enqueue(o);
    const fg = new ForegroundWork();
    const leave = fg.enter();
    let pauses = 0;
    // sliceMs 0: a slice ends after every 8 insertions.
    const build = index.buildPending({ sliceMs: 0, pause: () => (pauses++, fg.giveWay(60_000)) });
    await turns(20);
    assert.equal(pauses, 1);
    assert.equal(index.indexedCount, 8, 'one slice, then the build waits');
    assert.equal(index.size, ds.count, 'queued vectors stay searchable');
    leave();
    await build;
    assert.equal(index.indexedCount, ds.count);
    assert.ok(pauses >= 7, `pauses ${pauses}`);
  });
});
