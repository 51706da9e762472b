/**
 * Server CPU per call, by stage, gRPC next to REST, from a V8 CPU profile of a child server (`--cpu-prof`): the
 * server is loaded with N random vectors over REST, then answers R `Points/Query` (or `Points/Upsert`) calls over
 * REST (node:http keep-alive, 16 sockets) and then R over gRPC (one grpc-js channel), 16 calls in flight each, as
 * bench/grpc.ts drives them, and stops. Each sample of the serving thread goes to the innermost frame of its stack
 * that names a stage:
 *
 * - decode / encode: the request's deserialiser (proto-loader; JSON parse and schema validation) and the reply's
 *   serialiser (proto-loader or wire/encode-replies; Fastify's JSON serialisation);
 * - parse / present: `src/api/{grpc,rest}/parse/` (wire → engine) and `…/present/` (engine → wire);
 * - auth + audit: `src/auth/`, the audit log, the REST gate and the access decision in `call.ts`;
 * - engine: `src/collection`, `src/index`, `src/storage`, `src/service`;
 * - handler + call wrapper: the gRPC services and the rest of `call.ts`, the REST routes and envelope, telemetry;
 * - gRPC server (grpc-js before, `src/api/grpc/wire/` now) / Fastify, node http2 / http: the transport; GC; other
 *   (event loop, promise machinery, …).
 * Samples before the first measured call and after the last are left out. The split between stages is the
 * samples'; the total is the main thread's CPU time from /proc (the sampling timer is wall-clock, so on a loaded
 * machine raw sample time overstates CPU). The client's own CPU per call is printed too (`process.cpuUsage`), since
 * client and server share the machine.
 *
 *   node --import tsx bench/grpc-stage-profile.ts [--op=query|upsert] [--n=5000] [--dim=64] [--requests=4000]
 */
import { parseArgs } from 'node:util';
import { Agent } from 'node:http';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import { mkdirSync, readFileSync } from 'node:fs';
import { Client, credentials, type MethodDefinition } from '@grpc/grpc-js';
import { send } from './keep-alive-request.js';
import { samplesByStage, servingProfile, type CallFrame } from './cpu-profile.js';
import { removeDir, startChildServer, tempDir } from '../tests/support/app.js';
import { contract } from '../src/api/grpc/proto.js';
import { mulberry32 } from '../src/index/random.js';

const { values } = parseArgs({ options: { op: { type: 'string', default: 'query' }, n: { type: 'string', default: '5000' }, dim: { type: 'string', default: '64' }, requests: { type: 'string', default: '4000' } } });
const OP = values.op === 'upsert' ? 'upsert' : 'query';
const N = Number(values.n);
const DIM = Number(values.dim);
const REQUESTS = Number(values.requests);
const rnd = mulberry32(20261202);

