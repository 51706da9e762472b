/**
 * Distributed mode (issue 19) next to a single node, in one run on this machine: write latency (sequential
 * single-point upserts, wait=false → acknowledged by JetStream, wait=true → also applied by the receiving node),
 * write throughput (concurrent writers, batches of 10), and search QPS from one node vs spread over three.
 * Single node: one Quiver child process, no NATS. Cluster: 3 nats-server (JetStream, routed) + 3 Quiver child
 * processes, a collection of 2 shards × replication 3. Everything runs on the same cores, so the cluster numbers
 * show replication overhead, not scaling (see BENCHMARKS.md for the projected scaling model).
 * The cluster runs twice in the same run: without stream compaction, and compacting every BENCH_COMPACT_EVERY
 * operations (`cluster.compaction`); after the measurements a fresh 4th node joins and the time until it caught up
 * (replaying every stream from the start, or restoring each shard's snapshot and the tail) is measured.
 *
 *   npm run bench:cluster
 * Env: BENCH_WRITES (200, sequential upserts per mode), BENCH_POINTS (3000, preloaded for search),
 * BENCH_DIM (64), BENCH_SECONDS (4, per read phase), BENCH_CONNECTIONS (16), BENCH_COMPACT_EVERY (200).
 */
import { cpus, loadavg } from 'node:os';
import { removeDir, startChildServer, tempDir } from '../tests/support/app.js';
import { startNatsCluster } from '../tests/support/nats-cluster.js';
import { call, envNumber, vectorOf } from './cluster-client.js';
import { startQuiverCluster, waitConverged } from '../tests/support/quiver-cluster.js';

const env = envNumber;
const WRITES = env('BENCH_WRITES', '200');
const POINTS = env('BENCH_POINTS', '3000');
const DIM = env('BENCH_DIM', '64');
const SECONDS = env('BENCH_SECONDS', '4');
const CONNECTIONS = env('BENCH_CONNECTIONS', '16');
const COMPACT_EVERY = env('BENCH_COMPACT_EVERY', '200');

const vector = (i: number): number[] => vectorOf(i, DIM);

function quantile(sorted: number[], q: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!;
}

interface Result {
  ackP50: number;
  ackP99: number;
  doneP50: number;
  doneP99: number;
  writePointsPerSec: number;
  qpsOne: number;
  qpsAll: number;
  /** Seconds until a fresh node joining afterwards caught up (cluster only). */
  catchUp?: number;
}

async function latency(url: string, wait: boolean, base: number): Promise<number[]> {
  const out: number[] = [];
  for (let i = 0; i < WRITES; i++) {
    const t = performance.now();
    await call(url, 'PUT', `/collections/bench/points?wait=${wait}`, { points: [{ id: base + i, vector: vector(base + i), payload: { i } }] });
    out.push(performance.now() - t);
  }
  return out.sort((a, b) => a - b);
}

async function throughput(urls: readonly string[]): Promise<number> {
  const perClient = Math.ceil(POINTS / 10 / CONNECTIONS);
  const t = performance.now();
  await Promise.all(
    Array.from({ length: CONNECTIONS }, async (_, c) => {
      for (let b = 0; b < perClient; b++) {
        const first = 100_000 + (c * perClient + b) * 10;
        const points = Array.from({ length: 10 }, (_, k) => ({ id: first + k, vector: vector(first + k), payload: { c } }));
        await call(urls[c % urls.length]!, 'PUT', '/collections/bench/points?wait=false', { points });
      }
    }),
  );
  return (perClient * CONNECTIONS * 10) / ((performance.now() - t) / 1000);
}

async function qps(urls: readonly string[]): Promise<number> {
  const end = performance.now() + SECONDS * 1000;
  let done = 0;
  await Promise.all(
    Array.from({ length: CONNECTIONS }, async (_, c) => {
      for (let i = c; performance.now() < end; i += CONNECTIONS) {
        await call(urls[i % urls.length]!, 'POST', '/collections/bench/points/search', { vector: vector(i + 7), limit: 10 });
        done++;
      }
    }),
  );
  return done / SECONDS;
}

