/**
 * Search and upsert throughput, gRPC vs REST, on the same data in the same server (a child process, as
 * deployed, with an API key that every call carries), each with 16 requests in flight, through three clients:
 *
 * - REST: `POST …/points/query` / `PUT …/points` over a node:http keep-alive agent (16 sockets), the JSON bodies
 *   serialised beforehand, the status checked and the body read as text;
 * - gRPC raw: `Points/Query` / `Points/Upsert` as pre-encoded frames on 16 concurrent streams of one `node:http2`
 *   session (bench/grpc-raw-client.ts), as load generators such as ghz drive a gRPC server; `grpc-status` 0 and the
 *   reply (10 points; an acknowledged write) are checked;
 * - gRPC grpc-js: the same RPCs over one grpc-js channel, the request encoded per call and the raw reply bytes
 *   handed over after the status is checked — the client cost a Node application using grpc-js pays.
 *
 * The clients are measured side by side: after a warm-up of each, short windows alternate (REST, raw, grpc-js,
 * grpc-js, raw, REST, …) so that drift in the machine's load, and the background index building that upserts
 * start, fall on all alike. Besides throughput, the server's CPU time per operation (from /proc) and the client
 * process's (process.cpuUsage) are reported: on a shared machine they are steadier than operations per second,
 * and client and server compete for the same cores. The server's main thread is reported on its own too (CPU per
 * operation, and its share of the wall time): the event loop is one thread, and at ~100% it is the limit however
 * idle the other core is.
 *
 * `--channel-options` passes grpc-js channel options to the grpc-js client (JSON), for experiments; the default
 * is none, as a client would use it.
 *
 *   node --import tsx bench/grpc.ts [--n=20000] [--dim=128] [--seconds=10] [--windows=6] [--raw-sessions=1] [--channel-options='{…}']
 */
import { parseArgs } from 'node:util';
import { Agent } from 'node:http';
import { loadavg } from 'node:os';
import { send } from './keep-alive-request.js';
import { sideBySide as measure, type Tally } from './side-by-side.js';
import { Client, credentials, Metadata, type ChannelOptions, type MethodDefinition } from '@grpc/grpc-js';
import { countField, grpcFrame, rawGrpcClient, subMessage, varintField } from './grpc-raw-client.js';
import { freePort, removeDir, startChildServer, tempDir } from '../tests/support/app.js';
import { contract } from '../src/api/grpc/proto.js';
import { mulberry32 } from '../src/index/random.js';

const { values } = parseArgs({ options: { n: { type: 'string', default: '20000' }, dim: { type: 'string', default: '128' }, seconds: { type: 'string', default: '10' }, windows: { type: 'string', default: '6' }, 'raw-sessions': { type: 'string', default: '1' }, 'channel-options': { type: 'string', default: '{}' } } });
const N = Number(values.n);
const DIM = Number(values.dim);
const SECONDS = Number(values.seconds);
const WINDOWS = Math.max(2, Number(values.windows));
const CONCURRENCY = 16;

const rnd = mulberry32(20261201);
const vector = (): number[] => Array.from({ length: DIM }, () => rnd() * 2 - 1);

/** `ops` side by side against the server, 16 callers each (bench/side-by-side.ts). */
const sideBySide = (ops: ReadonlyArray<() => Promise<void>>): Promise<Tally[]> => measure(ops.map((op) => ({ op, serverPid: server.proc.pid! })), { concurrency: CONCURRENCY, seconds: SECONDS, windows: WINDOWS });

