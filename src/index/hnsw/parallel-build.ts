import { startWorker } from './start-worker.js';
import type { BuildWorkerInit } from './build-worker.js';

export interface ParallelBuildOptions {
  /** Worker threads (default: available cores, at most 7). The calling thread only waits. */
  threads?: number;
  /** Stops the build early: offsets not yet inserted stay queued (searchable, see `pendingCount`). */
  signal?: AbortSignal;
  /** Called about every 100 ms with the number of offsets inserted so far. */
  onProgress?: (inserted: number, total: number) => void;
}

/**
 * Runs `threads` build workers over the shared graph until `init.counter` passes the end of
 * `init.offsets`. Resolves with the number of offsets claimed (all inserted) when every worker
 * has exited; rejects with the first worker error.
 */
export async function runBuildWorkers(
  init: Omit<BuildWorkerInit, 'scratch'>,
  scratch: (worker: number) => number,
  threads: number,
  options: ParallelBuildOptions,
): Promise<number> {
  const total = init.offsets.length;
  let claimedAtAbort = -1;
  const onAbort = (): void => {
    claimedAtAbort = Math.min(total, Atomics.exchange(init.counter, 0, total));
  };
  options.signal?.addEventListener('abort', onAbort, { once: true });
  const timer =
    options.onProgress === undefined
      ? undefined
      : setInterval(() => options.onProgress?.(Math.min(total, Atomics.load(init.counter, 0)), total), 100);
  const errors: string[] = [];
  try {
    await Promise.all(
      Array.from({ length: threads }, (_, t) => {
        const worker = startWorker('build-worker', { ...init, scratch: scratch(t) });
        return new Promise<void>((resolve) => {
          worker.on('message', (msg: { done?: number; error?: string }) => {
            if (msg.error !== undefined) errors.push(msg.error);
          });
          worker.on('error', (err) => {
            errors.push(err.stack ?? err.message);
            resolve();
          });
          worker.on('exit', () => resolve());
        });
      }),
    );
  } finally {
    if (timer !== undefined) clearInterval(timer);
    options.signal?.removeEventListener('abort', onAbort);
  }
  if (errors.length > 0) throw new Error(`HNSW build worker failed: ${errors[0]}`);
  const claimed = claimedAtAbort >= 0 ? claimedAtAbort : total;
  options.onProgress?.(claimed, total);
  return claimed;
}
