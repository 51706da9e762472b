/**
 * Load and soak run: autocannon against a real listening Quiver (child process) with API keys, JWT and the
 * audit log enabled, 64 connections, a mix of reads and writes under every kind of credential; at the same time
 * gRPC clients (8 channels by default) send the same mix as `qdrant.Points` RPCs to the gRPC port. Reports
 * throughput, latency percentiles, errors and the server's resident memory over time.
 *
 *   npm run soak                                          # 10 minutes (the issue's soak run)
 *   node --import tsx bench/soak.ts --duration=120        # a shorter one
 *   node --import tsx bench/soak.ts --duration=600 --connections=64 --warmup=120 --out=.tmp/soak.json
 *
 * Exits 1 unless every request succeeded (no errors, timeouts or non-2xx answers), the audit log verifies,
 * and — for runs of at least 5 minutes — resident memory grew less than 10% after the warm-up.
 * tests/load/load.test.ts runs the same load for 10 seconds in CI.
 */
import { createRequire } from 'node:module';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { startChildServer, tempDir, removeDir, type ChildServer } from '../tests/support/app.js';
import { mintJwt } from '../src/auth/jwt.js';
import { verifyAuditDir } from '../src/auth/audit/verify.js';
import { GrpcPoints } from '../tests/support/grpc-writes.js';

// ---------------------------------------------------------------------------- autocannon (untyped)

interface AutocannonRequest {
  method?: string;
  path?: string;
  headers?: Record<string, string>;
  body?: string;
  setupRequest?: (request: AutocannonRequest, context: Record<string, unknown>) => AutocannonRequest;
  onResponse?: (status: number, body: string, context: Record<string, unknown>) => void;
}
interface Histogram {
  average: number;
  mean: number;
  p50: number;
  p90: number;
  p97_5: number;
  p99: number;
  max: number;
  total: number;
}
interface AutocannonResult {
  requests: Histogram;
  latency: Histogram;
  throughput: Histogram;
  errors: number;
  timeouts: number;
  non2xx: number;
  duration: number;
  statusCodeStats: Record<string, { count: number }>;
}
interface AutocannonInstance extends PromiseLike<AutocannonResult> {
  stop(): void;
}
type Autocannon = (opts: Record<string, unknown>) => AutocannonInstance;
const autocannon = createRequire(import.meta.url)('autocannon') as Autocannon;

// ---------------------------------------------------------------------------------------- options

export interface LoadOptions {
  readonly durationSec: number;
  readonly connections: number;
  /** Seconds after which the resident memory baseline is taken. */
  readonly warmupSec: number;
  /** gRPC clients (one channel each, one call at a time) running next to the HTTP connections; default 8. */
  readonly grpcClients?: number;
  readonly log?: (message: string) => void;
}

export interface LoadReport {
  readonly command: string;
  readonly durationSec: number;
  readonly connections: number;
  readonly requests: number;
  readonly rps: number;
  readonly latencyMs: { p50: number; p90: number; p97_5: number; p99: number; max: number; mean: number };
  readonly errors: number;
  readonly timeouts: number;
  readonly non2xx: number;
  readonly statusCodes: Record<string, number>;
  /** Per request kind: requests, failures and latency percentiles (ms, measured at the client). */
  readonly byKind: Record<string, { requests: number; failed: number; p50: number; p99: number }>;
  /** The gRPC side: clients, calls made and calls that did not answer OK (their kinds are in `byKind` as `grpc …`). */
  readonly grpc: { clients: number; requests: number; failed: number };
  /** A few failure bodies, for diagnosis. */
  readonly failures: string[];
  readonly rss: { startMb: number; warmMb: number; endMb: number; maxMb: number; growthAfterWarmupPct: number; samples: Array<[number, number]> };
  readonly points: number;
  readonly seededPoints: number;
  readonly auditLines: number;
  readonly auditOk: boolean;
}

