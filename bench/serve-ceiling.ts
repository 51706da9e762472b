/**
 * The bare-Node ceiling of issue 14: a minimal `node:http` server that parses the same JSON query body
 * Quiver gets and answers from hnswlib-node in-process. No auth, no validation, no persistence: the best
 * one Node event loop can do with a C++ index. It builds its index from the same seeded dataset as the
 * benchmark (bench/data.ts) and a `tag` payload (`t${offset % 100}`) for the 1%-filtered query.
 *
 * Run as a child by bench/rest-e2e.ts: prints `LISTENING <port>` once the index is built.
 *   node --import tsx bench/serve-ceiling.ts <n> <dim> <clusters> <seed>
 */
import { createServer } from 'node:http';
import hnswlib from './hnswlib.js';
import { fillStore, type DatasetSpec } from './data.js';
import { DenseVectorStore } from '../src/index/vector-store.js';

const [n, dim, clusters, seed] = process.argv.slice(2).map(Number) as [number, number, number, number];
const spec: DatasetSpec = { n, dim, clusters, seed, queries: 0 };
const TAGS = 100;
const index = new hnswlib.HierarchicalNSW('cosine', dim);
index.initIndex(n, 16, 100, 100);
const row = new DenseVectorStore(dim, 1);
fillStore(spec, row, (o, v) => index.addPoint(Array.from(v), o));

interface QueryBody {
  query: number[];
  limit?: number;
  params?: { hnsw_ef?: number };
  filter?: { must?: Array<{ key: string; match: { value: string } }> };
}

const server = createServer((req, res) => {
  const chunks: Buffer[] = [];
  req.on('data', (c: Buffer) => chunks.push(c));
  req.on('end', () => {
    const t0 = performance.now();
    const body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as QueryBody;
    index.setEf(Math.max(body.params?.hnsw_ef ?? 100, body.limit ?? 10));
    const tag = body.filter?.must?.[0]?.match.value;
    const wanted = tag === undefined ? -1 : Number(tag.slice(1));
    const r = index.searchKnn(body.query, body.limit ?? 10, wanted < 0 ? undefined : (label: number) => label % TAGS === wanted);
    const points = r.neighbors.map((id, i) => ({ id, version: 0, score: 1 - r.distances[i]! }));
    res.setHeader('content-type', 'application/json');
    res.end(JSON.stringify({ result: { points }, status: 'ok', time: (performance.now() - t0) / 1000 }));
  });
});
server.keepAliveTimeout = 60_000;
server.listen(0, '127.0.0.1', () => {
  const addr = server.address();
  process.stdout.write(`LISTENING ${typeof addr === 'object' && addr !== null ? addr.port : 0}\n`);
});
process.on('SIGTERM', () => server.close(() => process.exit(0)));