async function measure(urls: readonly string[], converged: () => Promise<void>): Promise<Result> {
  const ack = await latency(urls[0]!, false, 0);
  const completed = await latency(urls[0]!, true, 10_000);
  const writePointsPerSec = await throughput(urls);
  await converged();
  const qpsOne = await qps(urls.slice(0, 1));
  const qpsAll = await qps(urls);
  return { ackP50: quantile(ack, 0.5), ackP99: quantile(ack, 0.99), doneP50: quantile(completed, 0.5), doneP99: quantile(completed, 0.99), writePointsPerSec, qpsOne, qpsAll };
}

const collection = { vectors: { size: DIM, distance: 'Cosine' }, shard_number: 2, replication_factor: 3 };

async function single(): Promise<Result> {
  const dir = tempDir('quiver-bench-single-');
  const server = await startChildServer(dir);
  try {
    await call(server.url, 'PUT', '/collections/bench', collection);
    return await measure([server.url], () => Promise.resolve());
  } finally {
    await server.stop();
    removeDir(dir);
  }
}

async function clustered(compactEvery: number): Promise<Result> {
  const nats = await startNatsCluster(3);
  const cluster = await startQuiverCluster(nats, 3, () => undefined, { QDRANT__CLUSTER__COMPACTION__EVERY_OPERATIONS: String(compactEvery), QDRANT__CLUSTER__COMPACTION__CHECK_INTERVAL_MS: '1000' });
  try {
    const urls = cluster.nodes.map((n) => n.server.url);
    await call(urls[0]!, 'PUT', '/collections/bench', collection);
    const result = await measure(urls, async () => {
      for (const url of urls) await call(url, 'POST', '/collections/bench/points/count?consistency=all', { exact: true });
    });
    const t = performance.now();
    const fresh = await cluster.add();
    await waitConverged([fresh], 'bench', 600_000);
    return { ...result, catchUp: (performance.now() - t) / 1000 };
  } finally {
    await cluster.stop();
    await nats.stop();
  }
}

const f = (n: number): string => n.toFixed(n < 10 ? 2 : 0);
console.log(`cluster bench: ${cpus().length} cores, load ${loadavg().map((l) => l.toFixed(2)).join(' ')}; ${WRITES} sequential writes per mode, ${POINTS} points in batches of 10 over ${CONNECTIONS} writers, dim ${DIM}, search ${SECONDS} s × ${CONNECTIONS} connections`);
const one = await single();
const three = await clustered(0);
const compacting = await clustered(COMPACT_EVERY);
console.log(`load after: ${loadavg().map((l) => l.toFixed(2)).join(' ')}`);
console.log(`| | single node | 3 nodes (2 shards × R3) | ratio | 3 nodes, compaction every ${COMPACT_EVERY} | ratio to no compaction |`);
console.log('|---|---|---|---|---|---|');
const row = (name: string, a: number, b: number, c: number): void => console.log(`| ${name} | ${f(a)} | ${f(b)} | ${(b / a).toFixed(2)}× | ${f(c)} | ${(c / b).toFixed(2)}× |`);
row('write p50 ms, wait=false (acknowledged)', one.ackP50, three.ackP50, compacting.ackP50);
row('write p99 ms, wait=false', one.ackP99, three.ackP99, compacting.ackP99);
row('write p50 ms, wait=true (completed)', one.doneP50, three.doneP50, compacting.doneP50);
row('write p99 ms, wait=true', one.doneP99, three.doneP99, compacting.doneP99);
row('write throughput, points/s', one.writePointsPerSec, three.writePointsPerSec, compacting.writePointsPerSec);
row('search QPS through node 1', one.qpsOne, three.qpsOne, compacting.qpsOne);
row('search QPS spread over the nodes', one.qpsAll, three.qpsAll, compacting.qpsAll);
console.log(`| fresh 4th node caught up, s (startup included) | — | ${f(three.catchUp!)} | — | ${f(compacting.catchUp!)} | ${(compacting.catchUp! / three.catchUp!).toFixed(2)}× |`);
