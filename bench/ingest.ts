/**
 * Durable writes over REST (issue 14, item 4 and the audit cost): a child Quiver server, a `node:http` keep-alive
 * client on the same machine.
 *
 *   ingest   — batches of 1000 × 128 with `wait=true`: 1 connection, then 4 concurrent writers, each into a fresh
 *              collection; the same run with the audit log off and on (two servers, interleaved).
 *   mixed    — 64 connections (13 writing 10-point upserts with wait=true, 51 querying), API key + audit on:
 *              write p50/p99.
 *   healthz  — `/healthz` latencies while 2000 × 128 upserts arrive back to back.
 *
 * Request bodies are built before the clock starts, so the client's JSON.stringify is not measured.
 *
 * BENCH_BASELINE=<dir> also runs every part against the server of another checkout (e.g. `git archive main` unpacked
 * in /tmp with this tree's node_modules linked in), interleaved with this tree's: before / after side by side.
 *
 *   node --import tsx bench/ingest.ts                               # defaults below
 *   BENCH_N=20000 BENCH_SECONDS=4 node --import tsx bench/ingest.ts  # quick
 *   BENCH_BASELINE=/tmp/quiver-main BENCH_N=20000 node --import tsx bench/ingest.ts
 */
import { Agent } from 'node:http';
import { send as sendTo } from './keep-alive-request.js';
import { cpus, loadavg } from 'node:os';
import { join } from 'node:path';
import { removeDir, startChildServer, tempDir, type ChildServer } from '../tests/support/app.js';
import { makeQueries, makeStore, type DatasetSpec } from './data.js';

const env = (k: string, d: string): string => process.env[k] ?? d;
const N = Number(env('BENCH_N', '40000'));
const DIM = Number(env('BENCH_DIM', '128'));
const SECONDS = Number(env('BENCH_SECONDS', '6'));
const PARTS = env('BENCH_PARTS', 'ingest,mixed,healthz').split(',');
const BASELINE = process.env['BENCH_BASELINE'];
const KEY = 'bench-key-0123456789abcdef';
const AUTH = { 'api-key': KEY };
const send = (agent: Agent, url: string, method: string, path: string, body: string | null): ReturnType<typeof sendTo> => sendTo(agent, url, method, path, body, AUTH);

const f0 = (x: number): string => x.toFixed(0);
const f1 = (x: number): string => x.toFixed(1);
const la = (): string => loadavg().map((x) => x.toFixed(1)).join(' / ');


