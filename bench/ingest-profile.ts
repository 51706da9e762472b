/**
 * Server CPU per durable 1000-point upsert, by stage (issue 14, item 4): a child Quiver server with `--cpu-prof`,
 * API key and audit log on, receives B batches of 1000 × DIM points (small payloads) with `wait=true` over one
 * keep-alive connection into an HNSW collection (indexing threshold 1, so the graph is built while writes arrive).
 * The main thread's profile is split by the innermost frame that names a stage (the code that did the work):
 *
 * - body parse: the JSON body parser (`sliced-json`, the content-type parser, `JSON.parse` under them);
 * - schema validation: the OpenAPI body validation (Ajv);
 * - request → operation: ids, vectors and payloads read from the parsed body (`parse/`, `vectors.ts`, ids);
 * - staging: the update pipeline's overlay (`collection.ts`, `staged-overlay.ts`, `commit-groups.ts`);
 * - point encoding: `point-codec.ts` (the stored form, payload JSON);
 * - LMDB put + commit: lmdb-js and its msgpack encoder on the main thread (the fsync runs on LMDB's thread:
 *   it shows as idle time here and in the wall time per batch);
 * - segment apply: ids, vector stores, payloads (`segment.ts`, `vector-store.ts`, `id-tracker.ts`);
 * - payload index: `index/payload/`;
 * - HNSW insertion: `index/hnsw/` on the main thread (background build slices included);
 * - auth, audit: `src/auth/` other than the audit log, and the audit log;
 * - HTTP + framework + other, garbage collection, idle.
 *
 *   BENCH_BATCHES=30 BENCH_DIM=128 node --import tsx bench/ingest-profile.ts
 */
import { Agent } from 'node:http';
import { send } from './keep-alive-request.js';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import { mkdirSync, readFileSync } from 'node:fs';
import { classify, mainThreadProfile, selfTimes, type Stage } from './cpu-profile.js';
import { removeDir, startChildServer, tempDir } from '../tests/support/app.js';
import { makeStore } from './data.js';

const env = (k: string, d: string): string => process.env[k] ?? d;
const BATCHES = Number(env('BENCH_BATCHES', '30'));
const DIM = Number(env('BENCH_DIM', '128'));
const KEY = 'bench-key-0123456789abcdef';

const STAGES: Stage[] = [
  ['body parse', (fn, url) => url.includes('upsert-scan') || url.includes('read-upsert-body') || url.includes('sliced-json') || url.includes('content-type-parser') || url.includes('secure-json-parse') || url.includes('json-unsafe-integers') || (url.endsWith('/src/app.ts') && fn !== '')],
  ['schema validation', (_fn, url) => url.includes('schemas/validator') || url.includes('node_modules/ajv')],
  ['request → operation (ids, vectors, payloads)', (_fn, url) => url.includes('/rest/parse/') || url.includes('collection/vectors.ts') || url.includes('storage/point-id.ts')],
  ['staging (overlay, groups)', (_fn, url) => url.includes('collection/collection.ts') || url.includes('staged-overlay') || url.includes('commit-groups')],
  ['point encoding', (_fn, url) => url.includes('point-codec')],
  ['LMDB put + commit (main thread)', (_fn, url) => url.includes('node_modules/lmdb') || url.includes('node_modules/msgpackr') || url.includes('storage/kv/')],
  ['payload index', (_fn, url) => url.includes('/index/payload/')],
  ['HNSW insertion', (_fn, url) => url.includes('/index/hnsw/') || url.includes('vector-indexes')],
  ['segment apply (ids, vector stores, payloads)', (_fn, url) => url.includes('/segment/') || url.includes('vector-store') || url.includes('id-tracker')],
  ['audit log', (_fn, url) => url.includes('/audit')],
  ['auth', (_fn, url) => url.includes('/src/auth/') || url.includes('rest/gate')],
];

/** utime + stime of a process (all its threads), in µs. */
function cpuMicros(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  return ((Number(fields[11]) + Number(fields[12])) * 1e6) / 100;
}

