/**
 * Fanned-out reads (distributed mode with shard placement) next to reads a node answers alone, in one run: 3
 * nats-server (JetStream, routed) + 3 Quiver child processes, two collections with the same points — `whole`
 * (3 shards × replication 3: every node holds every shard) and `spread` (3 shards × replication 1: each node holds
 * one shard, so a read through node 0 asks the two others for their shards over NATS and merges). The same reads
 * go through node 0 for each collection, alternating phases. Everything shares the machine's cores, so the ratio
 * shows the fan-out's overhead (two NATS round trips, JSON encoding, the merge), not scaling.
 *
 *   node --import tsx bench/cluster-fanout.ts
 * Env: BENCH_POINTS (3000), BENCH_DIM (64), BENCH_SECONDS (3, per phase), BENCH_CONNECTIONS (8), BENCH_ROUNDS (2).
 */
import { cpus, loadavg } from 'node:os';
import { startNatsCluster } from '../tests/support/nats-cluster.js';
import { call, envNumber, vectorOf } from './cluster-client.js';
import { startQuiverCluster, waitConverged } from '../tests/support/quiver-cluster.js';
import { pollUntil } from '../tests/support/poll.js';

const env = envNumber;
const POINTS = env('BENCH_POINTS', '3000');
const DIM = env('BENCH_DIM', '64');
const SECONDS = env('BENCH_SECONDS', '3');
const CONNECTIONS = env('BENCH_CONNECTIONS', '8');
const ROUNDS = env('BENCH_ROUNDS', '2');

const vector = (i: number): number[] => vectorOf(i, DIM);

const READS: Record<string, (i: number) => { path: string; body: unknown }> = {
  'query (limit 10)': (i) => ({ path: 'points/query', body: { query: vector(i + 7), limit: 10 } }),
  'query with payload (limit 10, offset 20)': (i) => ({ path: 'points/query', body: { query: vector(i + 3), limit: 10, offset: 20, with_payload: true } }),
  'count (exact)': () => ({ path: 'points/count', body: { exact: true } }),
  'scroll (100 points)': (i) => ({ path: 'points/scroll', body: { limit: 100, offset: (i * 37) % POINTS, with_payload: true } }),
};

async function qps(url: string, collection: string, read: (i: number) => { path: string; body: unknown }): Promise<number> {
  const end = performance.now() + SECONDS * 1000;
  let done = 0;
  await Promise.all(
    Array.from({ length: CONNECTIONS }, async (_, c) => {
      for (let i = c; performance.now() < end; i += CONNECTIONS) {
        const r = read(i);
        await call(url, 'POST', `/collections/${collection}/${r.path}`, r.body);
        done++;
      }
    }),
  );
  return done / SECONDS;
}

console.log(`fan-out bench: ${cpus().length} cores, load ${loadavg().map((l) => l.toFixed(2)).join(' ')}; ${POINTS} points, dim ${DIM}, ${CONNECTIONS} connections, ${SECONDS} s per phase, ${ROUNDS} rounds`);
const nats = await startNatsCluster(3);
const cluster = await startQuiverCluster(nats, 3);
try {
  const urls = cluster.nodes.map((n) => n.server.url);
  for (const url of urls) await pollUntil('3 live nodes', async () => Object.keys((await call(url, 'GET', '/cluster')).result.peers).length === 3, 60_000, 100);
  await call(urls[0]!, 'PUT', '/collections/whole', { vectors: { size: DIM, distance: 'Cosine' }, shard_number: 3, replication_factor: 3 });
  await call(urls[0]!, 'PUT', '/collections/spread', { vectors: { size: DIM, distance: 'Cosine' }, shard_number: 3, replication_factor: 1 });
  for (let first = 0; first < POINTS; first += 250) {
    const points = Array.from({ length: Math.min(250, POINTS - first) }, (_, k) => ({ id: first + k, vector: vector(first + k), payload: { n: first + k, tag: `t${(first + k) % 7}` } }));
    for (const c of ['whole', 'spread']) await call(urls[(first / 250) % 3]!, 'PUT', `/collections/${c}/points?wait=true`, { points });
  }
  await waitConverged(cluster.nodes, 'whole');
  const held = (await call(urls[0]!, 'GET', '/collections/spread/cluster')).result.local_shards.length;
  console.log(`node 0 holds ${held} of 3 shards of spread, 3 of 3 of whole`);
  const results: Record<string, { whole: number[]; spread: number[] }> = {};
  for (let round = 0; round < ROUNDS; round++) {
    for (const [name, read] of Object.entries(READS)) {
      const r = (results[name] ??= { whole: [], spread: [] });
      // Alternating order per round, so drift in the machine's load does not favour one side.
      const order = round % 2 === 0 ? (['whole', 'spread'] as const) : (['spread', 'whole'] as const);
      for (const c of order) r[c].push(await qps(urls[0]!, c, read));
    }
  }
  const mean = (xs: number[]): number => xs.reduce((a, b) => a + b, 0) / xs.length;
  console.log('| read (through node 0) | every shard local, QPS | fanned out to 2 nodes, QPS | fanned out / local |');
  console.log('|---|---:|---:|---:|');
  for (const [name, r] of Object.entries(results)) console.log(`| ${name} | ${mean(r.whole).toFixed(0)} | ${mean(r.spread).toFixed(0)} | ${(mean(r.spread) / mean(r.whole)).toFixed(2)} |`);
  console.log(`load after: ${loadavg().map((l) => l.toFixed(2)).join(' ')}`);
} finally {
  await cluster.stop();
  await nats.stop();
}
