/**
 * Search and upsert throughput, gRPC vs REST, on the same data in the same server (a child process, as
 * deployed): `Points/Query` over one grpc-js channel vs `POST …/points/query` over a node:http keep-alive agent
 * (16 sockets), both with 16 requests in flight; then batched upserts the same way.
 *
 * The two transports are measured side by side: after a warm-up of each, short windows alternate (REST, gRPC,
 * gRPC, REST, …) so that drift in the machine's load, and the background index building that upserts start,
 * fall on both alike. (Measuring all of REST and then all of gRPC charged REST's upserts' index building to the
 * gRPC upserts.) Neither client parses the answer (the REST body is read as text after the status is checked;
 * grpc-js hands over the raw reply bytes after the status is checked), and both encode every request, so the
 * client process's own work is the same kind on both sides. Besides throughput, the server's CPU time per
 * operation (from /proc) and the client process's (process.cpuUsage) are reported: on a shared machine they are
 * steadier than operations per second, and client and server compete for the same cores.
 *
 * `--channel-options` passes grpc-js channel options to the client (JSON), for experiments; the default is none, as
 * a client would use it.
 *
 *   node --import tsx bench/grpc.ts [--n=20000] [--dim=128] [--seconds=10] [--windows=6] [--channel-options='{…}']
 */
import { parseArgs } from 'node:util';
import { Agent } from 'node:http';
import { loadavg } from 'node:os';
import { send } from './keep-alive-request.js';
import { readFileSync } from 'node:fs';
import { Client, credentials, type ChannelOptions, type MethodDefinition } from '@grpc/grpc-js';
import { freePort, removeDir, startChildServer, tempDir } from '../tests/support/app.js';
import { contract } from '../src/api/grpc/proto.js';
import { mulberry32 } from '../src/index/random.js';

const { values } = parseArgs({ options: { n: { type: 'string', default: '20000' }, dim: { type: 'string', default: '128' }, seconds: { type: 'string', default: '10' }, windows: { type: 'string', default: '6' }, 'channel-options': { type: 'string', default: '{}' } } });
const N = Number(values.n);
const DIM = Number(values.dim);
const SECONDS = Number(values.seconds);
const WINDOWS = Math.max(2, Number(values.windows));
const CONCURRENCY = 16;

const rnd = mulberry32(20261201);
const vector = (): number[] => Array.from({ length: DIM }, () => rnd() * 2 - 1);

/** CPU seconds (user + system) the server process has used so far, from /proc (0 where there is none). */
function serverCpuSeconds(): number {
  try {
    const fields = readFileSync(`/proc/${server.proc.pid}/stat`, 'utf8').replace(/^.*\) /, '').split(' ');
    return (Number(fields[11]) + Number(fields[12])) / 100; // utime, stime (fields 14, 15) in clock ticks
  } catch {
    return 0;
  }
}

interface Tally {
  ops: number;
  serverCpu: number;
  clientCpu: number;
}

/** Runs `op` with CONCURRENCY workers for `seconds`; adds the operations completed and the server CPU used. */
async function run(op: () => Promise<void>, seconds: number, tally: Tally = { ops: 0, serverCpu: 0, clientCpu: 0 }): Promise<void> {
  const end = Date.now() + seconds * 1000;
  const cpu = serverCpuSeconds();
  const client = process.cpuUsage();
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      while (Date.now() < end) {
        await op();
        tally.ops++;
      }
    }),
  );
  tally.serverCpu += serverCpuSeconds() - cpu;
  const used = process.cpuUsage(client);
  tally.clientCpu += (used.user + used.system) / 1e6;
}

/**
 * Operations per second of `rest` and `grpc`, SECONDS each: one second of warm-up each, then WINDOWS windows
 * alternating in the order REST, gRPC, gRPC, REST, … so neither always runs first.
 */
async function sideBySide(rest: () => Promise<void>, grpc: () => Promise<void>): Promise<[Tally, Tally]> {
  await run(rest, 1);
  await run(grpc, 1);
  const window = SECONDS / WINDOWS;
  const r: Tally = { ops: 0, serverCpu: 0, clientCpu: 0 };
  const g: Tally = { ops: 0, serverCpu: 0, clientCpu: 0 };
  for (let w = 0; w < WINDOWS; w++) {
    if (w % 2 === 0) {
      await run(rest, window, r);
      await run(grpc, window, g);
    } else {
      await run(grpc, window, g);
      await run(rest, window, r);
    }
  }
  return [r, g];
}

