/**
 * How far apart REST and gRPC can be in Node at all: the same query, 16 requests in flight, through
 *
 * - bare HTTP/1.1 and bare HTTP/2 gRPC servers (bench/floor-servers.ts, a child process) answering with the very
 *   bytes Quiver answered the query with, in two modes: `transport` (stored bytes: the protocol's own cost) and
 *   `codec` (JSON parse + stringify / protobuf decode + encode per request, as any server must);
 * - Quiver itself (a child process with an API key on every call): REST `POST …/points/query` and gRPC
 *   `Points/Query`.
 *
 * Clients as in bench/grpc.ts: a node:http keep-alive agent (16 sockets) with bodies serialised beforehand; the raw
 * HTTP/2 client with frames encoded beforehand (one connection unless `--raw-sessions`). Measured side by side in
 * alternating windows (bench/side-by-side.ts). The ratio gRPC / HTTP/1.1 of the bare servers bounds what any
 * Node server's gRPC can gain over its REST from the transport; Quiver's ratio is read against it.
 *
 *   node --import tsx bench/transport-floor.ts [--n=20000] [--dim=128] [--seconds=6] [--windows=6] [--raw-sessions=1]
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { Agent } from 'node:http';
import { loadavg } from 'node:os';
import { parseArgs } from 'node:util';
import type { MethodDefinition } from '@grpc/grpc-js';
import { send } from './keep-alive-request.js';
import { countField, grpcFrame, rawGrpcClient, type RawGrpcClient } from './grpc-raw-client.js';
import { sideBySide, type Contender, type Tally } from './side-by-side.js';
import { freePort, removeDir, startChildServer, tempDir } from '../tests/support/app.js';
import { contract } from '../src/api/grpc/proto.js';
import { mulberry32 } from '../src/index/random.js';

const { values } = parseArgs({ options: { n: { type: 'string', default: '20000' }, dim: { type: 'string', default: '128' }, seconds: { type: 'string', default: '6' }, windows: { type: 'string', default: '6' }, 'raw-sessions': { type: 'string', default: '1' } } });
const N = Number(values.n);
const DIM = Number(values.dim);
const SECONDS = Number(values.seconds);
const WINDOWS = Math.max(2, Number(values.windows));
const CONCURRENCY = 16;
const KEY = 'bench-admin-key-0123456789abcdef0123456789';

const rnd = mulberry32(20261202);
const vector = (): number[] => Array.from({ length: DIM }, () => rnd() * 2 - 1);
const query = (contract().packageDefinition['qdrant.Points'] as Record<string, MethodDefinition<unknown, unknown>>)['Query']!;

/** Starts bench/floor-servers.ts in `mode`, handing it the replies to send; resolves once both servers listen. */
async function startFloor(mode: 'transport' | 'codec', replies: { json: string; grpc: string }): Promise<{ proc: ChildProcess; http: string; http2: string }> {
  const [httpPort, http2Port] = [await freePort(), await freePort()];
  const proc = spawn(process.execPath, ['--import', 'tsx', new URL('./floor-servers.ts', import.meta.url).pathname, String(httpPort), String(http2Port), mode], { stdio: ['pipe', 'pipe', 'inherit'] });
  proc.stdin.end(JSON.stringify(replies));
  await new Promise<void>((resolve, reject) => {
    proc.stdout.on('data', (d: Buffer) => d.toString().includes('ready') && resolve());
    proc.once('exit', (code) => reject(new Error(`floor servers exited with ${code}`)));
  });
  return { proc, http: `http://127.0.0.1:${httpPort}`, http2: `http://127.0.0.1:${http2Port}` };
}

const dir = tempDir('quiver-bench-floor-');
const grpcPort = await freePort();
const server = await startChildServer(dir, { QDRANT__STORAGE__STORAGE_PATH: `${dir}/storage`, QDRANT__SERVICE__GRPC_PORT: String(grpcPort), QDRANT__SERVICE__API_KEY: KEY, QDRANT__LOG_LEVEL: 'ERROR' });
const agent = new Agent({ keepAlive: true, maxSockets: CONCURRENCY });
const floors: Array<Awaited<ReturnType<typeof startFloor>>> = [];
const rawClients: RawGrpcClient[] = [];
/** A round-robin raw gRPC client over `--raw-sessions` HTTP/2 connections to `authority`. */
function rawClient(authority: string, metadata: Record<string, string>): RawGrpcClient['call'] {
  const clients = Array.from({ length: Math.max(1, Number(values['raw-sessions'])) }, () => rawGrpcClient(authority, metadata));
  rawClients.push(...clients);
  let next = 0;
  return (...args) => clients[next++ % clients.length]!.call(...args);
}

