/**
 * End-to-end search over REST: the same clustered data as bench/run.ts loaded into a Quiver server
 * (child process, as deployed) through the API, queried with `POST …/points/query` (`params.hnsw_ef`
 * swept) over one keep-alive connection and over 16 concurrent connections, next to hnswlib-node
 * searching the same data in-process in the same run. Recall@10 against exact ground truth.
 *
 *   node --import tsx bench/rest-search.ts [--n=100000] [--dim=128] [--queries=1000]
 */
import { parseArgs } from 'node:util';
import { cpus } from 'node:os';
import { Agent, request } from 'undici';
import hnswlib from './hnswlib.js';
import { startChildServer, tempDir, removeDir } from '../tests/support/app.js';
import { groundTruth, makeQueries, makeStore, type DatasetSpec } from './data.js';

const { values } = parseArgs({
  options: { n: { type: 'string', default: '100000' }, dim: { type: 'string', default: '128' }, queries: { type: 'string', default: '1000' } },
});
const spec: DatasetSpec = { n: Number(values.n), dim: Number(values.dim), clusters: 1000, queries: Number(values.queries), seed: 20240601 };
const K = 10;
const EFS = [16, 32, 64, 128, 256];
const H = { 'content-type': 'application/json' };

interface Row {
  ef: number;
  recall: number;
  qps1: number;
  qps16: number;
  hnswQps: number;
  hnswRecall: number;
}

function recallOf(results: number[][], truth: Int32Array[]): number {
  let hit = 0;
  let total = 0;
  results.forEach((r, i) => {
    const t = new Set(truth[i]);
    total += t.size;
    for (const o of r) if (t.has(o)) hit++;
  });
  return hit / total;
}

async function main(): Promise<void> {
  const store = makeStore(spec);
  const queries = makeQueries(spec);
  const truth = groundTruth(spec, store, queries, K, '.tmp/bench');
  const dir = tempDir('quiver-rest-bench-');
  // One indexing thread setting for both: the server builds its graph in the background.
  const server = await startChildServer(dir, { QDRANT__STORAGE__STORAGE_PATH: `${dir}/storage`, QDRANT__LOG_LEVEL: 'ERROR' });
  const agent = new Agent({ connections: 16, pipelining: 1, keepAliveTimeout: 60_000 });
  try {
    await fetch(`${server.url}/collections/b`, { method: 'PUT', headers: H, body: JSON.stringify({ vectors: { size: spec.dim, distance: 'Cosine' }, hnsw_config: { m: 16, ef_construct: 100 } }) });
    const t0 = performance.now();
    for (let i = 0; i < spec.n; i += 2000) {
      const points = [];
      for (let o = i; o < Math.min(spec.n, i + 2000); o++) points.push({ id: o, vector: Array.from(store.get(o)!) });
      const r = await fetch(`${server.url}/collections/b/points?wait=true`, { method: 'PUT', headers: H, body: JSON.stringify({ points }) });
      if (r.status !== 200) throw new Error(`upsert ${r.status}`);
    }
    for (;;) {
      const info = (await (await fetch(`${server.url}/collections/b`)).json()) as { result: { status: string } };
      if (info.result.status === 'green') break;
      await new Promise((r) => setTimeout(r, 500));
    }
    const loadAndBuild = performance.now() - t0;

    const theirs = new hnswlib.HierarchicalNSW('cosine', spec.dim);
    theirs.initIndex(spec.n, 16, 100, 100);
    for (let o = 0; o < spec.n; o++) theirs.addPoint(Array.from(store.get(o)!), o);
    const qArrays = queries.map((q) => Array.from(q));
    const bodies = qArrays.map((q) => (ef: number) => JSON.stringify({ query: q, limit: K, params: { hnsw_ef: ef } }));

    const ask = async (i: number, ef: number): Promise<number[]> => {
      const r = await request(`${server.url}/collections/b/points/query`, { method: 'POST', headers: H, body: bodies[i]!(ef), dispatcher: agent });
      const j = (await r.body.json()) as { result: { points: Array<{ id: number }> } };
      return j.result.points.map((p) => p.id);
    };
    const rows: Row[] = [];
    for (const ef of EFS) {
      // warm-up
      for (let i = 0; i < 50; i++) await ask(i, ef);
      let t = performance.now();
      const results: number[][] = [];
      for (let i = 0; i < queries.length; i++) results.push(await ask(i, ef));
      const qps1 = queries.length / ((performance.now() - t) / 1000);
      t = performance.now();
      let next = 0;
      await Promise.all(
        Array.from({ length: 16 }, async () => {
          while (next < queries.length) await ask(next++, ef);
        }),
      );
      const qps16 = queries.length / ((performance.now() - t) / 1000);
      theirs.setEf(Math.max(ef, K));
      t = performance.now();
      const hres = qArrays.map((q) => theirs.searchKnn(q, K).neighbors);
      const hnswQps = queries.length / ((performance.now() - t) / 1000);
      rows.push({ ef, recall: recallOf(results, truth), qps1, qps16, hnswQps, hnswRecall: recallOf(hres, truth) });
    }
    const cpu = cpus();
    const at = (target: number, get: (r: Row) => number): Row | undefined => rows.find((r) => get(r) >= target);
    const lines = [
      `Run ${new Date().toISOString()} · node ${process.version} · ${cpu.length} × ${cpu[0]?.model ?? '?'}`,
      `Command: \`node --import tsx bench/rest-search.ts --n=${spec.n} --dim=${spec.dim} --queries=${spec.queries}\` — ${spec.n} × ${spec.dim} clustered (seed ${spec.seed}), Cosine, k=${K}, m=16, ef_construct=100. Loaded over REST and indexed in ${(loadAndBuild / 1000).toFixed(1)} s. Server and client share the 2 cores; wall-clock QPS.`,
      '',
      '| hnsw_ef | REST recall@10 | REST QPS, 1 keep-alive connection | REST QPS, 16 connections | hnswlib in-process recall / QPS | REST 1 conn / hnswlib | REST 16 conn / hnswlib |',
      '|---|---|---|---|---|---|---|',
      ...rows.map((r) => `| ${r.ef} | ${r.recall.toFixed(3)} | ${r.qps1.toFixed(0)} | ${r.qps16.toFixed(0)} | ${r.hnswRecall.toFixed(3)} / ${r.hnswQps.toFixed(0)} | ${(r.qps1 / r.hnswQps).toFixed(3)} | ${(r.qps16 / r.hnswQps).toFixed(3)} |`),
      '',
      ...[0.95, 0.99].map((target) => {
        const a = at(target, (r) => r.recall);
        const b = at(target, (r) => r.hnswRecall);
        return `At recall ≥ ${target}: REST ef=${a?.ef ?? '—'} → ${a?.qps1.toFixed(0) ?? '—'} QPS (1 conn), ${a?.qps16.toFixed(0) ?? '—'} QPS (16 conn); hnswlib in-process ef=${b?.ef ?? '—'} → ${b?.hnswQps.toFixed(0) ?? '—'} QPS; ratios ${a && b ? (a.qps1 / b.hnswQps).toFixed(3) : '—'} / ${a && b ? (a.qps16 / b.hnswQps).toFixed(3) : '—'}.`;
      }),
      '',
    ];
    process.stdout.write(lines.join('\n'));
  } finally {
    await agent.close();
    await server.stop();
    removeDir(dir);
  }
}

await main();
