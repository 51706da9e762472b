/**
 * Worker-thread side of `HnswIndex.buildParallel`: attaches to the shared graph and vectors and
 * inserts offsets taken from a shared counter until none are left.
 */
import { parentPort, workerData } from 'node:worker_threads';
import type { Distance } from '../distance.js';
import type { KernelChoice, KernelSource } from '../kernels/kernel.js';
import { createKernel } from '../kernels/select.js';
import type { WasmMemory } from '../kernels/wasm-api.js';
import { GraphBuilder, type BuildParams } from './build.js';
import { HnswGraph, type SharedGraph } from './graph.js';
import { LayerSearch } from './search.js';

export interface BuildWorkerInit {
  distance: Distance;
  kernel: KernelChoice;
  dim: number;
  /** Rows: a wasm memory + byte offset of row 0, or a SharedArrayBuffer-backed array. */
  memory: WasmMemory | undefined;
  base: number;
  rows: number;
  data: Float32Array | undefined;
  scratch: number;
  graph: SharedGraph;
  params: BuildParams;
  locks: Int32Array;
  offsets: Int32Array;
  /** [0] = next index into `offsets` to insert (shared work queue). */
  counter: Int32Array;
}

function run(init: BuildWorkerInit): number {
  const { dim, memory } = init;
  const data = memory !== undefined ? new Float32Array(memory.buffer, init.base, init.rows * dim) : init.data;
  if (data === undefined) throw new Error('build worker got no vectors');
  const source: KernelSource = { dim, data, wasmMemory: memory, scratchAddress: () => init.scratch };
  const kernel = createKernel(source, init.distance, init.kernel);
  const graph = HnswGraph.attach(init.graph);
  const builder = new GraphBuilder(graph, new LayerSearch(graph.capacity), init.params, init.locks);
  const { offsets, counter } = init;
  let done = 0;
  for (;;) {
    const i = Atomics.add(counter, 0, 1);
    if (i >= offsets.length) break;
    builder.insert(kernel, offsets[i]!);
    done++;
  }
  return done;
}

if (parentPort !== null) {
  const port = parentPort;
  try {
    port.postMessage({ done: run(workerData as BuildWorkerInit) });
  } catch (err) {
    port.postMessage({ error: err instanceof Error ? (err.stack ?? err.message) : String(err) });
  }
}
