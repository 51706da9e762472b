/**
 * Server CPU per search request, by stage, from a V8 CPU profile of a child server (`--cpu-prof`): the server
 * is loaded with N clustered vectors, answers Q query requests over 16 keep-alive connections, and stops; the
 * profile of its main thread is split by the frames on each sample's stack:
 *
 * - search: `nearestIn` / `nearestAsyncIn` (collection/segment/nearest.ts) and everything under them (planner, graph, kernels);
 * - present + serialise: result presentation (`present/`, `scoredPoints`) and the reply's JSON serialisation;
 * - parse + validate: the body parser, JSON.parse, schema validation and request parsing (`parse/`);
 * - auth + audit: `src/auth/`, the REST gate and the audit log;
 * - HTTP + framework + other: everything else the main thread did while serving (node:http, Fastify routing,
 *   the event loop, GC).
 * Samples taken while loading the data (before the first query) and after the last are left out. Worker threads
 * are not in the main thread's profile: with the pool on, "search" is what stayed on the event loop.
 *
 *   BENCH_N=30000 BENCH_DIM=128 BENCH_QUERIES=3000 BENCH_THREADS=1 node --import tsx bench/stage-profile.ts
 */
import { Agent } from 'node:http';
import { send } from './keep-alive-request.js';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import { mkdirSync } from 'node:fs';
import { classify, mainThreadProfile, type Stage } from './cpu-profile.js';
import { removeDir, startChildServer, tempDir } from '../tests/support/app.js';
import { makeQueries, makeStore, type DatasetSpec } from './data.js';

const env = (k: string, d: string): string => process.env[k] ?? d;
const N = Number(env('BENCH_N', '30000'));
const DIM = Number(env('BENCH_DIM', '128'));
const QUERIES = Number(env('BENCH_QUERIES', '3000'));
const THREADS = env('BENCH_THREADS', '1');
const EF = Number(env('BENCH_EF', '64'));
const FILTERED = env('BENCH_FILTERED', '0') === '1';

/** The reply text of a request that must succeed. */
async function call(agent: Agent, url: string, method: string, path: string, body: string): Promise<string> {
  const r = await send(agent, url, method, path, body);
  if (r.status !== 200) throw new Error(`${r.status} ${r.text}`);
  return r.text;
}

const STAGES: Stage[] = [
  ['search', (fn, url) => (fn === 'nearestIn' || fn === 'nearestAsyncIn') && url.includes('collection/segment/nearest')],
  ['present + serialise', (fn, url) => url.includes('/present/') || url.includes('scored-points') || url.includes('fast-json-stringify') || (url.includes('fastify') && /serializ/i.test(fn)) || fn === 'stringify'],
  ['parse + validate', (fn, url) => url.includes('content-type-parser') || url.includes('secure-json-parse') || url.includes('/parse/') || url.includes('schemas/validator') || fn === 'parse'],
  ['auth + audit', (fn, url) => url.includes('/src/auth/') || url.includes('rest/gate') || url.includes('/audit')],
];

async function main(): Promise<void> {
  const spec: DatasetSpec = { n: N, dim: DIM, clusters: Math.max(10, Math.min(1000, Math.floor(N / 100))), queries: 500, seed: 20240601 };
  const store = makeStore(spec);
  const queries = makeQueries(spec).map((q) => Array.from(q));
  const dir = tempDir('quiver-prof-');
  const profDir = join(dir, 'prof');
  mkdirSync(profDir, { recursive: true });
  const server = await startChildServer(dir, {
    QDRANT__STORAGE__STORAGE_PATH: `${dir}/storage`,
    QDRANT__LOG_LEVEL: 'ERROR',
    QDRANT__STORAGE__PERFORMANCE__MAX_SEARCH_THREADS: THREADS,
  }, undefined, [], { nodeArgs: ['--cpu-prof', `--cpu-prof-dir=${profDir}`, '--cpu-prof-interval=200'] });
  const agent = new Agent({ keepAlive: true, maxSockets: 16 });
  let stopped = false;
  try {
    await call(agent, server.url, 'PUT', '/collections/b', JSON.stringify({ vectors: { size: DIM, distance: 'Cosine' }, hnsw_config: { m: 16, ef_construct: 100 }, optimizers_config: { indexing_threshold: 1 } }));
    await call(agent, server.url, 'PUT', '/collections/b/index?wait=true', JSON.stringify({ field_name: 'tag', field_schema: 'keyword' }));
    for (let i = 0; i < N; i += 1000) {
      const points = [];
      for (let o = i; o < Math.min(N, i + 1000); o++) points.push({ id: o, vector: Array.from(store.get(o)!), payload: { tag: `t${o % 100}` } });
      await call(agent, server.url, 'PUT', '/collections/b/points?wait=true', JSON.stringify({ points }));
    }
    for (;;) {
      const info = (JSON.parse(await call(agent, server.url, 'GET', '/collections/b', '')) as { result: { status: string; indexed_vectors_count: number } }).result;
      if (info.status === 'green' && info.indexed_vectors_count >= N) break;
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
    const bodies = Array.from({ length: QUERIES }, (_, i) =>
      JSON.stringify({ query: queries[i % queries.length], limit: 10, params: { hnsw_ef: EF }, ...(FILTERED ? { filter: { must: [{ key: 'tag', match: { value: `t${i % 100}` } }] } } : {}) }),
    );
    // Warm-up, then the measured window. V8 profile timestamps are µs of CLOCK_MONOTONIC, as process.hrtime is.
    for (let i = 0; i < 200; i++) await call(agent, server.url, 'POST', '/collections/b/points/query', bodies[i % bodies.length]!);
    const from = Number(process.hrtime.bigint() / 1000n);
    let next = 0;
    await Promise.all(
      Array.from({ length: 16 }, async () => {
        while (next < bodies.length) await call(agent, server.url, 'POST', '/collections/b/points/query', bodies[next++]!);
      }),
    );
    const to = Number(process.hrtime.bigint() / 1000n);
    await server.stop();
    stopped = true;
    const stages = classify(mainThreadProfile(profDir), from, to, STAGES, 'HTTP + framework + other', 'outermost');
    const perReq = (us: number): string => (us / QUERIES).toFixed(1);
    const busy = [...stages].filter(([s]) => s !== 'idle').reduce((s, [, v]) => s + v, 0);
    console.log(`N=${N} dim=${DIM} ef=${EF} filtered=${FILTERED} max_search_threads=${THREADS} queries=${QUERIES} wall=${((to - from) / 1e6).toFixed(2)} s load=${loadavg().map((x) => x.toFixed(1)).join('/')}`);
    console.log('| stage | µs of main-thread CPU per request |');
    console.log('|---|---|');
    for (const [s, us] of stages) if (s !== 'idle') console.log(`| ${s} | ${perReq(us)} |`);
    console.log(`| **total busy** | **${perReq(busy)}** |`);
    console.log(`(idle ${perReq(stages.get('idle')!)} µs per request)`);
  } finally {
    agent.destroy();
    if (!stopped) await server.stop();
    removeDir(dir);
  }
}

await main();
