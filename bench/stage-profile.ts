/**
 * Server time per search request, by stage, from a V8 CPU profile of a child server (`--cpu-prof`): the server
 * is loaded with N clustered vectors, answers Q query requests over 16 keep-alive connections, and stops; each
 * sample of its main thread goes to the first stage (in the order of `STAGES`) that a frame of its stack matches:
 *
 * - audit: `src/auth/audit*`, the audited decision; auth: the rest of `src/auth/` and the REST gate;
 * - search: the engine (`src/collection/`, `src/index/`, `src/storage/`: query run, graph, kernels, payload fetch);
 * - present: engine results → wire objects (`api/rest/present/`, the envelope);
 * - validate: Ajv and the request parsers (`api/rest/parse/`); serialise: JSON.stringify / Fastify's serialize;
 * - parse: JSON.parse, secure-json-parse, the unsafe-integer scan; garbage collection;
 * - HTTP + Fastify + other: everything else the main thread did while serving (node:http, routing, hooks, the
 *   socket write).
 * Samples taken while loading the data (before the first query) and after the last are left out. They are wall
 * time while the event loop was on a stack (on a loaded machine, waiting for a core included); the process CPU
 * per request (`/proc`, all threads) is printed next to them. Worker threads are not in the main thread's profile:
 * with the pool on, "search" is what stayed on the event loop.
 *
 *   BENCH_N=30000 BENCH_DIM=128 BENCH_QUERIES=3000 BENCH_THREADS=1 node --import tsx bench/stage-profile.ts
 * Env: BENCH_SECURE=1 (API key + audit log on), BENCH_FILTERED=1 (1% keyword filter), BENCH_EF (64),
 * BENCH_TOP=N (the N heaviest leaf functions), BENCH_STACKS_OF=name (the commonest stacks under that function),
 * BENCH_ENTRY (see server-build.ts: the build `npm start` runs by default; `src` for the sources through tsx).
 */
import { Agent } from 'node:http';
import { send } from './keep-alive-request.js';
import { processCpuUs } from './process-cpu.js';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import { readFileSync, readdirSync, mkdirSync } from 'node:fs';
import { removeDir, startChildServer, tempDir } from '../tests/support/app.js';
import { makeQueries, makeStore, type DatasetSpec } from './data.js';
import { serverEntry } from './server-build.js';

const env = (k: string, d: string): string => process.env[k] ?? d;
const N = Number(env('BENCH_N', '30000'));
const DIM = Number(env('BENCH_DIM', '128'));
const QUERIES = Number(env('BENCH_QUERIES', '3000'));
const THREADS = env('BENCH_THREADS', '1');
const EF = Number(env('BENCH_EF', '64'));
const FILTERED = env('BENCH_FILTERED', '0') === '1';
/** API-key auth and the audit log on (the secure production path). */
const SECURE = env('BENCH_SECURE', '0') === '1';
/** Print the N leaf functions with the most samples. */
const TOP = Number(env('BENCH_TOP', '0'));
/** Print the commonest stacks under leaf functions of this name (diagnosis). */
const STACKS_OF = env('BENCH_STACKS_OF', '');
const KEY = 'stage-profile-key';
const HEADERS: Record<string, string> = SECURE ? { 'api-key': KEY } : {};


/** The reply text of a request that must succeed. */
async function call(agent: Agent, url: string, method: string, path: string, body: string): Promise<string> {
  const r = await send(agent, url, method, path, body, HEADERS);
  if (r.status !== 200) throw new Error(`${r.status} ${r.text}`);
  return r.text;
}

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string };
  children?: number[];
}
interface Profile {
  nodes: ProfileNode[];
  startTime: number;
  samples: number[];
  timeDeltas: number[];
}