const MANAGE_KEY = 'load-manage-key-0123456789abcdef0123456789ab';
const READ_KEY = 'load-read-only-key-0123456789abcdef012345678';
const AUDIT_KEY = 'load-audit-chain-key-0123456789abcdef';
const C = 'load';
const DIM = 32;
/** Ids [0, STABLE) are never deleted (payload updates target them); writes churn ids [STABLE, ID_SPACE). */
const STABLE = 2000;
const ID_SPACE = 20_000;
/**
 * Share of the churned ids that hold a point in the steady state: per cycle of the request list below, about
 * 5.5 points are upserted at random churn ids and 2 deleted, so a fraction p is occupied when 5.5 (1 - p) = 2 p.
 */
const SEEDED_CHURN = 5.5 / 7.5;

function vector(): number[] {
  return Array.from({ length: DIM }, () => Math.round((Math.random() * 2 - 1) * 1000) / 1000);
}
const randInt = (n: number): number => Math.floor(Math.random() * n);
const TAGS = ['a', 'b', 'c', 'd', 'e', 'f', 'g', 'h'];

/** Resident memory of a process in bytes (Linux /proc; falls back to the server's own metric). */
async function rssOf(server: ChildServer): Promise<number> {
  try {
    const status = readFileSync(`/proc/${server.proc.pid}/status`, 'utf8');
    const kb = /VmRSS:\s+(\d+)\s+kB/.exec(status)?.[1];
    if (kb !== undefined) return Number(kb) * 1024;
  } catch {
    // not Linux
  }
  const text = await (await fetch(`${server.url}/metrics`, { headers: { 'api-key': MANAGE_KEY } })).text();
  return Number(/^memory_resident_bytes (\d+)/m.exec(text)?.[1] ?? 0);
}

async function call(url: string, method: string, path: string, body?: unknown): Promise<any> {
  const r = await fetch(url + path, { method, headers: { 'api-key': MANAGE_KEY, 'content-type': 'application/json' }, ...(body === undefined ? {} : { body: JSON.stringify(body) }) });
  const json = (await r.json()) as any;
  if (r.status !== 200) throw new Error(`${method} ${path} → ${r.status}: ${JSON.stringify(json)}`);
  return json.result;
}

const mb = (bytes: number): number => Math.round((bytes / 1024 / 1024) * 10) / 10;

/**
 * Starts a server, fills a collection and runs the mixed load for `durationSec`. The server and its data are
 * removed afterwards.
 */
