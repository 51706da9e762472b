/**
 * The search pool's offload policy: a search goes to a worker only when the event loop is busy and a core is idle
 * for the worker. Counters are injected.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { LoadMonitor, OFFLOAD_MIN_LOOP_BUSY, OFFLOAD_MIN_SPARE_CORES, offloadPays, type LoadCounters } from '../../../../src/index/hnsw/offload-policy.js';

/** Counters that advance by what a test says happened in each window. */
function fakeCounters(cores: number) {
  const state = { now: 0, loopActive: 0, loopIdle: 0, idleMs: 0, totalMs: 0 };
  const counters: LoadCounters = {
    now: () => state.now,
    loop: () => ({ active: state.loopActive, idle: state.loopIdle, utilization: 0 }),
    machine: () => ({ idleMs: state.idleMs, totalMs: state.totalMs }),
  };
  /** `ms` pass with the event loop busy `loopBusy` of the time and `idleCores` of the machine idle. */
  const advance = (ms: number, loopBusy: number, idleCores: number): void => {
    state.now += ms;
    state.loopActive += ms * loopBusy;
    state.loopIdle += ms * (1 - loopBusy);
    state.totalMs += ms * cores;
    state.idleMs += ms * idleCores;
  };
  return { counters, advance };
}

describe('search offload policy', () => {
  it('hands off only with a busy event loop and a spare core', () => {
    assert.equal(offloadPays({ loopBusy: 0.95, spareCores: 1 }), true);
    assert.equal(offloadPays({ loopBusy: OFFLOAD_MIN_LOOP_BUSY, spareCores: OFFLOAD_MIN_SPARE_CORES }), true);
    assert.equal(offloadPays({ loopBusy: 0.2, spareCores: 1.5 }), false, 'a loop with time to spare searches itself');
    assert.equal(offloadPays({ loopBusy: 1, spareCores: 0.05 }), false, 'no core for a worker');
  });

  it('keeps searches on the event loop until a first window has passed, and keeps a reading for its window', () => {
    const { counters, advance } = fakeCounters(2);
    const monitor = new LoadMonitor(2, 100, counters);
    advance(50, 1, 1.5);
    assert.equal(monitor.offloadPays(), false);
    advance(60, 1, 1.5);
    assert.deepEqual(monitor.current(), { loopBusy: 1, spareCores: 1.5 });
    assert.equal(monitor.offloadPays(), true);
    // Within the next window the reading stands, whatever happens meanwhile.
    advance(30, 0, 0);
    assert.equal(monitor.offloadPays(), true);
  });

  it('stays on the event loop when other threads and processes keep every core busy', () => {
    const { counters, advance } = fakeCounters(2);
    const monitor = new LoadMonitor(2, 100, counters);
    advance(100, 0.98, 0.02);
    assert.equal(monitor.offloadPays(), false);
    assert.ok(monitor.current().spareCores < OFFLOAD_MIN_SPARE_CORES);
  });

  it('stops handing off once the workers have used up the idle cores, and resumes when some are idle again', () => {
    const { counters, advance } = fakeCounters(2);
    const monitor = new LoadMonitor(2, 100, counters);
    advance(100, 0.95, 0.9);
    assert.equal(monitor.offloadPays(), true);
    // Handing off filled the machine: inline again.
    advance(100, 0.7, 0.1);
    assert.equal(monitor.offloadPays(), false);
    advance(100, 0.95, 0.8);
    assert.equal(monitor.offloadPays(), true);
  });

  it('an idle event loop searches itself even on an idle machine (one connection: the hand-off is only latency)', () => {
    const { counters, advance } = fakeCounters(8);
    const monitor = new LoadMonitor(8, 100, counters);
    advance(100, 0.1, 7.5);
    assert.equal(monitor.offloadPays(), false);
  });
});
