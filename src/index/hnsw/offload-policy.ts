/**
 * Whether a search should go to a search-pool worker or run on the event loop. A worker only helps when the event
 * loop is the bottleneck *and* a core is free for the worker to run on: otherwise the hand-off (a message each way,
 * a thread wake-up, a scheduler wait for a core) costs more than the search it moves. Measured on a 2-core machine
 * whose cores the HTTP client and other jobs kept busy, always handing off cost the REST server 0.73-0.89x the QPS of
 * searching inline (BENCHMARKS.md); with 1 connection the event loop is mostly idle and the hand-off is pure latency.
 *
 * The reading is taken at most once per window (100 ms): the event loop's utilisation over the window, and the
 * machine's idle cores over it (`os.cpus()`). Handing off while the machine is saturated only adds the hand-off's
 * CPU to work that already fills every core, so a pool whose own workers use up the idle cores stops handing off
 * until some are idle again: it settles at the point where the workers use what the machine has spare.
 */
import { cpus } from 'node:os';
import { performance, type EventLoopUtilization } from 'node:perf_hooks';

/** What the decision looks at. */
export interface LoadReading {
  /** Share of the last window the event loop was busy, 0..1. */
  readonly loopBusy: number;
  /** Cores idle over the last window (0..cores). */
  readonly spareCores: number;
}

/** Below this event-loop utilisation the loop has time to search itself. */
export const OFFLOAD_MIN_LOOP_BUSY = 0.5;
/** Below this many spare cores a worker would wait for a core. */
export const OFFLOAD_MIN_SPARE_CORES = 0.3;

/** True when handing a search to a worker frees the event loop without queueing the worker behind other threads. */
export function offloadPays(r: LoadReading): boolean {
  return r.loopBusy >= OFFLOAD_MIN_LOOP_BUSY && r.spareCores >= OFFLOAD_MIN_SPARE_CORES;
}

/** Raw counters the monitor turns into readings (injected in tests). */
export interface LoadCounters {
  /** Milliseconds now (monotonic). */
  now(): number;
  /** The event loop's cumulative utilisation. */
  loop(): EventLoopUtilization;
  /** Cumulative machine CPU: idle and total milliseconds over all cores. */
  machine(): { readonly idleMs: number; readonly totalMs: number };
}

const systemCounters: LoadCounters = {
  now: () => performance.now(),
  loop: () => performance.eventLoopUtilization(),
  machine: () => {
    let idleMs = 0;
    let totalMs = 0;
    for (const c of cpus()) {
      const t = c.times;
      idleMs += t.idle;
      totalMs += t.user + t.nice + t.sys + t.idle + t.irq;
    }
    return { idleMs, totalMs };
  },
};

/** Keeps the latest {@link LoadReading}, refreshed at most once per window. */
export class LoadMonitor {
  private lastAt: number;
  private lastLoop: EventLoopUtilization;
  private lastMachine: { readonly idleMs: number; readonly totalMs: number };
  /** Until the first window has passed: searches stay on the event loop. */
  private reading: LoadReading = { loopBusy: 0, spareCores: 0 };

  constructor(
    private readonly cores: number,
    private readonly windowMs = 100,
    private readonly counters: LoadCounters = systemCounters,
  ) {
    this.lastAt = counters.now();
    this.lastLoop = counters.loop();
    this.lastMachine = counters.machine();
  }

  /** The reading of the last complete window (taking a new one if the window has passed). */
  current(): LoadReading {
    const now = this.counters.now();
    const elapsed = now - this.lastAt;
    if (elapsed < this.windowMs) return this.reading;
    const loop = this.counters.loop();
    const machine = this.counters.machine();
    const loopBusyMs = Math.max(0, loop.active - this.lastLoop.active);
    const loopMs = Math.max(1e-9, loop.active + loop.idle - (this.lastLoop.active + this.lastLoop.idle));
    const totalMs = machine.totalMs - this.lastMachine.totalMs;
    const idleShare = totalMs > 0 ? Math.max(0, machine.idleMs - this.lastMachine.idleMs) / totalMs : 0;
    this.reading = { loopBusy: Math.min(1, loopBusyMs / loopMs), spareCores: idleShare * this.cores };
    this.lastAt = now;
    this.lastLoop = loop;
    this.lastMachine = machine;
    return this.reading;
  }

  /** {@link offloadPays} for the current reading. */
  offloadPays(): boolean {
    return offloadPays(this.current());
  }
}