export async function runLoad(options: LoadOptions): Promise<LoadReport> {
  const log = options.log ?? ((): void => undefined);
  const dir = tempDir('quiver-load-');
  let server: ChildServer | undefined;
  try {
    server = await startChildServer(dir, {
      QDRANT__STORAGE__STORAGE_PATH: join(dir, 'storage'),
      QDRANT__SERVICE__API_KEY: MANAGE_KEY,
      QDRANT__SERVICE__READ_ONLY_API_KEY: READ_KEY,
      QDRANT__SERVICE__JWT_RBAC: 'true',
      QDRANT__AUDIT__ENABLED: 'true',
      QDRANT__AUDIT__DIR: join(dir, 'audit'),
      QDRANT__AUDIT__HMAC_KEY: AUDIT_KEY,
    });
    const url = server.url;
    // indexing_threshold 100 KiB (800 vectors): the HNSW graph exists and absorbs the writes in the background.
    await call(url, 'PUT', `/collections/${C}`, { vectors: { size: DIM, distance: 'Cosine' }, optimizers_config: { indexing_threshold: 100 } });
    await call(url, 'PUT', `/collections/${C}/index?wait=true`, { field_name: 'tag', field_schema: 'keyword' });
    await call(url, 'PUT', `/collections/${C}/index?wait=true`, { field_name: 'n', field_schema: 'integer' });
    // Filled to the size the churn keeps it at (see SEEDED_CHURN), so memory is measured at a steady data size.
    const seeded = Array.from({ length: ID_SPACE }, (_, id) => id).filter((id) => id < STABLE || Math.random() < SEEDED_CHURN);
    for (let start = 0; start < seeded.length; start += 500) {
      const points = seeded.slice(start, start + 500).map((id) => ({ id, vector: vector(), payload: { tag: TAGS[id % TAGS.length], n: id } }));
      await call(url, 'PUT', `/collections/${C}/points?wait=true`, { points });
    }
    const seededCount = seeded.length;
    const jwt = {
      m: await mintJwt(MANAGE_KEY, { access: { kind: 'global', level: 'm' }, subject: 'load-m' }),
      r: await mintJwt(MANAGE_KEY, { access: { kind: 'global', level: 'r' }, expSeconds: 24 * 3600, subject: 'load-r' }),
      rw: await mintJwt(MANAGE_KEY, { access: { kind: 'collections', grants: [{ collection: C, access: 'rw' }] }, subject: 'load-rw' }),
      prw: await mintJwt(MANAGE_KEY, { access: { kind: 'collections', grants: [{ collection: C, access: 'prw' }] }, subject: 'load-prw' }),
      cr: await mintJwt(MANAGE_KEY, { access: { kind: 'collections', grants: [{ collection: C, access: 'r' }] }, subject: 'load-cr' }),
    };
    const bearer = (t: string): Record<string, string> => ({ authorization: `Bearer ${t}`, 'content-type': 'application/json' });
    const key = (k: string): Record<string, string> => ({ 'api-key': k, 'content-type': 'application/json' });

    const stats = new Map<string, { failed: number; latencies: number[] }>();
    const failures: string[] = [];
    /** One request kind: its name, credential and body maker. */
    const kind = (name: string, method: string, path: string, headers: Record<string, string>, body?: () => unknown): AutocannonRequest => ({
      method,
      path,
      headers,
      setupRequest: (req, context) => {
        // One request at a time per connection, so the context holds this request's start.
        context['start'] = performance.now();
        return { ...req, ...(body === undefined ? {} : { body: JSON.stringify(body()) }) };
      },
      onResponse: (status, text, context) => {
        let st = stats.get(name);
        if (st === undefined) stats.set(name, (st = { failed: 0, latencies: [] }));
        if (typeof context['start'] === 'number') st.latencies.push(performance.now() - context['start']);
        if (status < 200 || status >= 300) {
          st.failed++;
          if (failures.length < 10) failures.push(`${name} → ${status}: ${text.slice(0, 300)}`);
        }
      },
    });
    const churnId = (): number => STABLE + randInt(ID_SPACE - STABLE);
    // Reads ~65%, writes ~35%, every credential kind; ids stay in [0, ID_SPACE) so the data size is bounded.
    const requests: AutocannonRequest[] = [
      kind('query (jwt r)', 'POST', `/collections/${C}/points/query`, bearer(jwt.r), () => ({ query: vector(), limit: 10 })),
      kind('upsert (api key)', 'PUT', `/collections/${C}/points?wait=true`, key(MANAGE_KEY), () => ({ points: Array.from({ length: 1 + randInt(8) }, () => ({ id: churnId(), vector: vector(), payload: { tag: TAGS[randInt(TAGS.length)], n: randInt(ID_SPACE) } })) })),
      kind('filtered query (jwt cr)', 'POST', `/collections/${C}/points/query`, bearer(jwt.cr), () => ({ query: vector(), limit: 5, filter: { must: [{ key: 'tag', match: { value: TAGS[randInt(TAGS.length)] } }] } })),
      kind('scroll (read-only key)', 'POST', `/collections/${C}/points/scroll`, key(READ_KEY), () => ({ limit: 20, filter: { must: [{ key: 'n', range: { gte: randInt(ID_SPACE) } }] }, with_payload: true })),
      kind('set payload (jwt prw)', 'POST', `/collections/${C}/points/payload?wait=true`, bearer(jwt.prw), () => ({ payload: { touched: randInt(1000) }, points: [randInt(STABLE), randInt(STABLE)] })),
      kind('get points (jwt m)', 'POST', `/collections/${C}/points`, bearer(jwt.m), () => ({ ids: Array.from({ length: 5 }, () => randInt(ID_SPACE)), with_payload: true })),
      kind('count (jwt rw)', 'POST', `/collections/${C}/points/count`, bearer(jwt.rw), () => {
        const i = randInt(TAGS.length);
        return { filter: { must: [{ key: 'tag', match: { any: [TAGS[i], TAGS[(i + 1 + randInt(TAGS.length - 1)) % TAGS.length]] } }] }, exact: true };
      }),
      kind('delete (jwt rw)', 'POST', `/collections/${C}/points/delete?wait=true`, bearer(jwt.rw), () => ({ points: [churnId(), churnId()] })),
      kind('query by id (api key)', 'POST', `/collections/${C}/points/query`, key(MANAGE_KEY), () => ({ query: randInt(STABLE), limit: 3, with_payload: ['tag'] })),
      kind('collection info (jwt cr)', 'GET', `/collections/${C}`, bearer(jwt.cr)),
      kind('upsert (jwt prw)', 'PUT', `/collections/${C}/points?wait=false`, bearer(jwt.prw), () => ({ points: [{ id: churnId(), vector: vector(), payload: { tag: TAGS[randInt(TAGS.length)], n: randInt(ID_SPACE) } }] })),
      kind('facet (read-only key)', 'POST', `/collections/${C}/facet`, key(READ_KEY), () => ({ key: 'tag', limit: 8 })),
    ];

    const started = Date.now();
    const samples: Array<[number, number]> = [];
    const startRss = await rssOf(server);
    const s = server;
    const sampler = setInterval(() => {
      void rssOf(s).then(
        (b) => samples.push([Math.round((Date.now() - started) / 1000), b]),
        () => undefined,
      );
    }, 1000);
    // The gRPC side: the same kinds of reads and writes under the same credentials, as `qdrant.Points` RPCs.
    const grpcKinds: Array<{ name: string; method: string; md: Record<string, string>; request: () => unknown }> = [
      { name: 'grpc query (jwt r)', method: 'Query', md: bearer(jwt.r), request: () => ({ collection_name: C, query: { nearest: { dense: { data: vector() } } }, limit: 10 }) },
      { name: 'grpc upsert (api key)', method: 'Upsert', md: key(MANAGE_KEY), request: () => ({ collection_name: C, wait: true, points: Array.from({ length: 1 + randInt(8) }, () => ({ id: { num: churnId() }, vectors: { vector: { dense: { data: vector() } } }, payload: { tag: { string_value: TAGS[randInt(TAGS.length)] }, n: { integer_value: randInt(ID_SPACE) } } })) }) },
      { name: 'grpc filtered search (jwt cr)', method: 'Search', md: bearer(jwt.cr), request: () => ({ collection_name: C, vector: vector(), limit: 5, filter: { must: [{ field: { key: 'tag', match: { keyword: TAGS[randInt(TAGS.length)] } } }] } }) },
      { name: 'grpc scroll (read-only key)', method: 'Scroll', md: key(READ_KEY), request: () => ({ collection_name: C, limit: 20, filter: { must: [{ field: { key: 'n', range: { gte: randInt(ID_SPACE) } } }] }, with_payload: { enable: true } }) },
      { name: 'grpc set payload (jwt prw)', method: 'SetPayload', md: bearer(jwt.prw), request: () => ({ collection_name: C, wait: true, payload: { touched: { integer_value: randInt(1000) } }, points_selector: { points: { ids: [{ num: randInt(STABLE) }, { num: randInt(STABLE) }] } } }) },
      { name: 'grpc get points (jwt m)', method: 'Get', md: bearer(jwt.m), request: () => ({ collection_name: C, ids: Array.from({ length: 5 }, () => ({ num: randInt(ID_SPACE) })), with_payload: { enable: true } }) },
      { name: 'grpc count (jwt rw)', method: 'Count', md: bearer(jwt.rw), request: () => ({ collection_name: C, exact: true, filter: { must: [{ field: { key: 'tag', match: { keyword: TAGS[randInt(TAGS.length)] } } }] } }) },
      { name: 'grpc delete (jwt rw)', method: 'Delete', md: bearer(jwt.rw), request: () => ({ collection_name: C, wait: true, points: { points: { ids: [{ num: churnId() }, { num: churnId() }] } } }) },
      { name: 'grpc facet (read-only key)', method: 'Facet', md: key(READ_KEY), request: () => ({ collection_name: C, key: 'tag', limit: 8 }) },
    ];
    const grpcClients = options.grpcClients ?? 8;
    const grpcTotals = { requests: 0, failed: 0 };
    const grpcPort = server.grpcPort;
    const until = Date.now() + options.durationSec * 1000;
    const grpcLoad = Promise.all(Array.from({ length: grpcClients }, async (_, c) => {
      const client = new GrpcPoints(grpcPort);
      try {
        for (let i = c; Date.now() < until; i++) {
          const k = grpcKinds[i % grpcKinds.length]!;
          let st = stats.get(k.name);
          if (st === undefined) stats.set(k.name, (st = { failed: 0, latencies: [] }));
          const start = performance.now();
          grpcTotals.requests++;
          try {
            await client.call(k.method, k.request(), k.md);
          } catch (e) {
            st.failed++;
            grpcTotals.failed++;
            if (failures.length < 10) failures.push(`${k.name} → ${String(e).slice(0, 300)}`);
          }
          st.latencies.push(performance.now() - start);
        }
      } finally {
        client.close();
      }
    }));
    log(`load: ${options.connections} connections and ${grpcClients} gRPC clients for ${options.durationSec} s against ${url}`);
    const result = await autocannon({ url, connections: options.connections, duration: options.durationSec, requests, timeout: 30 });
    await grpcLoad;
    clearInterval(sampler);

    const health = await fetch(`${url}/healthz`);
    if (health.status !== 200) throw new Error(`/healthz answered ${health.status} after the load`);
    const points = (await call(url, 'GET', `/collections/${C}`)).points_count as number;
    await server.stop('SIGTERM');
    const audit = verifyAuditDir(join(dir, 'audit'), Buffer.from(AUDIT_KEY, 'utf8'));

    const window = (from: number, to: number): number => {
      const xs = samples.filter(([t]) => t >= from && t < to).map(([, b]) => b);
      return xs.length === 0 ? 0 : xs.reduce((a, b) => a + b, 0) / xs.length;
    };
    // RSS saw-tooths with garbage collection: compare averages over windows of up to a minute.
    const span = Math.min(60, Math.max(2, Math.floor(options.durationSec / 10)));
    const warm = window(options.warmupSec, options.warmupSec + span);
    const end = window(options.durationSec - span, options.durationSec + 1);
    const percentile = (xs: number[], p: number): number => {
      const sorted = [...xs].sort((a, b) => a - b);
      return Math.round(sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? 0);
    };
    const byKind = Object.fromEntries([...stats].map(([name, st]) => [name, { requests: st.latencies.length, failed: st.failed, p50: percentile(st.latencies, 50), p99: percentile(st.latencies, 99) }]));
    const statusCodes = Object.fromEntries(Object.entries(result.statusCodeStats).map(([code, v]) => [code, v.count]));
    return {
      command: '',
      durationSec: options.durationSec,
      connections: options.connections,
      requests: result.requests.total,
      rps: Math.round(result.requests.average),
      latencyMs: { p50: result.latency.p50, p90: result.latency.p90, p97_5: result.latency.p97_5, p99: result.latency.p99, max: result.latency.max, mean: Math.round(result.latency.mean * 100) / 100 },
      errors: result.errors,
      timeouts: result.timeouts,
      non2xx: result.non2xx,
      statusCodes,
      byKind,
      grpc: { clients: grpcClients, ...grpcTotals },
      failures,
      rss: {
        startMb: mb(startRss),
        warmMb: mb(warm),
        endMb: mb(end),
        maxMb: mb(Math.max(0, ...samples.map(([, b]) => b))),
        growthAfterWarmupPct: warm === 0 ? 0 : Math.round(((end - warm) / warm) * 1000) / 10,
        samples: samples.filter((_, i) => i % 10 === 0).map(([t, b]) => [t, mb(b)]),
      },
      points,
      seededPoints: seededCount,
      auditLines: audit.ok ? audit.lines : -1,
      auditOk: audit.ok,
    };
  } finally {
    if (server !== undefined && server.proc.exitCode === null && server.proc.signalCode === null) server.proc.kill('SIGKILL');
    removeDir(dir);
  }
}