/**
 * Stages, by the frames on a sample's stack. A sample belongs to the first stage in this list that any frame of
 * its stack matches (a JSON.stringify under the audit log is "audit", not "serialise"). "parse" and "serialise"
 * match only the frames that do that work (Fastify runs the whole handler chain inside the body parser's
 * callback, and the socket write inside its pre-serialisation hook).
 */
const STAGES: Array<[string, (fn: string, url: string) => boolean]> = [
  ['audit', (fn, url) => url.includes('/src/auth/audit') || url.includes('audited-decision')],
  ['auth (authenticate + authorize)', (fn, url) => url.includes('/src/auth/') || url.includes('rest/gate')],
  ['search (engine: query run, index, payload fetch)', (fn, url) => url.includes('/src/collection/') || url.includes('/src/index/') || url.includes('/src/storage/')],
  ['present (engine result → wire objects)', (fn, url) => url.includes('/api/rest/present/') || url.includes('rest/envelope')],
  ['validate (schema + request parsing)', (fn, url) => url.includes('schemas/validator') || url.includes('/api/rest/parse/') || url.includes('node_modules/ajv') || (url === '' && /^validate\d*$/.test(fn))],
  ['serialise (JSON of the reply)', (fn, url) => url.includes('fast-json-stringify') || url.includes('/api/rest/serialise/') || (fn === 'serialize' && url.includes('fastify/lib/reply')) || fn === 'stringify'],
  ['parse (body text → JSON value)', (fn, url) => url.includes('secure-json-parse') || url.includes('json-unsafe-integers') || url.includes('sliced-json') || url.includes('/api/rest/body') || fn === 'parse'],
  ['garbage collection', (fn) => fn === '(garbage collector)'],
];
const OTHER = 'HTTP + Fastify + other';