/** CPU µs (user + system) the main thread of process `pid` has used, from /proc/<pid>/task/<pid>/stat. */
function mainThreadCpuUs(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/task/${pid}/stat`, 'utf8').replace(/^.*\) /, '').split(' ');
  return ((Number(fields[11]) + Number(fields[12])) * 1e6) / 100; // utime, stime in clock ticks (USER_HZ 100)
}
const vector = (): number[] => Array.from({ length: DIM }, () => rnd() * 2 - 1);

const AUTH_FUNCTIONS = new Set(['decide', 'checkAddress', 'requestInfo', 'verifiedPeer', 'peerAddress', 'metadataValue']);
const STAGES: Array<[string, (f: CallFrame) => boolean]> = [
  ['decode', (f) => (f.functionName === 'deserialize' && f.url.includes('proto-loader')) || f.url.includes('/api/grpc/wire/decode') || /content-type-parser|secure-json-parse|json-unsafe-integers|schemas\/validator|\/ajv\//.test(f.url) || (f.functionName === 'parse' && f.url === '')],
  ['encode', (f) => (f.functionName === 'serialize' && f.url.includes('proto-loader')) || f.url.includes('/api/grpc/wire/encode') || /fast-json-stringify|shortest-float32|sliced-json/.test(f.url) || (f.url.includes('fastify') && /serializ/i.test(f.functionName)) || (f.functionName === 'stringify' && f.url === '')],
  ['parse', (f) => /\/api\/(grpc|rest)\/parse\//.test(f.url)],
  ['present', (f) => /\/api\/(grpc|rest)\/present\//.test(f.url)],
  ['auth + audit', (f) => /\/src\/auth\/|\/audit|rest\/gate|client-ip-guard/.test(f.url) || (f.url.includes('/api/grpc/call.') && AUTH_FUNCTIONS.has(f.functionName))],
  ['engine', (f) => /\/src\/(collection|index|storage|service)\//.test(f.url)],
  ['handler + call wrapper', (f) => /\/api\/grpc\/(services\/|call\.)|\/api\/rest\/(routes\/|envelope|access-log|metrics-listener|strict)|\/telemetry/.test(f.url)],
  ['gRPC server (grpc-js or wire/) / Fastify', (f) => /@grpc\/grpc-js|\/api\/grpc\/wire\/(http2-server|message-decoder|respond|stream-call|call-peer|decompress|grpc-timeout)|node_modules\/(fastify|find-my-way|avvio|light-my-request|@fastify)/.test(f.url)],
  ['node http2 / http, net', (f) => /node:(internal\/)?(http2|_http|http|net|stream_base_commons)/.test(f.url)],
  ['GC', (f) => f.functionName === '(garbage collector)'],
];

function stageOf(stack: readonly CallFrame[]): string {
  for (const f of stack) for (const [s, m] of STAGES) if (m(f)) return s;
  return 'other';
}

const dir = tempDir('quiver-grpc-prof-');
const profDir = join(dir, 'prof');
mkdirSync(profDir, { recursive: true });
const server = await startChildServer(dir, { QDRANT__STORAGE__STORAGE_PATH: `${dir}/storage`, QDRANT__LOG_LEVEL: 'ERROR' }, undefined, [], {
  nodeArgs: ['--cpu-prof', `--cpu-prof-dir=${profDir}`, '--cpu-prof-interval=100'],
});
const agent = new Agent({ keepAlive: true, maxSockets: 4 });
const rest = async (method: string, path: string, body: unknown): Promise<void> => {
  const r = await send(agent, server.url, method, path, JSON.stringify(body));
  if (r.status !== 200) throw new Error(`${path}: ${r.status} ${r.text}`);
};
const points = new Client(`127.0.0.1:${server.grpcPort}`, credentials.createInsecure());
const definitions = contract().packageDefinition['qdrant.Points'] as Record<string, MethodDefinition<unknown, unknown>>;
const grpc = (method: string, req: unknown): Promise<void> => {
  const def = definitions[method]!;
  return new Promise((resolve, reject) => {
    points.makeUnaryRequest(def.path, def.requestSerialize, (b: Buffer) => b, req, (e) => (e === null ? resolve() : reject(e)));
  });
};
let stopped = false;
try {
  await rest('PUT', '/collections/b', { vectors: { size: DIM, distance: 'Cosine' } });
  for (let i = 0; i < N; i += 500) {
    await rest('PUT', '/collections/b/points?wait=true', { points: Array.from({ length: Math.min(500, N - i) }, (_, k) => ({ id: i + k, vector: vector(), payload: { n: i + k } })) });
  }
  const queries = Array.from({ length: 256 }, vector);
  let id = N;
  const batch = (): Array<{ id: number; v: number[] }> => Array.from({ length: 16 }, () => ({ id: id++, v: vector() }));
  const viaGrpc = (i: number): Promise<void> =>
    OP === 'query'
      ? grpc('Query', { collection_name: 'b', query: { nearest: { dense: { data: queries[i % queries.length] } } }, limit: 10, with_payload: { enable: true } })
      : grpc('Upsert', { collection_name: 'b', points: batch().map((p) => ({ id: { num: p.id }, vectors: { vector: { dense: { data: p.v } } } })) });
  const viaRest = (i: number): Promise<void> =>
    OP === 'query'
      ? rest('POST', '/collections/b/points/query', { query: queries[i % queries.length], limit: 10, with_payload: true })
      : rest('PUT', '/collections/b/points', { points: batch().map((p) => ({ id: p.id, vector: p.v })) });
  /** Runs `count` calls, 16 in flight; the window it ran in, the server main thread's and the client's CPU µs. */
  const drive = async (call: (i: number) => Promise<void>, count: number): Promise<{ from: number; to: number; serverUs: number; clientUs: number }> => {
    const cpu = process.cpuUsage();
    const serverCpu = mainThreadCpuUs(server.proc.pid!);
    const from = Number(process.hrtime.bigint() / 1000n);
    let next = 0;
    await Promise.all(Array.from({ length: 16 }, async () => {
      while (next < count) await call(next++);
    }));
    const used = process.cpuUsage(cpu);
    return { from, to: Number(process.hrtime.bigint() / 1000n), serverUs: mainThreadCpuUs(server.proc.pid!) - serverCpu, clientUs: (used.user + used.system) / count };
  };
  await drive(viaRest, Math.min(500, REQUESTS));
  await drive(viaGrpc, Math.min(500, REQUESTS));
  const r = await drive(viaRest, REQUESTS);
  const g = await drive(viaGrpc, REQUESTS);
  await server.stop();
  stopped = true;
  const profile = servingProfile(profDir, '/src/api/grpc/');
  const [rs, gs] = [samplesByStage(profile, r.from, r.to, stageOf), samplesByStage(profile, g.from, g.to, stageOf)];
  const busy = (m: Map<string, number>): number => [...m].filter(([s]) => s !== 'idle').reduce((t, [, v]) => t + v, 0);
  // Samples are taken on a wall-clock timer: on a loaded machine a descheduled thread's time lands on the frame it
  // resumes in. The split between stages is the samples'; the total is the thread's CPU time from /proc.
  const scale = new Map([[rs, r.serverUs / busy(rs)], [gs, g.serverUs / busy(gs)]]);
  const perReq = (m: Map<string, number>, s: string): string => (((m.get(s) ?? 0) * scale.get(m)!) / REQUESTS).toFixed(1);
  const rate = (w: { from: number; to: number }): string => (REQUESTS / ((w.to - w.from) / 1e6)).toFixed(0);
  console.log(`${OP}: N=${N} dim=${DIM} ${REQUESTS} calls each, REST then gRPC; REST ${rate(r)}/s, gRPC ${rate(g)}/s (under the profiler); load ${loadavg().map((x) => x.toFixed(1)).join('/')}`);
  console.log('| stage | REST µs/call | gRPC µs/call |\n|---|---|---|');
  for (const [s] of [...STAGES, ['other']]) console.log(`| ${s} | ${perReq(rs, s)} | ${perReq(gs, s)} |`);
  console.log(`| **server main thread CPU (/proc)** | **${(r.serverUs / REQUESTS).toFixed(1)}** | **${(g.serverUs / REQUESTS).toFixed(1)}** |`);
  console.log(`| (busy samples, wall-clock µs) | ${(busy(rs) / REQUESTS).toFixed(1)} | ${(busy(gs) / REQUESTS).toFixed(1)} |`);
  console.log(`| client CPU (process.cpuUsage) | ${r.clientUs.toFixed(1)} | ${g.clientUs.toFixed(1)} |`);
} finally {
  points.close();
  agent.destroy();
  if (!stopped) await server.stop();
  removeDir(dir);
}