/** Markdown summary of a report (for BENCHMARKS.md), one line per item. */
export function formatReport(r: LoadReport): string[] {
  return [
    `- command: \`${r.command}\``,
    `- ${r.connections} connections, ${r.durationSec} s: ${r.requests} requests, ${r.rps} req/s`,
    `- and ${r.grpc.clients} gRPC clients: ${r.grpc.requests} calls, ${r.grpc.failed} failed`,
    `- latency ms: p50 ${r.latencyMs.p50}, p90 ${r.latencyMs.p90}, p97.5 ${r.latencyMs.p97_5}, p99 ${r.latencyMs.p99}, max ${r.latencyMs.max}`,
    `- errors ${r.errors}, timeouts ${r.timeouts}, non-2xx ${r.non2xx}; status codes ${JSON.stringify(r.statusCodes)}`,
    `- server RSS MB: start ${r.rss.startMb}, after warm-up ${r.rss.warmMb}, end ${r.rss.endMb}, max ${r.rss.maxMb} (growth after warm-up ${r.rss.growthAfterWarmupPct}%)`,
    `- points: ${r.seededPoints} at the start, ${r.points} at the end; audit log ${r.auditOk ? `verified, ${r.auditLines} lines` : 'FAILED to verify'}`,
    ...Object.entries(r.byKind).map(([kind, k]) => `  - ${kind}: ${k.requests} requests, ${k.failed} failed, p50 ${k.p50} ms, p99 ${k.p99} ms`),
  ];
}