try {
  const call = async (url: string, method: string, path: string, body: string, headers: Record<string, string>): Promise<string> => {
    const r = await send(agent, url, method, path, body, headers);
    if (r.status !== 200) throw new Error(`${path}: ${r.status} ${r.text}`);
    return r.text;
  };
  const auth = { 'api-key': KEY };
  await call(server.url, 'PUT', '/collections/b', JSON.stringify({ vectors: { size: DIM, distance: 'Cosine' } }), auth);
  for (let i = 0; i < N; i += 500) {
    await call(server.url, 'PUT', '/collections/b/points?wait=true', JSON.stringify({ points: Array.from({ length: Math.min(500, N - i) }, (_, k) => ({ id: i + k, vector: vector(), payload: { n: i + k } })) }), auth);
  }
  const queries = Array.from({ length: 256 }, vector);
  const bodies = queries.map((v) => JSON.stringify({ query: v, limit: 10, with_payload: true }));
  const frames = queries.map((v) => grpcFrame(query.requestSerialize({ collection_name: 'b', query: { nearest: { dense: { data: v } } }, limit: 10, with_payload: { enable: true } })));
  const quiverGrpc = rawClient(`http://127.0.0.1:${grpcPort}`, auth);
  // The replies the floor servers send: Quiver's own answers to the first query, 10 points with payload.
  let grpcReply: Buffer | undefined;
  await quiverGrpc(query.path, frames[0]!, (m) => (grpcReply = m));
  const replies = { json: await call(server.url, 'POST', '/collections/b/points/query', bodies[0]!, auth), grpc: grpcReply!.toString('base64') };
  floors.push(await startFloor('transport', replies), await startFloor('codec', replies));
  /** A `QueryResponse` with exactly 10 points (field 1). */
  const tenPoints = (m: Buffer): void => {
    if (countField(m, 1) !== 10) throw new Error(`Query reply with ${countField(m, 1)} points, expected 10`);
  };
  let q = 0;
  const rest = (url: string, headers: Record<string, string>) => async (): Promise<void> => {
    await call(url, 'POST', '/collections/b/points/query', bodies[q++ % bodies.length]!, headers);
  };
  const grpc = (call: RawGrpcClient['call'], check: (m: Buffer) => void) => (): Promise<void> => call(query.path, frames[q++ % frames.length]!, check);
  const contenders: Array<Contender & { name: string }> = [];
  for (const f of floors) {
    const mode = f === floors[0] ? 'transport' : 'codec';
    contenders.push({ name: `bare node:http JSON (${mode})`, op: rest(f.http, {}), serverPid: f.proc.pid! });
    contenders.push({ name: `bare node:http2 gRPC (${mode})`, op: grpc(rawClient(f.http2, {}), tenPoints), serverPid: f.proc.pid! });
  }
  contenders.push({ name: 'Quiver REST', op: rest(server.url, auth), serverPid: server.proc.pid! });
  contenders.push({ name: 'Quiver gRPC', op: grpc(quiverGrpc, tenPoints), serverPid: server.proc.pid! });
  const tallies = await sideBySide(contenders, { concurrency: CONCURRENCY, seconds: SECONDS, windows: WINDOWS });
  const qps = (t: Tally): number => t.ops / SECONDS;
  const us = (seconds: number, t: Tally): string => ((seconds * 1e6) / Math.max(1, t.ops)).toFixed(0);
  console.log(`Transport floor: query (limit 10, payload) over ${N} × ${DIM}, ${CONCURRENCY} requests in flight, ${SECONDS} s each in ${WINDOWS} alternating windows, raw gRPC client over ${values['raw-sessions']} connection(s); load ${loadavg().map((x) => x.toFixed(1)).join('/')}`);
  console.log('| server | ops/s | gRPC / HTTP/1.1 of the pair | server main thread µs/op (busy) | server CPU µs/op | client CPU µs/op |\n|---|---|---|---|---|---|');
  tallies.forEach((t, i) => {
    const ratio = i % 2 === 1 ? `**${(qps(t) / qps(tallies[i - 1]!)).toFixed(2)}**` : '';
    console.log(`| ${contenders[i]!.name} | ${qps(t).toFixed(0)} | ${ratio} | ${us(t.mainThread, t)} (${((100 * t.mainThread) / SECONDS).toFixed(0)}%) | ${us(t.serverCpu, t)} | ${us(t.clientCpu, t)} |`);
  });
} finally {
  rawClients.forEach((c) => c.close());
  agent.destroy();
  for (const f of floors) f.proc.kill();
  await server.stop();
  removeDir(dir);
}