/** A table row: throughput, server and client CPU per operation of both transports, and their ratios. */
function row(name: string, [r, g]: [Tally, Tally]): string {
  const qps = (t: Tally): number => t.ops / SECONDS;
  const ms = (seconds: number, t: Tally): number => (seconds * 1000) / Math.max(1, t.ops);
  const server = (t: Tally): number => ms(t.serverCpu, t);
  const client = (t: Tally): number => ms(t.clientCpu, t);
  return `| ${name} | ${qps(r).toFixed(0)} | ${qps(g).toFixed(0)} | **${(qps(g) / qps(r)).toFixed(2)}** | ${server(r).toFixed(2)} | ${server(g).toFixed(2)} | **${(server(r) / server(g)).toFixed(2)}** | ${client(r).toFixed(2)} | ${client(g).toFixed(2)} |`;
}

const dir = tempDir('quiver-bench-grpc-');
const grpcPort = await freePort();
const server = await startChildServer(dir, { QDRANT__STORAGE__STORAGE_PATH: `${dir}/storage`, QDRANT__SERVICE__GRPC_PORT: String(grpcPort), QDRANT__LOG_LEVEL: 'ERROR' });
const agent = new Agent({ keepAlive: true, maxSockets: CONCURRENCY });
const rest = async (method: 'PUT' | 'POST', path: string, body: unknown): Promise<void> => {
  const r = await send(agent, server.url, method, path, JSON.stringify(body));
  if (r.status !== 200) throw new Error(`${path}: ${r.status} ${r.text}`);
};
const points = new Client(`127.0.0.1:${grpcPort}`, credentials.createInsecure(), JSON.parse(values['channel-options']) as ChannelOptions);
const definitions = contract().packageDefinition['qdrant.Points'] as Record<string, MethodDefinition<unknown, unknown>>;
const grpc = (method: string, req: unknown): Promise<void> => {
  const def = definitions[method]!;
  return new Promise((resolve, reject) => {
    points.makeUnaryRequest(def.path, def.requestSerialize, (b: Buffer) => b, req, (e) => (e === null ? resolve() : reject(e)));
  });
};

try {
  await rest('PUT', '/collections/b', { vectors: { size: DIM, distance: 'Cosine' } });
  for (let i = 0; i < N; i += 500) {
    await rest('PUT', '/collections/b/points?wait=true', { points: Array.from({ length: Math.min(500, N - i) }, (_, k) => ({ id: i + k, vector: vector(), payload: { n: i + k } })) });
  }
  const queries = Array.from({ length: 256 }, vector);
  let q = 0;
  const search = await sideBySide(
    () => rest('POST', '/collections/b/points/query', { query: queries[q++ % queries.length], limit: 10, with_payload: true }),
    () => grpc('Query', { collection_name: 'b', query: { nearest: { dense: { data: queries[q++ % queries.length] } } }, limit: 10, with_payload: { enable: true } }),
  );
  let id = N;
  const batch = (): Array<{ id: number; v: number[] }> => Array.from({ length: 16 }, () => ({ id: id++, v: vector() }));
  const upsert = await sideBySide(
    () => rest('PUT', '/collections/b/points', { points: batch().map((p) => ({ id: p.id, vector: p.v })) }),
    () => grpc('Upsert', { collection_name: 'b', points: batch().map((p) => ({ id: { num: p.id }, vectors: { vector: { dense: { data: p.v } } } })) }),
  );
  console.log(`gRPC vs REST, ${N} points × ${DIM} dims, ${CONCURRENCY} requests in flight, ${SECONDS} s each in ${WINDOWS} alternating windows, channel options ${values['channel-options']}; load ${loadavg().map((x) => x.toFixed(1)).join('/')}`);
  console.log(`| operation | REST ops/s | gRPC ops/s | gRPC / REST | REST server CPU ms/op | gRPC server CPU ms/op | REST / gRPC server CPU | REST client CPU ms/op | gRPC client CPU ms/op |\n|---|---|---|---|---|---|---|---|---|`);
  console.log(row('query (limit 10, payload)', search));
  console.log(row('upsert (16 points per request)', upsert));
} finally {
  points.close();
  agent.destroy();
  await server.stop();
  removeDir(dir);
}
