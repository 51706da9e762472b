/**
 * A pool of search worker threads over shared index memory (Qdrant `storage.performance.max_search_threads`).
 * The event loop keeps the transports, auth, parsing, filter planning and every write; it hands graph searches
 * and exact subset scans to the least busy worker and gets back the hits with the epoch they were read at
 * (write-gate.ts). A worker that cannot read a stable state answers why, and the caller runs the search on the
 * event loop instead, so a search never fails because of the pool.
 *
 * Workers start on first use and do not keep the process alive. Each worker leases one scratch slot of every
 * vector store it reads (the WASM kernel's query buffer); a store without a free slot is searched inline.
 */
import { availableParallelism } from 'node:os';
import type { Worker } from 'node:worker_threads';
import type { DenseVectorStore } from '../vector-store.js';
import type { ScoredOffset } from '../vector-index.js';
import { leaseSlots, type HnswIndex } from './hnsw-index.js';
import type { PoolReply, PoolRequest, SearchArgs } from './search-protocol.js';
import { startWorker } from './start-worker.js';
import { LoadMonitor } from './offload-policy.js';

export interface PoolSearch extends SearchArgs {
  readonly index: HnswIndex;
}

export type PoolResult = { readonly ok: true; readonly hits: ScoredOffset[]; readonly epoch: number } | { readonly ok: false; readonly reason: string };

interface Slot {
  readonly worker: Worker;
  inFlight: number;
  /** Layout version of each index this worker holds. */
  readonly layouts: Map<number, number>;
  /** Scratch slot address leased for each store (undefined entry = none free). */
  readonly scratch: WeakMap<DenseVectorStore, number | undefined>;
  readonly waiting: Map<number, (r: PoolReply) => void>;
  /** The worker has loaded its code (until then its requests would only queue). */
  ready: Promise<void>;
  isReady: boolean;
  dead: boolean;
}

export interface SearchPoolOptions {
  /**
   * Whether the next search should go to a worker (`offload-policy.ts`); searches for which it answers false run
   * on the event loop. Default: a {@link LoadMonitor} of this machine.
   */
  readonly offload?: () => boolean;
}

export class SearchPool {
  private readonly slots: Slot[] = [];
  private nextId = 1;
  private closed = false;
  private readonly decide: () => boolean;
  private sent = 0;

  constructor(
    readonly threads: number,
    options: SearchPoolOptions = {},
  ) {
    if (options.offload !== undefined) this.decide = options.offload;
    else {
      const monitor = new LoadMonitor(availableParallelism());
      this.decide = () => monitor.offloadPays();
    }
  }

  /** True when a search now is better handed to a worker than run on the event loop (see `offload-policy.ts`). */
  offloadPays(): boolean {
    return this.decide();
  }

  /** Searches sent to a worker so far. */
  get handedOff(): number {
    return this.sent;
  }

  /** Requests now waiting for a worker's answer. */
  get inFlight(): number {
    let n = 0;
    for (const s of this.slots) n += s.inFlight;
    return n;
  }

  /** Runs `req` on a worker. Never rejects: a failure is `{ ok: false }` and the caller searches inline. */
  search(req: PoolSearch): Promise<PoolResult> {
    const slot = this.pick();
    if (slot === undefined) return Promise.resolve({ ok: false, reason: 'no worker' });
    const layout = req.index.sharedLayout();
    if (layout === undefined) return Promise.resolve({ ok: false, reason: 'index not on shared memory' });
    const store = req.index.store;
    let scratch = slot.scratch.get(store);
    if (!slot.scratch.has(store)) {
      const [s] = leaseSlots(store, 1);
      scratch = s === undefined ? undefined : store.scratchAddress(s);
      slot.scratch.set(store, scratch);
    }
    if (scratch === undefined) return Promise.resolve({ ok: false, reason: 'no scratch slot' });
    const attach = slot.layouts.get(layout.id) === layout.layout ? undefined : { layout, scratch };
    const id = this.nextId++;
    const msg: PoolRequest = { id, index: layout.id, attach, query: req.query, k: req.k, ef: req.ef, exact: req.exact, indexedOnly: req.indexedOnly, subset: req.subset, epoch: req.epoch };
    return new Promise<PoolResult>((resolve) => {
      // A worker keeps the process alive only while it owes an answer.
      if (slot.inFlight++ === 0) slot.worker.ref();
      slot.waiting.set(id, (reply) => {
        if (--slot.inFlight === 0) slot.worker.unref();
        if (!reply.ok) {
          // The worker's copy is stale or missing: the next request re-sends the layout.
          if (reply.reason === 'layout') slot.layouts.delete(layout.id);
          resolve({ ok: false, reason: reply.error ?? reply.reason });
          return;
        }
        slot.layouts.set(layout.id, layout.layout);
        const hits: ScoredOffset[] = new Array<ScoredOffset>(reply.offsets.length);
        for (let i = 0; i < hits.length; i++) hits[i] = { offset: reply.offsets[i]!, score: reply.scores[i]! };
        resolve({ ok: true, hits, epoch: reply.epoch });
      });
      if (attach !== undefined) slot.layouts.set(layout.id, layout.layout);
      this.sent++;
      slot.worker.postMessage(msg);
    });
  }

