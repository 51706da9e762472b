/**
 * Where a server's memory goes (issue 14, item 6). A child Quiver server (the build `npm start` runs: server-build.ts) is measured
 * empty (the Node baseline), after N × DIM points with small payloads were upserted over REST and the HNSW graph
 * was built, and again after a restart on the same storage (the load path: every point read back from LMDB).
 *
 * Each sample is taken after two full garbage collections (`memory-probe.mjs`, preloaded into the server, answers
 * SIGUSR2): /proc/<pid>/status (VmRSS, RssAnon = heap, buffers and wasm memory, RssFile = mapped files: the LMDB
 * map, the node binary) and process.memoryUsage() (V8 heap, external = ArrayBuffers: the graph, shared buffers),
 * against the data: raw vectors (N × DIM × 4), graph (≈ N × (2m + 1) × 4 × 1.07, level 0 plus upper levels), and
 * payload bytes (their JSON). Target (issue 14): RSS ≤ 1.5 × (vectors + graph + payloads) + the Node baseline.
 *
 *   node --import tsx bench/memory.ts                      # 100,000 × 128
 *   BENCH_N=20000 node --import tsx bench/memory.ts        # quick
 *   BENCH_SERVER_ENV='{"MALLOC_ARENA_MAX":"2"}' …           # extra environment for the server
 */
import { Agent } from 'node:http';
import { send } from './keep-alive-request.js';
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { cpus, loadavg } from 'node:os';
import { removeDir, startChildServer, tempDir, type ChildServer } from '../tests/support/app.js';
import { makeStore } from './data.js';
import { statusBytes } from './proc-status.js';
import { serverEntry } from './server-build.js';

const env = (k: string, d: string): string => process.env[k] ?? d;
const N = Number(env('BENCH_N', '100000'));
const DIM = Number(env('BENCH_DIM', '128'));
const M = 16;
const MiB = 1024 * 1024;
const f1 = (bytes: number): string => (bytes / MiB).toFixed(1);
const la = (): string => loadavg().map((x) => x.toFixed(1)).join(' / ');
// Components of the growth over the baseline are printed in a second table (see `account` below).


interface Sample {
  rss: number;
  anon: number;
  file: number;
  heapUsed: number;
  heapTotal: number;
  /** ArrayBuffers and other memory V8 tracks outside its heap (graph arrays, shared buffers). */
  external: number;
}

/**
 * Live memory of the server: the probe preloaded into it (`memory-probe.mjs`) collects garbage on SIGUSR2 and writes
 * its numbers, so garbage a busy server has not yet collected is not counted.
 */
async function sample(s: ChildServer, probeOut: string, last: { seq: number }): Promise<Sample> {
  s.proc.kill('SIGUSR2');
  for (;;) {
    await new Promise((r) => setTimeout(r, 100));
    if (!existsSync(probeOut)) continue;
    const x = JSON.parse(readFileSync(probeOut, 'utf8')) as { seq: number; usage: NodeJS.MemoryUsage; status: string };
    if (x.seq === last.seq) continue;
    last.seq = x.seq;
    const kb = (name: string): number => statusBytes(x.status, name);
    return { rss: kb('VmRSS'), anon: kb('RssAnon'), file: kb('RssFile'), heapUsed: x.usage.heapUsed, heapTotal: x.usage.heapTotal, external: x.usage.external };
  }
}

async function waitGreen(s: ChildServer, agent: Agent): Promise<void> {
  for (;;) {
    const info = JSON.parse((await send(agent, s.url, 'GET', '/collections/m', null)).text) as { result: { status: string; indexed_vectors_count: number } };
    if (info.result.status === 'green' && info.result.indexed_vectors_count >= N) return;
    await new Promise((r) => setTimeout(r, 500));
  }
}