function pct(sorted: number[], p: number): number {
  return sorted.length === 0 ? NaN : sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

const spec: DatasetSpec = { n: N, dim: DIM, clusters: Math.max(10, Math.floor(N / 100)), queries: 200, seed: 20240603 };
const store = makeStore(spec);

function pointsBody(from: number, to: number, idBase = 0): string {
  const points = [];
  for (let o = from; o < to; o++) points.push({ id: idBase + o, vector: Array.from(store.get(o % N)!), payload: { tag: `t${o % 100}`, n: o } });
  return JSON.stringify({ points });
}

async function createCollection(s: ChildServer, name: string): Promise<void> {
  const agent = new Agent({ keepAlive: true });
  const c = await send(agent, s.url, 'PUT', `/collections/${name}`, JSON.stringify({ vectors: { size: DIM, distance: 'Cosine' } }));
  if (c.status !== 200) throw new Error(c.text);
  agent.destroy();
}

/** Upserts `bodies` (1000 points each) over `writers` connections; points per second. */
async function ingest(s: ChildServer, name: string, bodies: string[], writers: number): Promise<number> {
  await createCollection(s, name);
  const agent = new Agent({ keepAlive: true, maxSockets: writers });
  let next = 0;
  const t0 = performance.now();
  await Promise.all(
    Array.from({ length: writers }, async () => {
      while (next < bodies.length) {
        const r = await send(agent, s.url, 'PUT', `/collections/${name}/points?wait=true`, bodies[next++]!);
        if (r.status !== 200) throw new Error(`upsert ${r.status} ${r.text}`);
      }
    }),
  );
  const secs = (performance.now() - t0) / 1000;
  agent.destroy();
  await send(new Agent(), s.url, 'DELETE', `/collections/${name}`, null);
  return (bodies.length * 1000) / secs;
}

/** The servers of one checkout: audit log off and on. */
interface Build {
  readonly label: string;
  readonly off: ChildServer;
  readonly on: ChildServer;
}

/** Starts the audit-off and audit-on servers of this tree (and of BENCH_BASELINE), runs `fn`, stops them. */
async function withServers(fn: (builds: readonly Build[]) => Promise<void>): Promise<void> {
  const trees: Array<{ label: string; entry?: string }> = [...(BASELINE === undefined ? [] : [{ label: 'baseline', entry: join(BASELINE, 'src', 'main.ts') }]), { label: 'this tree' }];
  const dirs: string[] = [];
  const servers: ChildServer[] = [];
  const builds: Build[] = [];
  try {
    for (const tree of trees) {
      const options = tree.entry === undefined ? {} : { entry: tree.entry, nodeArgs: ['--import', import.meta.resolve('tsx')] };
      const start = async (audit: boolean): Promise<ChildServer> => {
        const dir = tempDir(`quiver-ingest-${audit ? 'on' : 'off'}-`);
        dirs.push(dir);
        const auditEnv: Record<string, string> = audit ? { QDRANT__AUDIT__ENABLED: 'true', QDRANT__AUDIT__DIR: `${dir}/audit` } : {};
        const s = await startChildServer(dir, { QDRANT__SERVICE__API_KEY: KEY, QDRANT__LOG_LEVEL: 'ERROR', QDRANT__STORAGE__STORAGE_PATH: `${dir}/storage`, ...auditEnv }, undefined, [], options);
        servers.push(s);
        return s;
      };
      builds.push({ label: tree.label, off: await start(false), on: await start(true) });
    }
    await fn(builds);
  } finally {
    for (const s of servers) await s.stop();
    for (const d of dirs) removeDir(d);
  }
}

async function ingestPart(builds: readonly Build[], lines: string[]): Promise<void> {
  const bodies = Array.from({ length: Math.floor(N / 1000) }, (_, b) => pointsBody(b * 1000, (b + 1) * 1000));
  lines.push(
    `#### Durable ingest (${bodies.length} batches of 1000 × ${DIM}, wait=true, API key; load average at start ${la()})`,
    '',
    '| writers | build | audit off points/s | audit on points/s | on / off | load avg |',
    '|---|---|---|---|---|---|',
  );
  const rows = new Map<string, { off: number; on: number }>();
  // Interleaved: 1 writer off, on (each build in turn), 4 writers off, on, then again; the better of two rounds is kept.
  for (let round = 0; round < 2; round++) {
    for (const writers of [1, 4]) {
      for (const build of builds) {
        const a = await ingest(build.off, `w${writers}r${round}`, bodies, writers);
        const b = await ingest(build.on, `w${writers}r${round}`, bodies, writers);
        const key = `${writers}|${build.label}`;
        const prev = rows.get(key);
        rows.set(key, { off: Math.max(a, prev?.off ?? 0), on: Math.max(b, prev?.on ?? 0) });
      }
    }
  }
  for (const [key, r] of rows) {
    const [writers, label] = key.split('|');
    lines.push(`| ${writers} | ${label} | ${f0(r.off)} | ${f0(r.on)} | ${(r.on / r.off).toFixed(3)} | ${la()} |`);
  }
  for (const build of builds) {
    const one = rows.get(`1|${build.label}`)!;
    const four = rows.get(`4|${build.label}`)!;
    lines.push('', `${build.label}: 4 writers / 1 writer: audit off ${(four.off / one.off).toFixed(2)}×, audit on ${(four.on / one.on).toFixed(2)}×.`);
  }
  lines.push('');
}

async function mixedPart(builds: readonly Build[], lines: string[]): Promise<void> {
  const n = Math.min(N, 10_000);
  for (const s of builds.flatMap((b) => [b.off, b.on])) {
    await createCollection(s, 'mixed');
    const agent = new Agent({ keepAlive: true });
    for (let b = 0; b < n; b += 1000) await send(agent, s.url, 'PUT', '/collections/mixed/points?wait=true', pointsBody(b, Math.min(n, b + 1000)));
    agent.destroy();
  }
  const queries = makeQueries(spec).map((q) => JSON.stringify({ query: Array.from(q), limit: 10 }));
  const writes = Array.from({ length: 200 }, (_, i) => pointsBody(i * 10, i * 10 + 10, 1_000_000));
  lines.push(`#### Mixed load, 64 connections, ${SECONDS} s per server (13 writers of 10-point upserts with wait=true, 51 querying; ${n} × ${DIM} points, API key)`, '');
  lines.push('| build | audit | writes/s | write p50 / p99 (ms) | reads/s | read p99 (ms) | errors | load avg |', '|---|---|---|---|---|---|---|---|');
  for (const [build, label, s] of builds.flatMap((b) => [[b.label, 'off', b.off], [b.label, 'on', b.on]] as const)) {
    const agent = new Agent({ keepAlive: true, maxSockets: 64 });
    const lat = { write: [] as number[], read: [] as number[] };
    let errors = 0;
    let seq = 0;
    const end = performance.now() + SECONDS * 1000;
    await Promise.all(
      Array.from({ length: 64 }, async (_, w) => {
        while (performance.now() < end) {
          const t = performance.now();
          const isWrite = w % 5 === 0;
          const r = isWrite
            ? await send(agent, s.url, 'PUT', '/collections/mixed/points?wait=true', writes[seq++ % writes.length]!)
            : await send(agent, s.url, 'POST', '/collections/mixed/points/query', queries[(seq++ + w) % queries.length]!);
          if (r.status !== 200) errors++;
          lat[isWrite ? 'write' : 'read'].push(performance.now() - t);
        }
      }),
    );
    agent.destroy();
    lat.write.sort((a, b) => a - b);
    lat.read.sort((a, b) => a - b);
    lines.push(`| ${build} | ${label} | ${f0(lat.write.length / SECONDS)} | ${f1(pct(lat.write, 50))} / ${f1(pct(lat.write, 99))} | ${f0(lat.read.length / SECONDS)} | ${f1(pct(lat.read, 99))} | ${errors} | ${la()} |`);
  }
  lines.push('');
}

async function healthzPart(s: ChildServer, label: string, lines: string[]): Promise<void> {
  const bodies = Array.from({ length: 5 }, (_, b) => pointsBody(b * 2000, (b + 1) * 2000));
  await createCollection(s, 'big');
  const agent = new Agent({ keepAlive: true });
  const probe = new Agent({ keepAlive: true });
  const lat: number[] = [];
  let done = false;
  const poll = (async () => {
    while (!done) {
      const t = performance.now();
      await send(probe, s.url, 'GET', '/healthz', null);
      lat.push(performance.now() - t);
    }
  })();
  for (const b of bodies) {
    const r = await send(agent, s.url, 'PUT', '/collections/big/points?wait=true', b);
    if (r.status !== 200) throw new Error(r.text);
  }
  done = true;
  await poll;
  agent.destroy();
  probe.destroy();
  lat.sort((a, b) => a - b);
  lines.push(`#### /healthz while 5 upserts of 2000 × ${DIM} arrive back to back (audit on, ${label})`, '', `${lat.length} probes: median ${f1(pct(lat, 50))} ms, p99 ${f1(pct(lat, 99))} ms, max ${f1(lat[lat.length - 1]!)} ms (load ${la()}).`, '');
}

async function main(): Promise<void> {
  const cpu = cpus();
  const lines = [
    `Run ${new Date().toISOString()} · node ${process.version} · ${cpu.length} × ${cpu[0]?.model ?? '?'} · load average ${la()}`,
    `Command: \`${BASELINE === undefined ? '' : `BENCH_BASELINE=${BASELINE} `}BENCH_N=${N} BENCH_DIM=${DIM} BENCH_SECONDS=${SECONDS} BENCH_PARTS=${PARTS.join(',')} node --import tsx bench/ingest.ts\``,
    '',
  ];
  await withServers(async (builds) => {
    if (PARTS.includes('ingest')) await ingestPart(builds, lines);
    if (PARTS.includes('mixed')) await mixedPart(builds, lines);
    if (PARTS.includes('healthz')) for (const b of builds) await healthzPart(b.on, b.label, lines);
  });
  console.log(lines.join('\n'));
}

await main();
