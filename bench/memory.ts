/**
 * Where a server's memory goes (issue 14, item 6). A child Quiver server (as deployed, through tsx) is measured
 * empty (the Node baseline), after N × DIM points with small payloads were upserted over REST and the HNSW graph
 * was built, and again after a restart on the same storage (the load path: every point read back from LMDB).
 *
 * Reported from /proc/<pid>/status (VmRSS, RssAnon = heap and buffers, RssFile = mapped files: the LMDB map, the
 * node binary) and the server's own /metrics (V8 heap used, external memory = ArrayBuffers: vector stores, graph),
 * against the data: raw vectors (N × DIM × 4), graph (≈ N × (2m + 1) × 4 × 1.07, level 0 plus upper levels), and
 * payload bytes (their JSON). Target (issue 14): RSS ≤ 1.5 × (vectors + graph + payloads) + the Node baseline.
 *
 *   node --import tsx bench/memory.ts                      # 100,000 × 128
 *   BENCH_N=20000 node --import tsx bench/memory.ts        # quick
 */
import { Agent } from 'node:http';
import { send } from './keep-alive-request.js';
import { readFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { removeDir, startChildServer, tempDir, type ChildServer } from '../tests/support/app.js';
import { makeStore } from './data.js';

const env = (k: string, d: string): string => process.env[k] ?? d;
const N = Number(env('BENCH_N', '100000'));
const DIM = Number(env('BENCH_DIM', '128'));
const M = 16;
const MiB = 1024 * 1024;
const f1 = (bytes: number): string => (bytes / MiB).toFixed(1);
const la = (): string => loadavg().map((x) => x.toFixed(1)).join(' / ');


interface Sample {
  rss: number;
  anon: number;
  file: number;
  heapUsed: number;
  external: number;
}

async function sample(s: ChildServer, agent: Agent): Promise<Sample> {
  const status = readFileSync(`/proc/${s.proc.pid}/status`, 'utf8');
  const kb = (name: string): number => Number(new RegExp(`${name}:\\s+(\\d+) kB`).exec(status)?.[1] ?? NaN) * 1024;
  const metrics = (await send(agent, s.url, 'GET', '/metrics', null)).text;
  const metric = (name: string): number => Number(new RegExp(`^quiver_${name}(?:\\{[^}]*\\})? ([0-9.e+]+)`, 'm').exec(metrics)?.[1] ?? NaN);
  return { rss: kb('VmRSS'), anon: kb('RssAnon'), file: kb('RssFile'), heapUsed: metric('nodejs_heap_size_used_bytes'), external: metric('nodejs_external_memory_bytes') };
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
  const serverEnv = { QDRANT__STORAGE__STORAGE_PATH: `${dir}/storage`, QDRANT__LOG_LEVEL: 'ERROR' };
  const agent = new Agent({ keepAlive: true });
  let payloadBytes = 0;
  let s = await startChildServer(dir, serverEnv);
  const rows: Array<[string, Sample]> = [];
  try {
    await new Promise((r) => setTimeout(r, 1000));
    rows.push(['empty server (baseline)', await sample(s, agent)]);
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
    rows.push([`after upserting ${N} points and building the graph`, await sample(s, agent)]);
    await s.stop();
    s = await startChildServer(dir, serverEnv);
    await waitGreen(s, agent);
    rows.push(['after a restart (points loaded from LMDB, graph image loaded)', await sample(s, agent)]);
  } finally {
    agent.destroy();
    await s.stop();
    removeDir(dir);
  }
  const vectors = N * DIM * 4;
  const graph = N * (2 * M + 1) * 4 * 1.07;
  const data = vectors + graph + payloadBytes;
  const baseline = rows[0]![1].rss;
  const cpu = cpus();
  const lines = [
    `Run ${new Date().toISOString()} · node ${process.version} · ${cpu.length} × ${cpu[0]?.model ?? '?'} · load average ${la()}`,
    `Command: \`BENCH_N=${N} BENCH_DIM=${DIM} node --import tsx bench/memory.ts\``,
    '',
    `Data: vectors ${f1(vectors)} MiB + graph ≈${f1(graph)} MiB + payloads ${f1(payloadBytes)} MiB (JSON) = ${f1(data)} MiB.`,
    '',
    '| state | RSS MiB | RssAnon | RssFile (LMDB map, binary) | V8 heap used | external (ArrayBuffers) | (RSS − baseline) ÷ data | target RSS ≤ 1.5 × data + baseline |',
    '|---|---|---|---|---|---|---|---|',
  ];
  for (const [label, x] of rows) {
    const ratio = (x.rss - baseline) / data;
    lines.push(`| ${label} | ${f1(x.rss)} | ${f1(x.anon)} | ${f1(x.file)} | ${f1(x.heapUsed)} | ${f1(x.external)} | ${x === rows[0]![1] ? '—' : ratio.toFixed(2)} | ${x === rows[0]![1] ? '—' : x.rss <= 1.5 * data + baseline ? 'met' : 'not met'} |`);
  }
  console.log(lines.join('\n'));
}

await main();