/** A table row: throughput, server and client CPU per operation of each client, and gRPC / REST ratios. */
function row(name: string, [r, raw, js]: Tally[]): string {
  const qps = (t: Tally): number => t.ops / SECONDS;
  const ms = (seconds: number, t: Tally): number => (seconds * 1000) / Math.max(1, t.ops);
  const f = (x: number): string => x.toFixed(2);
  const server = (t: Tally): number => ms(t.serverCpu, t);
  const client = (t: Tally): number => ms(t.clientCpu, t);
  const main = (t: Tally): string => `${f(ms(t.mainThread, t))} (${((100 * t.mainThread) / SECONDS).toFixed(0)}%)`;
  return [
    name,
    qps(r!).toFixed(0),
    qps(raw!).toFixed(0),
    qps(js!).toFixed(0),
    `**${f(qps(raw!) / qps(r!))}**`,
    `**${f(qps(js!) / qps(r!))}**`,
    `${f(server(r!))} / ${f(server(raw!))} / ${f(server(js!))}`,
    `${main(r!)} / ${main(raw!)} / ${main(js!)}`,
    `${f(client(r!))} / ${f(client(raw!))} / ${f(client(js!))}`,
  ].join(' | ').replace(/^/, '| ').concat(' |');
}

const KEY = 'bench-admin-key-0123456789abcdef0123456789';
const dir = tempDir('quiver-bench-grpc-');
const grpcPort = await freePort();
const server = await startChildServer(dir, { QDRANT__STORAGE__STORAGE_PATH: `${dir}/storage`, QDRANT__SERVICE__GRPC_PORT: String(grpcPort), QDRANT__SERVICE__API_KEY: KEY, QDRANT__LOG_LEVEL: 'ERROR' });
const agent = new Agent({ keepAlive: true, maxSockets: CONCURRENCY });
/** A REST call with a body serialised beforehand; rejects unless the status is 200. */
const rest = async (method: 'PUT' | 'POST', path: string, body: string): Promise<void> => {
  const r = await send(agent, server.url, method, path, body, { 'api-key': KEY });
  if (r.status !== 200) throw new Error(`${path}: ${r.status} ${r.text}`);
};
const points = new Client(`127.0.0.1:${grpcPort}`, credentials.createInsecure(), JSON.parse(values['channel-options']) as ChannelOptions);
const metadata = new Metadata();
metadata.set('api-key', KEY);
const definitions = contract().packageDefinition['qdrant.Points'] as Record<string, MethodDefinition<unknown, unknown>>;
/** A grpc-js call, the request encoded by the client per call as an application's would be. */
const grpcJs = (method: string, req: unknown): Promise<void> => {
  const def = definitions[method]!;
  return new Promise((resolve, reject) => {
    points.makeUnaryRequest(def.path, def.requestSerialize, (b: Buffer) => b, req, metadata, (e) => (e === null ? resolve() : reject(e)));
  });
};
// One HTTP/2 connection for all 16 calls by default (one client's channel); `--raw-sessions=16` spreads the calls
// round-robin over 16 connections, about one per caller, as 16 separate client processes would have.
const rawClients = Array.from({ length: Math.max(1, Number(values['raw-sessions'])) }, () => rawGrpcClient(`http://127.0.0.1:${grpcPort}`, { 'api-key': KEY }));
let nextRaw = 0;
const raw = {
  call: (...args: Parameters<(typeof rawClients)[number]['call']>): Promise<void> => rawClients[nextRaw++ % rawClients.length]!.call(...args),
  close: (): void => rawClients.forEach((c) => c.close()),
};
/** A request frame for the raw client, encoded now (proto-loader's serialiser) and sent as is later. */
const frame = (method: string, req: unknown): Buffer => grpcFrame(definitions[method]!.requestSerialize(req));
/** `QueryResponse` with exactly `limit` points (field 1). */
const expectPoints = (limit: number) => (message: Buffer): void => {
  const n = countField(message, 1);
  if (n !== limit) throw new Error(`Query reply with ${n} points, expected ${limit}`);
};
/** `PointsOperationResponse` whose `result` (field 1) has status Acknowledged or Completed (field 2: 1 or 2). */
const expectWritten = (message: Buffer): void => {
  const result = subMessage(message, 1);
  const status = result === null ? null : varintField(result, 2);
  if (status !== 1 && status !== 2) throw new Error(`Upsert reply with status ${status}`);
};

