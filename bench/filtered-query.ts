/**
 * In-process filtered vs unfiltered query through the whole request path (Fastify inject: routing, auth,
 * parsing, planning, search, presentation; no socket). A collection of N clustered vectors with a
 * keyword payload field `tag` holding one of 100 values (1% each), keyword-indexed, HNSW m 16 /
 * ef_construct 100. The two query kinds alternate in chunks, so both see the same machine load.
 * Profile with `node --cpu-prof --cpu-prof-dir=.tmp/prof --import tsx bench/filtered-query.ts`.
 * With `--tenant`, a third kind joins the rotation: the same 1% restriction carried by a tenant token
 * (`tenant_filter` on its grant, issue 17 §1) instead of the request's filter, so the cost of row-level security
 * reads against both the unfiltered query and the equivalent filtered one.
 *
 *   node --import tsx bench/filtered-query.ts [--n=100000] [--dim=128] [--queries=500] [--rounds=3] [--tenant]
 */
import { parseArgs } from 'node:util';
import { loadavg } from 'node:os';
import { startTestApp } from '../tests/support/app.js';
import { makeQueries, makeStore, type DatasetSpec } from './data.js';
import { mintJwt } from '../src/auth/jwt.js';
import { parseAccessClaim } from '../src/auth/access.js';

const { values } = parseArgs({
  options: {
    n: { type: 'string', default: process.env['BENCH_N'] ?? '100000' },
    dim: { type: 'string', default: process.env['BENCH_DIM'] ?? '128' },
    queries: { type: 'string', default: '500' },
    rounds: { type: 'string', default: '3' },
    ef: { type: 'string', default: '64' },
    tenant: { type: 'boolean', default: false },
  },
});
const spec: DatasetSpec = { n: Number(values.n), dim: Number(values.dim), clusters: 1000, queries: Number(values.queries), seed: 20240601 };
const TAGS = 100;
const KEY = 'bench-admin-key-0123456789abcdef0123456789';

async function main(): Promise<void> {
  const store = makeStore(spec);
  const queries = makeQueries(spec).map((q) => Array.from(q));
  const app = await startTestApp({ QDRANT__LOG_LEVEL: 'ERROR', QDRANT__SERVICE__API_KEY: KEY, QDRANT__SERVICE__JWT_RBAC: 'true' });
  const admin = { 'api-key': KEY };
  try {
    const put = await app.request('PUT', '/collections/b', { vectors: { size: spec.dim, distance: 'Cosine' }, hnsw_config: { m: 16, ef_construct: 100 }, optimizers_config: { indexing_threshold: 1 } }, admin);
    if (put.status !== 200) throw new Error(put.text);
    await app.request('PUT', '/collections/b/index?wait=true', { field_name: 'tag', field_schema: 'keyword' }, admin);
    for (let i = 0; i < spec.n; i += 1000) {
      const points = [];
      for (let o = i; o < Math.min(spec.n, i + 1000); o++) points.push({ id: o, vector: Array.from(store.get(o)!), payload: { tag: `t${o % TAGS}` } });
      const r = await app.request('PUT', '/collections/b/points?wait=true', { points }, admin);
      if (r.status !== 200) throw new Error(`upsert ${r.status} ${r.text}`);
    }
    for (;;) {
      const info = (await app.request('GET', '/collections/b', undefined, admin)).body.result;
      if (info.status === 'green' && info.indexed_vectors_count >= spec.n) break;
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
    const ef = Number(values.ef);
    const body = (i: number, filtered: boolean): string =>
      JSON.stringify({
        query: queries[i % queries.length],
        limit: 10,
        params: { hnsw_ef: ef },
        ...(filtered ? { filter: { must: [{ key: 'tag', match: { value: `t${i % TAGS}` } }] } } : {}),
      });
    // One tenant token per tag value: the grant's tenant_filter is the 1% filter of kind 1.
    const tokens: string[] = [];
    for (let t = 0; t < TAGS; t++) {
      const access = parseAccessClaim([{ collection: 'b', access: 'r', tenant_filter: { must: [{ key: 'tag', match: { value: `t${t}` } }] } }]);
      tokens.push(`Bearer ${await mintJwt(KEY, { access })}`);
    }
    const bodies = [queries.map((_, i) => body(i, false)), queries.map((_, i) => body(i, true)), queries.map((_, i) => body(i, false))];
    const headers = (kind: number, i: number): Record<string, string> =>
      kind === 2 ? { 'content-type': 'application/json', authorization: tokens[i % TAGS]! } : { 'content-type': 'application/json', ...admin };
    const kinds = values.tenant ? [0, 1, 2] : [0, 1];
    const time = [0, 0, 0];
    const count = [0, 0, 0];
    const CHUNK = 50;
    for (let round = 0; round < Number(values.rounds); round++) {
      for (let start = 0; start < queries.length; start += CHUNK) {
        for (const kind of kinds) {
          const t0 = performance.now();
          for (let i = start; i < Math.min(queries.length, start + CHUNK); i++) {
            const r = await app.app.inject({ method: 'POST', url: '/collections/b/points/query', headers: headers(kind, i), payload: bodies[kind]![i]! });
            if (r.statusCode !== 200) throw new Error(r.body);
          }
          if (round > 0) {
            time[kind]! += performance.now() - t0;
            count[kind]! += Math.min(queries.length, start + CHUNK) - start;
          }
        }
      }
    }
    const qps = (k: number): number => (count[k]! / time[k]!) * 1000;
    console.log(
      JSON.stringify({
        n: spec.n,
        dim: spec.dim,
        ef,
        unfilteredQps: Math.round(qps(0)),
        filtered1pctQps: Math.round(qps(1)),
        ratio: Number((qps(1) / qps(0)).toFixed(2)),
        ...(values.tenant ? { tenant1pctQps: Math.round(qps(2)), tenantVsFiltered: Number((qps(2) / qps(1)).toFixed(2)), tenantVsUnfiltered: Number((qps(2) / qps(0)).toFixed(2)) } : {}),
        loadavg: loadavg().map((x) => Number(x.toFixed(1))),
      }),
    );
  } finally {
    await app.destroy();
  }
}

await main();
