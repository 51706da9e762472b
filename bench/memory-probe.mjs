// Preloaded into the server by bench/memory.ts (`node --expose-gc --import bench/memory-probe.mjs …`): on SIGUSR2
// it collects garbage (twice: weak references, then what they held) and writes process.memoryUsage() and
// /proc/self/status to $QUIVER_MEMORY_PROBE_OUT, so the benchmark measures live memory, not garbage not yet
// collected. Not part of the server.
import { readFileSync, renameSync, writeFileSync } from 'node:fs';

const out = process.env.QUIVER_MEMORY_PROBE_OUT;
let seq = 0;
process.on('SIGUSR2', () => {
  globalThis.gc?.();
  globalThis.gc?.();
  const sample = { seq: ++seq, usage: process.memoryUsage(), status: readFileSync('/proc/self/status', 'utf8') };
  writeFileSync(`${out}.tmp`, JSON.stringify(sample));
  renameSync(`${out}.tmp`, out);
});