try {
  await rest('PUT', '/collections/b', JSON.stringify({ vectors: { size: DIM, distance: 'Cosine' } }));
  for (let i = 0; i < N; i += 500) {
    await rest('PUT', '/collections/b/points?wait=true', JSON.stringify({ points: Array.from({ length: Math.min(500, N - i) }, (_, k) => ({ id: i + k, vector: vector(), payload: { n: i + k } })) }));
  }
  const queries = Array.from({ length: 256 }, vector);
  const queryBody = queries.map((v) => JSON.stringify({ query: v, limit: 10, with_payload: true }));
  const queryMessage = (v: number[]): unknown => ({ collection_name: 'b', query: { nearest: { dense: { data: v } } }, limit: 10, with_payload: { enable: true } });
  const queryFrames = queries.map((v) => frame('Query', queryMessage(v)));
  const queryPath = definitions['Query']!.path;
  let q = 0;
  const search = await sideBySide([
    () => rest('POST', '/collections/b/points/query', queryBody[q++ % queries.length]!),
    () => raw.call(queryPath, queryFrames[q++ % queries.length]!, expectPoints(10)),
    () => grpcJs('Query', queryMessage(queries[q++ % queries.length]!)),
  ]);
  // Upserts: REST bodies and raw frames are built beforehand (UPSERT_POOL batches each, ids of their own, reused
  // round-robin once used up — later rounds overwrite); grpc-js encodes each request as it is sent.
  const batch = (from: number): Array<{ id: number; v: number[] }> => Array.from({ length: 16 }, (_, k) => ({ id: from + k, v: vector() }));
  const UPSERT_POOL = 3000;
  const restBodies = Array.from({ length: UPSERT_POOL }, (_, b) => JSON.stringify({ points: batch(N + 16 * b).map((p) => ({ id: p.id, vector: p.v })) }));
  const upsertMessage = (ps: Array<{ id: number; v: number[] }>): unknown => ({ collection_name: 'b', points: ps.map((p) => ({ id: { num: p.id }, vectors: { vector: { dense: { data: p.v } } } })) });
  const rawFrames = Array.from({ length: UPSERT_POOL }, (_, b) => frame('Upsert', upsertMessage(batch(N + 16 * (UPSERT_POOL + b)))));
  const upsertPath = definitions['Upsert']!.path;
  let id = N + 32 * UPSERT_POOL;
  let rb = 0;
  let fb = 0;
  const upsert = await sideBySide([
    () => rest('PUT', '/collections/b/points', restBodies[rb++ % UPSERT_POOL]!),
    () => raw.call(upsertPath, rawFrames[fb++ % UPSERT_POOL]!, expectWritten),
    () => grpcJs('Upsert', upsertMessage(batch((id += 16) - 16))),
  ]);
  console.log(`gRPC vs REST, ${N} points × ${DIM} dims, api-key on every call, ${CONCURRENCY} requests in flight, ${SECONDS} s each in ${WINDOWS} alternating windows, grpc-js channel options ${values['channel-options']}; raw client over ${rawClients.length} HTTP/2 connection(s); upsert pools used ${rb} REST / ${fb} raw of ${UPSERT_POOL}; load ${loadavg().map((x) => x.toFixed(1)).join('/')}`);
  console.log(`| operation | REST ops/s | gRPC raw http2 ops/s | gRPC grpc-js ops/s | raw / REST | grpc-js / REST | server CPU ms/op REST / raw / grpc-js | server main thread ms/op (busy) REST / raw / grpc-js | client CPU ms/op REST / raw / grpc-js |\n|---|---|---|---|---|---|---|---|---|`);
  console.log(row('query (limit 10, payload)', search));
  console.log(row('upsert (16 points per request)', upsert));
} finally {
  points.close();
  raw.close();
  agent.destroy();
  await server.stop();
  removeDir(dir);
}
