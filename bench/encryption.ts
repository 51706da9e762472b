/**
 * Cost of encryption at rest (issue 17 §5) on ingest and search, in-process through the whole request path
 * (Fastify inject). Two servers, one with `storage.encryption` and one without, take the same batches and the same
 * queries in alternation, so both see the same machine load: ingest = upserts of 500 points with `wait=true`
 * (durable commit), search = exact-free HNSW queries once the index is built.
 *
 *   node --import tsx bench/encryption.ts [--n=20000] [--dim=128] [--queries=300]
 */
import { parseArgs } from 'node:util';
import { loadavg } from 'node:os';
import { startTestApp, type TestApp } from '../tests/support/app.js';
import { makeQueries, makeStore, type DatasetSpec } from './data.js';
import { EncryptionKey } from '../src/storage/encryption.js';

const { values } = parseArgs({
  options: {
    n: { type: 'string', default: '20000' },
    dim: { type: 'string', default: '128' },
    queries: { type: 'string', default: '300' },
  },
});
const spec: DatasetSpec = { n: Number(values.n), dim: Number(values.dim), clusters: 200, queries: Number(values.queries), seed: 20261202 };
const BATCH = 500;

async function main(): Promise<void> {
  const store = makeStore(spec);
  const queries = makeQueries(spec).map((q) => Array.from(q));
  process.env['QUIVER_BENCH_KEY'] = EncryptionKey.generateText();
  const apps: TestApp[] = [await startTestApp({ QDRANT__LOG_LEVEL: 'ERROR' }), await startTestApp({ QDRANT__LOG_LEVEL: 'ERROR', QDRANT__STORAGE__ENCRYPTION__KEY_ENV: 'QUIVER_BENCH_KEY' })];
  try {
    for (const app of apps) {
      const r = await app.request('PUT', '/collections/b', { vectors: { size: spec.dim, distance: 'Cosine' }, hnsw_config: { m: 16, ef_construct: 100 }, optimizers_config: { indexing_threshold: 1 } });
      if (r.status !== 200) throw new Error(r.text);
    }
    const ingest = [0, 0];
    for (let i = 0; i < spec.n; i += BATCH) {
      const points = [];
      for (let o = i; o < Math.min(spec.n, i + BATCH); o++) points.push({ id: o, vector: Array.from(store.get(o)!), payload: { text: `document ${o}`, tag: `t${o % 100}` } });
      const body = JSON.stringify({ points });
      for (const k of [0, 1]) {
        const t0 = performance.now();
        const r = await apps[k]!.app.inject({ method: 'PUT', url: '/collections/b/points?wait=true', headers: { 'content-type': 'application/json' }, payload: body });
        if (r.statusCode !== 200) throw new Error(r.body);
        ingest[k]! += performance.now() - t0;
      }
    }
    for (const app of apps) {
      for (;;) {
        const info = (await app.request('GET', '/collections/b')).body.result;
        if (info.status === 'green' && info.indexed_vectors_count >= spec.n) break;
        await new Promise((resolve) => setTimeout(resolve, 200));
      }
    }
    const search = [0, 0];
    const bodies = queries.map((q) => JSON.stringify({ query: q, limit: 10, with_payload: true }));
    for (let round = 0; round < 2; round++) {
      for (let start = 0; start < bodies.length; start += 50) {
        for (const k of [0, 1]) {
          const t0 = performance.now();
          for (let i = start; i < Math.min(bodies.length, start + 50); i++) {
            const r = await apps[k]!.app.inject({ method: 'POST', url: '/collections/b/points/query', headers: { 'content-type': 'application/json' }, payload: bodies[i]! });
            if (r.statusCode !== 200) throw new Error(r.body);
          }
          if (round > 0) search[k]! += performance.now() - t0;
        }
      }
    }
    const pps = (k: number): number => Math.round((spec.n / ingest[k]!) * 1000);
    const qps = (k: number): number => Math.round((bodies.length / search[k]!) * 1000);
    console.log(JSON.stringify({
      n: spec.n,
      dim: spec.dim,
      ingestPointsPerSec: { plain: pps(0), encrypted: pps(1), ratio: Number((pps(1) / pps(0)).toFixed(2)) },
      searchQps: { plain: qps(0), encrypted: qps(1), ratio: Number((qps(1) / qps(0)).toFixed(2)) },
      loadavg: loadavg().map((x) => Number(x.toFixed(1))),
    }));
  } finally {
    for (const app of apps) await app.destroy();
  }
}

await main();