async function main(): Promise<void> {
  const n = BATCHES * 1000;
  const store = makeStore({ n, dim: DIM, clusters: Math.max(10, Math.floor(n / 100)), queries: 1, seed: 20240605 });
  const bodies = Array.from({ length: BATCHES }, (_, b) => {
    const points = [];
    for (let o = b * 1000; o < (b + 1) * 1000; o++) points.push({ id: o, vector: Array.from(store.get(o)!), payload: { tag: `t${o % 100}`, n: o } });
    return JSON.stringify({ points });
  });
  const dir = tempDir('quiver-ingest-prof-');
  const profDir = join(dir, 'prof');
  mkdirSync(profDir, { recursive: true });
  const server = await startChildServer(dir, {
    QDRANT__STORAGE__STORAGE_PATH: `${dir}/storage`,
    QDRANT__LOG_LEVEL: 'ERROR',
    QDRANT__SERVICE__API_KEY: KEY,
    QDRANT__AUDIT__ENABLED: 'true',
    QDRANT__AUDIT__DIR: `${dir}/audit`,
  }, undefined, [], { nodeArgs: ['--cpu-prof', `--cpu-prof-dir=${profDir}`, '--cpu-prof-interval=200'] });
  const agent = new Agent({ keepAlive: true, maxSockets: 1 });
  const call = async (method: string, path: string, body: string | null): Promise<string> => {
    const r = await send(agent, server.url, method, path, body, { 'api-key': KEY });
    if (r.status !== 200) throw new Error(`${r.status} ${r.text}`);
    return r.text;
  };
  let stopped = false;
  try {
    await call('PUT', '/collections/w', JSON.stringify({ vectors: { size: DIM, distance: 'Cosine' }, hnsw_config: { m: 16, ef_construct: 100 }, optimizers_config: { indexing_threshold: 1 } }));
    await call('PUT', '/collections/w/index?wait=true', JSON.stringify({ field_name: 'tag', field_schema: 'keyword' }));
    // Warm-up (Ajv compiles the upsert schema on first use, V8 optimises the write path) in another collection.
    await call('PUT', '/collections/warm', JSON.stringify({ vectors: { size: DIM, distance: 'Cosine' } }));
    for (const body of bodies.slice(0, 3)) await call('PUT', '/collections/warm/points?wait=true', body);
    await call('DELETE', '/collections/warm', null);
    const cpu0 = cpuMicros(server.proc.pid!);
    const from = Number(process.hrtime.bigint() / 1000n);
    for (const body of bodies) await call('PUT', '/collections/w/points?wait=true', body);
    const to = Number(process.hrtime.bigint() / 1000n);
    const cpu = cpuMicros(server.proc.pid!) - cpu0;
    const info = (JSON.parse(await call('GET', '/collections/w', null)) as { result: { indexed_vectors_count: number } }).result;
    await server.stop();
    stopped = true;
    const profile = mainThreadProfile(profDir);
    const stages = classify(profile, from, to, STAGES, 'HTTP + framework + other', 'innermost');
    const per = (us: number): string => (us / BATCHES).toFixed(0);
    const busy = [...stages].filter(([s]) => s !== 'idle').reduce((s, [, v]) => s + v, 0);
    console.log(`batches=${BATCHES} × 1000 × ${DIM}, wait=true, 1 connection, API key + audit on; wall ${((to - from) / 1e6).toFixed(2)} s = ${((n * 1e6) / (to - from)).toFixed(0)} points/s; indexed when the last write was acknowledged: ${info.indexed_vectors_count}; load ${loadavg().map((x) => x.toFixed(1)).join('/')}`);
    console.log('| stage | µs of main-thread CPU per 1000-point batch |');
    console.log('|---|---|');
    for (const [s, us] of stages) if (s !== 'idle') console.log(`| ${s} | ${per(us)} |`);
    console.log(`| **main thread busy** | **${per(busy)}** |`);
    console.log(`| idle (waiting for fsync, the client, the network) | ${per(stages.get('idle')!)} |`);
    console.log(`| wall time per batch | ${per(to - from)} |`);
    console.log(`| process CPU per batch (all threads: main, LMDB, workers; /proc) | ${per(cpu)} |`);
    console.log('', '| function (self time) | µs per batch |', '|---|---|');
    for (const [f, us] of selfTimes(profile, from, to, 25)) console.log(`| ${f} | ${per(us)} |`);
  } finally {
    agent.destroy();
    if (!stopped) await server.stop();
    removeDir(dir);
  }
}

await main();
