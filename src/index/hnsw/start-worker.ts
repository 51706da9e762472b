import { Worker } from 'node:worker_threads';

/**
 * Starts the worker module `name` (without extension) that lives next to this file. From compiled
 * JavaScript it is `name.js`; from TypeScript sources (tests, benchmarks under tsx) the worker registers tsx
 * first, because Node 20 does not pass `--import` loaders on to workers.
 */
export function startWorker(name: string, workerData?: unknown): Worker {
  return startWorkerNextTo(import.meta.url, name, workerData);
}

/** {@link startWorker} for the worker module `name` next to the module `base` (its `import.meta.url`). */
export function startWorkerNextTo(base: string, name: string, workerData?: unknown): Worker {
  const fromSource = base.endsWith('.ts');
  const url = new URL(fromSource ? `./${name}.ts` : `./${name}.js`, base);
  if (!fromSource) return new Worker(url, { workerData });
  // Resolved here: an eval worker resolves bare specifiers from the process's working directory, which need not
  // be this checkout (a server started in its data directory).
  const tsx = import.meta.resolve('tsx/esm/api');
  const boot = `import(${JSON.stringify(tsx)}).then((m) => { m.register(); return import(${JSON.stringify(url.href)}); });`;
  return new Worker(boot, { eval: true, workerData });
}