/** µs per stage in [from, to], and µs per (stage, leaf function) for the top list. */
function classify(p: Profile, from: number, to: number): { stages: Map<string, number>; leaves: Map<string, number>; stacks: Map<string, number> } {
  const byId = new Map(p.nodes.map((n) => [n.id, n]));
  const parent = new Map<number, number>();
  for (const n of p.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const out = new Map<string, number>([...STAGES.map(([s]) => [s, 0] as [string, number]), [OTHER, 0], ['idle', 0]]);
  const leaves = new Map<string, number>();
  const stacks = new Map<string, number>();
  let t = p.startTime;
  for (let i = 0; i < p.samples.length; i++) {
    t += p.timeDeltas[i] ?? 0;
    const dt = p.timeDeltas[i + 1] ?? 0;
    if (t < from || t > to) continue;
    let id: number | undefined = p.samples[i] ?? -1;
    const leafFrame = byId.get(id)!.callFrame;
    if (leafFrame.functionName === '(idle)') {
      out.set('idle', out.get('idle')! + dt);
      continue;
    }
    let rank = STAGES.length;
    const frames: string[] = [];
    while (id !== undefined) {
      const f = byId.get(id)!.callFrame;
      if (STACKS_OF !== '' && leafFrame.functionName === STACKS_OF) frames.push(`${f.functionName || '(anonymous)'} ${f.url.replace(/^.*\/(node_modules|src)\//, '$1/')}`);
      for (let r = 0; r < rank; r++) if (STAGES[r]![1](f.functionName, f.url)) rank = r;
      id = parent.get(id);
    }
    const stage = rank < STAGES.length ? STAGES[rank]![0] : OTHER;
    out.set(stage, out.get(stage)! + dt);
    const leaf = `${stage} · ${leafFrame.functionName || '(anonymous)'} ${leafFrame.url.replace(/^.*\/(node_modules|src)\//, '$1/')}`;
    leaves.set(leaf, (leaves.get(leaf) ?? 0) + dt);
    if (frames.length > 0) stacks.set(frames.slice(0, 12).join(' ← '), (stacks.get(frames.slice(0, 12).join(' ← ')) ?? 0) + dt);
  }
  return { stages: out, leaves, stacks };
}

async function main(): Promise<void> {
  const spec: DatasetSpec = { n: N, dim: DIM, clusters: Math.max(10, Math.min(1000, Math.floor(N / 100))), queries: 500, seed: 20240601 };
  const store = makeStore(spec);
  const queries = makeQueries(spec).map((q) => Array.from(q));
  const entry = serverEntry();
  const dir = tempDir('quiver-prof-');
  const profDir = join(dir, 'prof');
  mkdirSync(profDir, { recursive: true });
  const server = await startChildServer(dir, {
    QDRANT__STORAGE__STORAGE_PATH: `${dir}/storage`,
    QDRANT__LOG_LEVEL: 'ERROR',
    QDRANT__STORAGE__PERFORMANCE__MAX_SEARCH_THREADS: THREADS,
    ...(SECURE ? { QDRANT__SERVICE__API_KEY: KEY, QDRANT__AUDIT__ENABLED: 'true', QDRANT__AUDIT__DIR: `${dir}/audit` } : {}),
  }, undefined, [], { ...entry.options, nodeArgs: ['--cpu-prof', `--cpu-prof-dir=${profDir}`, '--cpu-prof-interval=200'] });
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
    const cpuFrom = processCpuUs(server.proc.pid!);
    let next = 0;
    await Promise.all(
      Array.from({ length: 16 }, async () => {
        while (next < bodies.length) await call(agent, server.url, 'POST', '/collections/b/points/query', bodies[next++]!);
      }),
    );
    const to = Number(process.hrtime.bigint() / 1000n);
    const cpuUs = processCpuUs(server.proc.pid!) - cpuFrom;
    await server.stop();
    stopped = true;
    const files = readdirSync(profDir).filter((f) => f.endsWith('.cpuprofile'));
    // The main thread's profile is the one that served HTTP (workers and the tsx loader thread write their own).
    const profiles = files.map((f) => JSON.parse(readFileSync(join(profDir, f), 'utf8')) as Profile);
    const main = profiles.find((p) => p.nodes.some((n) => n.callFrame.url.includes('node_modules/fastify/')));
    if (main === undefined) throw new Error('no CPU profile written');
    const { stages, leaves, stacks } = classify(main, from, to);
    const perReq = (us: number): string => (us / QUERIES).toFixed(1);
    const busy = [...stages].filter(([s]) => s !== 'idle').reduce((s, [, v]) => s + v, 0);
    console.log(`N=${N} dim=${DIM} ef=${EF} filtered=${FILTERED} auth+audit=${SECURE} max_search_threads=${THREADS} queries=${QUERIES} wall=${((to - from) / 1e6).toFixed(2)} s load=${loadavg().map((x) => x.toFixed(1)).join('/')} server=${entry.label}`);
    console.log('| stage | µs of main-thread CPU per request |');
    console.log('|---|---|');
    for (const [s, us] of stages) if (s !== 'idle') console.log(`| ${s} | ${perReq(us)} |`);
    console.log(`| **total busy** | **${perReq(busy)}** |`);
    console.log(`(idle ${perReq(stages.get('idle')!)} µs per request)`);
    console.log(`server process CPU (all threads, /proc utime+stime, unprofiled share unknown): ${perReq(cpuUs)} µs per request; ${(QUERIES / ((to - from) / 1e6)).toFixed(0)} requests/s under the profiler`);
    if (TOP > 0) {
      console.log(`top ${TOP} leaf functions (µs per request):`);
      for (const [leaf, us] of [...leaves].sort((a, b) => b[1] - a[1]).slice(0, TOP)) console.log(`  ${perReq(us).padStart(7)}  ${leaf}`);
    }
    for (const [stack, us] of [...stacks].sort((a, b) => b[1] - a[1]).slice(0, 8)) console.log(`  ${perReq(us).padStart(7)}  ${stack}`);
  } finally {
    agent.destroy();
    if (!stopped) await server.stop();
    removeDir(dir);
  }
}

await main();
