/**
 * Latency under slowloris (robustness job, not the default test run): a child server with 200 slow connections
 * held open (tests/support/slow-clients.ts) while a normal client makes reads and writes for QUIVER_SLOW_SECONDS
 * (default 10). Prints the normal client's latency and the server's memory growth, and exits 1 when p99 reaches
 * QUIVER_SLOW_P99_MS (default 1000 ms) or memory grows by 64 MB or more.
 *
 *   node --import tsx bench/slow-clients.ts
 */
import { join } from 'node:path';
import { startChildServer, tempDir, removeDir } from '../tests/support/app.js';
import { holdSlowClients, MB, rss } from '../tests/support/slow-clients.js';

const SECONDS = Number(process.env['QUIVER_SLOW_SECONDS'] ?? 10);
const P99_LIMIT_MS = Number(process.env['QUIVER_SLOW_P99_MS'] ?? 1000);
const H = { 'content-type': 'application/json' };

async function timed(url: string, method: string, body?: unknown): Promise<number> {
  const t = performance.now();
  const r = await fetch(url, { method, headers: H, ...(body === undefined ? {} : { body: JSON.stringify(body) }) });
  await r.arrayBuffer();
  if (r.status !== 200) throw new Error(`${method} ${url}: ${r.status}`);
  return performance.now() - t;
}

async function main(): Promise<number> {
  const dir = tempDir('quiver-bench-slow-');
  const server = await startChildServer(dir, { QDRANT__STORAGE__STORAGE_PATH: join(dir, 'storage'), QDRANT__SERVICE__MAX_REQUEST_SIZE_MB: '1' });
  try {
    await timed(`${server.url}/collections/s`, 'PUT', { vectors: { size: 4, distance: 'Dot' } });
    await timed(`${server.url}/collections/s/points?wait=true`, 'PUT', { points: Array.from({ length: 100 }, (_, i) => ({ id: i + 1, vector: [i, 1, 2, 3] })) });
    const baseline = rss(server);
    const slow = await holdSlowClients(server, 's');
    const latencies: number[] = [];
    let peak = rss(server);
    let n = 1000;
    const until = Date.now() + SECONDS * 1000;
    try {
      while (Date.now() < until) {
        latencies.push(
          await timed(`${server.url}/healthz`, 'GET'),
          await timed(`${server.url}/collections/s/points/scroll`, 'POST', { limit: 5 }),
          await timed(`${server.url}/collections/s/points?wait=true`, 'PUT', { points: [{ id: n++, vector: [1, 2, 3, 4] }] }),
          await timed(`${server.url}/collections/s/points/query`, 'POST', { query: [1, 0, 0, 0], limit: 3 }),
        );
        peak = Math.max(peak, rss(server));
      }
    } finally {
      slow.release();
    }
    latencies.sort((a, b) => a - b);
    const p99 = latencies[Math.floor(latencies.length * 0.99)] ?? 0;
    const growth = (peak - baseline) / MB;
    process.stdout.write(
      `${latencies.length} requests in ${SECONDS} s while 200 slow connections hung: p50 ${latencies[Math.floor(latencies.length / 2)]?.toFixed(1)} ms, ` +
        `p99 ${p99.toFixed(1)} ms, max ${latencies.at(-1)?.toFixed(1)} ms; RSS +${growth.toFixed(1)} MB; ${slow.closedByServer()} slow connections closed by the server\n`,
    );
    let failed = 0;
    if (p99 >= P99_LIMIT_MS) failed = (process.stderr.write(`FAIL: p99 ${p99.toFixed(0)} ms ≥ ${P99_LIMIT_MS} ms\n`), 1);
    if (growth >= 64) failed = (process.stderr.write(`FAIL: resident memory grew ${growth.toFixed(1)} MB\n`), 1);
    return failed;
  } finally {
    await server.stop();
    removeDir(dir);
  }
}

process.exitCode = await main();
