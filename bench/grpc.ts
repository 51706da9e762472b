/**
 * Search and upsert throughput, gRPC vs REST, on the same data in the same server (a child process, as
 * deployed): `Points/Query` over one grpc-js channel vs `POST …/points/query` over an undici pool, both with 16
 * requests in flight; then batched upserts the same way.
 *
 *   node --import tsx bench/grpc.ts [--n=20000] [--dim=128] [--seconds=10]
 */
import { parseArgs } from 'node:util';
import { Agent, request } from 'undici';
import { credentials, type Client, type ServiceError } from '@grpc/grpc-js';
import { freePort, removeDir, startChildServer, tempDir } from '../tests/support/app.js';
import { contract } from '../src/api/grpc/proto.js';
import { mulberry32 } from '../src/index/random.js';

const { values } = parseArgs({ options: { n: { type: 'string', default: '20000' }, dim: { type: 'string', default: '128' }, seconds: { type: 'string', default: '10' } } });
const N = Number(values.n);
const DIM = Number(values.dim);
const SECONDS = Number(values.seconds);
const CONCURRENCY = 16;
const H = { 'content-type': 'application/json' };

const rnd = mulberry32(20261201);
const vector = (): number[] => Array.from({ length: DIM }, () => rnd() * 2 - 1);

/** Runs `op` with CONCURRENCY workers for SECONDS; returns operations per second. */
async function throughput(op: () => Promise<void>): Promise<number> {
  const end = Date.now() + SECONDS * 1000;
  let done = 0;
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      while (Date.now() < end) {
        await op();
        done++;
      }
    }),
  );
  return done / SECONDS;
}

const dir = tempDir('quiver-bench-grpc-');
const grpcPort = await freePort();
const server = await startChildServer(dir, { QDRANT__STORAGE__STORAGE_PATH: `${dir}/storage`, QDRANT__SERVICE__GRPC_PORT: String(grpcPort), QDRANT__LOG_LEVEL: 'ERROR' });
const pool = new Agent({ connections: CONCURRENCY, pipelining: 1 });
const rest = async (method: 'PUT' | 'POST', path: string, body: unknown): Promise<void> => {
  const r = await request(server.url + path, { method, headers: H, body: JSON.stringify(body), dispatcher: pool });
  if (r.statusCode !== 200) throw new Error(`${path}: ${r.statusCode} ${await r.body.text()}`);
  await r.body.dump();
};
const points = new (contract().qdrant.Points)(`127.0.0.1:${grpcPort}`, credentials.createInsecure()) as unknown as Client & Record<string, (req: unknown, cb: (e: ServiceError | null) => void) => void>;
const grpc = (method: string, req: unknown): Promise<void> => new Promise((resolve, reject) => points[method]!.call(points, req, (e) => (e === null ? resolve() : reject(e))));

try {
  await rest('PUT', '/collections/b', { vectors: { size: DIM, distance: 'Cosine' } });
  for (let i = 0; i < N; i += 500) {
    await rest('PUT', '/collections/b/points?wait=true', { points: Array.from({ length: Math.min(500, N - i) }, (_, k) => ({ id: i + k, vector: vector(), payload: { n: i + k } })) });
  }
  const queries = Array.from({ length: 256 }, vector);
  let q = 0;
  const restSearch = await throughput(() => rest('POST', '/collections/b/points/query', { query: queries[q++ % queries.length], limit: 10, with_payload: true }));
  const grpcSearch = await throughput(() => grpc('Query', { collection_name: 'b', query: { nearest: { dense: { data: queries[q++ % queries.length] } } }, limit: 10, with_payload: { enable: true } }));
  let id = N;
  const batch = (): Array<{ id: number; v: number[] }> => Array.from({ length: 16 }, () => ({ id: id++, v: vector() }));
  const restUpsert = await throughput(() => rest('PUT', '/collections/b/points', { points: batch().map((p) => ({ id: p.id, vector: p.v })) }));
  const grpcUpsert = await throughput(() => grpc('Upsert', { collection_name: 'b', points: batch().map((p) => ({ id: { num: p.id }, vectors: { vector: { dense: { data: p.v } } } })) }));
  console.log(`gRPC vs REST, ${N} points × ${DIM} dims, ${CONCURRENCY} requests in flight, ${SECONDS} s each`);
  console.log(`| operation | REST ops/s | gRPC ops/s | gRPC / REST |\n|---|---|---|---|`);
  console.log(`| query (limit 10, payload) | ${restSearch.toFixed(0)} | ${grpcSearch.toFixed(0)} | ${(grpcSearch / restSearch).toFixed(2)} |`);
  console.log(`| upsert (16 points per request) | ${restUpsert.toFixed(0)} | ${grpcUpsert.toFixed(0)} | ${(grpcUpsert / restUpsert).toFixed(2)} |`);
} finally {
  points.close();
  await pool.close();
  await server.stop();
  removeDir(dir);
}