  /** Stops the workers; requests in flight answer `{ ok: false }`. */
  async close(): Promise<void> {
    this.closed = true;
    const slots = this.slots.splice(0);
    for (const s of slots) this.fail(s, 'pool closed');
    await Promise.all(slots.map((s) => s.worker.terminate()));
  }

  /** Starts every worker; resolves when all are ready to search. */
  async warm(): Promise<void> {
    while (!this.closed && this.slots.length < this.threads) this.start();
    await Promise.all(this.slots.map((s) => s.ready));
  }

  /** The least busy ready worker (none while they start: the caller searches inline), starting the pool on first use. */
  private pick(): Slot | undefined {
    if (this.closed || this.threads <= 0) return undefined;
    if (this.slots.length < this.threads) void this.warm();
    let best: Slot | undefined;
    for (const s of this.slots) if (s.isReady && !s.dead && (best === undefined || s.inFlight < best.inFlight)) best = s;
    return best;
  }

  private start(): Slot {
    const worker = startWorker('search-worker');
    let markReady = (): void => {};
    const ready = new Promise<void>((resolve) => (markReady = resolve));
    const slot: Slot = { worker, inFlight: 0, layouts: new Map(), scratch: new WeakMap(), waiting: new Map(), ready, isReady: false, dead: false };
    worker.on('message', (reply: PoolReply | 'ready') => {
      if (reply === 'ready') {
        slot.isReady = true;
        if (slot.inFlight === 0) worker.unref();
        markReady();
        return;
      }
      const done = slot.waiting.get(reply.id);
      slot.waiting.delete(reply.id);
      done?.(reply);
    });
    const down = (reason: string): void => {
      slot.dead = true;
      markReady();
      this.fail(slot, reason);
      const i = this.slots.indexOf(slot);
      if (i >= 0) this.slots.splice(i, 1);
    };
    worker.on('error', (err) => down(err.message));
    worker.on('exit', () => down('search worker exited'));
    // Referenced (keeps the process alive) until ready, then only while requests are in flight.
    this.slots.push(slot);
    return slot;
  }

  private fail(slot: Slot, reason: string): void {
    const waiting = [...slot.waiting.values()];
    slot.waiting.clear();
    for (const done of waiting) done({ id: 0, ok: false, reason: 'busy', error: reason });
  }
}

let shared: SearchPool | undefined;

/** Cores below which `max_search_threads: 0` keeps searches on the event loop (see BENCHMARKS.md). */
const AUTO_POOL_MIN_CORES = 3;

/**
 * Worker threads for Qdrant's `storage.performance.max_search_threads`: 0 = automatic, 1 = searches on the event
 * loop only, n ≥ 2 = a pool of n workers. Automatic is decided by measurement: on 2 cores the hand-off to a
 * worker cost more than it freed on the event loop (REST, 16 connections: 0.73-0.89x the QPS of one search
 * thread), so up to 2 cores searches stay on the event loop; from 3 cores, one worker per core but one.
 */
export function searchThreadsFor(maxSearchThreads: number, cores = availableParallelism()): number {
  if (maxSearchThreads === 0) return cores >= AUTO_POOL_MIN_CORES ? cores - 1 : 0;
  return maxSearchThreads === 1 ? 0 : maxSearchThreads;
}

/**
 * Sets the process's search pool size (0 = searches stay on the event loop). Replaces (and closes) a
 * previous pool of another size, or any previous pool when `options` are given.
 */
export function configureSearchPool(threads: number, options?: SearchPoolOptions): SearchPool | undefined {
  if (shared?.threads === threads && options === undefined) return shared;
  void shared?.close();
  shared = threads > 0 ? new SearchPool(threads, options) : undefined;
  return shared;
}

/** The process's search pool, if searches run on worker threads. */
export function searchPool(): SearchPool | undefined {
  return shared;
}