async function main(): Promise<void> {
  const arg = (name: string, dflt: number): number => {
    const a = process.argv.find((x) => x.startsWith(`--${name}=`));
    return a === undefined ? dflt : Number(a.slice(name.length + 3));
  };
  const out = process.argv.find((x) => x.startsWith('--out='))?.slice(6);
  const durationSec = arg('duration', 600);
  const options = { durationSec, connections: arg('connections', 64), warmupSec: arg('warmup', Math.min(120, Math.floor(durationSec / 5))) };
  const report = { ...(await runLoad({ ...options, log: (m) => process.stderr.write(`${m}\n`) })), command: `node --import tsx bench/soak.ts ${process.argv.slice(2).join(' ')}`.trim() };
  process.stdout.write(`${formatReport(report).join('\n')}\n`);
  if (report.failures.length > 0) process.stdout.write(`failures:\n${report.failures.join('\n')}\n`);
  if (out !== undefined) writeFileSync(out, JSON.stringify(report, null, 2));
  const problems: string[] = [];
  if (report.errors + report.timeouts + report.non2xx + report.grpc.failed > 0) problems.push('some requests failed');
  if (!report.auditOk) problems.push('the audit log does not verify');
  if (durationSec >= 300 && report.rss.growthAfterWarmupPct >= 10) problems.push(`RSS grew ${report.rss.growthAfterWarmupPct}% after the warm-up`);
  if (problems.length > 0) {
    process.stdout.write(`FAIL: ${problems.join('; ')}\n`);
    process.exitCode = 1;
  }
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) await main();