async function main(): Promise<void> {
  const store = makeStore({ n: N, dim: DIM, clusters: Math.max(10, Math.floor(N / 100)), queries: 1, seed: 20240604 });
  const dir = tempDir('quiver-memory-');
  const probeOut = `${dir}/memory-probe.json`;
  const serverEnv = { QDRANT__STORAGE__STORAGE_PATH: `${dir}/storage`, QDRANT__LOG_LEVEL: 'ERROR', QUIVER_MEMORY_PROBE_OUT: probeOut, ...(JSON.parse(env('BENCH_SERVER_ENV', '{}')) as Record<string, string>) };
  const probe = { ...serverEntry().options, nodeArgs: ['--expose-gc', '--import', fileURLToPath(new URL('./memory-probe.mjs', import.meta.url))] };
  const start = (): Promise<ChildServer> => startChildServer(dir, serverEnv, undefined, [], probe);
  const agent = new Agent({ keepAlive: true });
  let payloadBytes = 0;
  let s = await start();
  const last = { seq: 0 };
  const rows: Array<[string, Sample]> = [];
  try {
    rows.push(['empty server (baseline)', await sample(s, probeOut, last)]);
    const c = await send(agent, s.url, 'PUT', '/collections/m', JSON.stringify({ vectors: { size: DIM, distance: 'Cosine' }, hnsw_config: { m: M, ef_construct: 100 }, optimizers_config: { indexing_threshold: 1 } }));
    if (c.status !== 200) throw new Error(c.text);
    for (let b = 0; b < N; b += 1000) {
      const points = [];
      for (let o = b; o < Math.min(N, b + 1000); o++) {
        const payload = { tag: `t${o % 100}`, n: o, title: `document number ${o} of the benchmark` };
        payloadBytes += JSON.stringify(payload).length;
        points.push({ id: o, vector: Array.from(store.get(o)!), payload });
      }
      const r = await send(agent, s.url, 'PUT', '/collections/m/points?wait=true', JSON.stringify({ points }));
      if (r.status !== 200) throw new Error(r.text);
    }
    await waitGreen(s, agent);
    rows.push([`after upserting ${N} points and building the graph`, await sample(s, probeOut, last)]);
    await s.stop();
    rmSync(probeOut);
    s = await start();
    last.seq = 0;
    await waitGreen(s, agent);
    rows.push(['after a restart (points loaded from LMDB, graph image loaded)', await sample(s, probeOut, last)]);
  } finally {
    agent.destroy();
    await s.stop();
    removeDir(dir);
  }
  const vectors = N * DIM * 4;
  const graph = N * (2 * M + 1) * 4 * 1.07;
  const data = vectors + graph + payloadBytes;
  const baseline = rows[0]![1];
  const cpu = cpus();
  const lines = [
    `Run ${new Date().toISOString()} · node ${process.version} · ${cpu.length} × ${cpu[0]?.model ?? '?'} · load average ${la()}`,
    `Command: \`BENCH_N=${N} BENCH_DIM=${DIM} node --import tsx bench/memory.ts\``,
    '',
    `Data: vectors ${f1(vectors)} MiB + graph ≈${f1(graph)} MiB + payloads ${f1(payloadBytes)} MiB (JSON) = ${f1(data)} MiB. Every sample is taken after two full garbage collections.`,
    '',
    '| state | RSS MiB | RssAnon | RssFile | V8 heap used / total | external | (RSS − baseline) ÷ data | RSS ≤ 1.5 × data + baseline | (RssAnon − baseline) ÷ data (clean file pages left out) |',
    '|---|---|---|---|---|---|---|---|---|',
  ];
  for (const [label, x] of rows) {
    const isBase = label.startsWith('empty');
    const ratio = (x.rss - baseline.rss) / data;
    const anonRatio = (x.anon - baseline.anon) / data;
    lines.push(`| ${label} | ${f1(x.rss)} | ${f1(x.anon)} | ${f1(x.file)} | ${f1(x.heapUsed)} / ${f1(x.heapTotal)} | ${f1(x.external)} | ${isBase ? '—' : ratio.toFixed(2)} | ${isBase ? '—' : x.rss <= 1.5 * data + baseline.rss ? 'met' : 'not met'} | ${isBase ? '—' : anonRatio.toFixed(2)} |`);
  }
  // Where the growth over the baseline sits (after ingest; after the restart against its own baseline).
  const account = (x: Sample, base: Sample): Array<[string, number, string]> => {
    const heap = x.heapUsed - base.heapUsed;
    const external = x.external - base.external;
    const nativeOther = x.anon - x.heapTotal - x.external - (base.anon - base.heapTotal - base.external);
    return [
      ['JS heap in use (payload objects, ids, versions, payload-index postings)', heap, `${(heap / N).toFixed(0)} B per point; payload JSON is ${(payloadBytes / N).toFixed(0)} B per point`],
      ['V8 heap reserved, not in use', x.heapTotal - x.heapUsed - (base.heapTotal - base.heapUsed), 'returned to the OS by V8 as it shrinks'],
      ['external (ArrayBuffers: graph links, shared buffers)', external, `graph ≈${f1(graph)} MiB`],
      ['other anonymous (wasm memory: the vector rows; allocator)', nativeOther, `vectors ${f1(vectors)} MiB`],
      ['file pages (LMDB map, read through on load)', x.file - base.file, `clean page cache of the ${f1(vectors + payloadBytes)}+ MiB data file`],
    ];
  };
  lines.push('', '| component (growth over the baseline, MiB) | after ingest | after restart | note |', '|---|---|---|---|');
  const a = account(rows[1]![1], baseline);
  const b = account(rows[2]![1], baseline);
  a.forEach(([label, v, note], i) => lines.push(`| ${label} | ${f1(v)} | ${f1(b[i]![1])} | ${note} |`));
  console.log(lines.join('\n'));
}

await main();
