/**
 * REST benchmarks over loopback with autocannon, servers as child processes (as deployed):
 * - audit overhead: the same small queries against a server with the audit log off and one with it on
 *   (lossless, fsync'd group commits), interleaved rounds, medians and the ratio.
 *
 *   node --import tsx bench/http.ts [--seconds=10] [--rounds=3] [--connections=16]
 */
import autocannon from 'autocannon';
import { parseArgs } from 'node:util';
import { cpus } from 'node:os';
import { startChildServer, tempDir, removeDir, type ChildServer } from '../tests/support/app.js';

const { values } = parseArgs({
  options: {
    seconds: { type: 'string', default: '10' },
    rounds: { type: 'string', default: '3' },
    connections: { type: 'string', default: '16' },
  },
});
const SECONDS = Number(values.seconds);
const ROUNDS = Number(values.rounds);
const CONNECTIONS = Number(values.connections);
const KEY = 'bench-admin-key-0123456789abcdef0123456789';
const DIM = 16;

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 === 1 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

async function prepare(server: ChildServer): Promise<void> {
  const h = { 'content-type': 'application/json', 'api-key': KEY };
  await fetch(`${server.url}/collections/bench`, { method: 'PUT', headers: h, body: JSON.stringify({ vectors: { size: DIM, distance: 'Cosine' } }) });
  let seed = 1;
  const rnd = (): number => ((seed = (seed * 16807) % 2147483647) / 2147483647) * 2 - 1;
  const points = Array.from({ length: 1000 }, (_, i) => ({ id: i, vector: Array.from({ length: DIM }, rnd), payload: { g: i % 10 } }));
  const r = await fetch(`${server.url}/collections/bench/points?wait=true`, { method: 'PUT', headers: h, body: JSON.stringify({ points }) });
  if (r.status !== 200) throw new Error(`upsert failed: ${r.status}`);
}

async function run(server: ChildServer, path: string, body: unknown): Promise<{ rps: number; p99: number; errors: number }> {
  const result = await autocannon({
    url: `${server.url}${path}`,
    method: 'POST',
    connections: CONNECTIONS,
    duration: SECONDS,
    headers: { 'content-type': 'application/json', 'api-key': KEY },
    body: JSON.stringify(body),
  });
  return { rps: result.requests.average, p99: result.latency.p99, errors: result.errors + result.non2xx };
}

async function main(): Promise<void> {
  const dirs = [tempDir('quiver-bench-off-'), tempDir('quiver-bench-on-')];
  const common = { QDRANT__SERVICE__API_KEY: KEY, QDRANT__LOG_LEVEL: 'ERROR' };
  const off = await startChildServer(dirs[0]!, { ...common, QDRANT__STORAGE__STORAGE_PATH: `${dirs[0]}/storage` });
  const on = await startChildServer(dirs[1]!, { ...common, QDRANT__STORAGE__STORAGE_PATH: `${dirs[1]}/storage`, QDRANT__AUDIT__ENABLED: 'true', QDRANT__AUDIT__DIR: `${dirs[1]}/audit` });
  try {
    await prepare(off);
    await prepare(on);
    const workloads: Array<[string, string, unknown]> = [
      ['count (filter)', '/collections/bench/points/count', { filter: { must: [{ key: 'g', match: { value: 3 } }] } }],
      ['query k=10 (1k × 16d, exact)', '/collections/bench/points/query', { query: Array.from({ length: DIM }, (_, i) => (i % 3) - 1), limit: 10 }],
    ];
    const rows: string[] = [];
    for (const [name, path, body] of workloads) {
      const offRps: number[] = [];
      const onRps: number[] = [];
      const offP99: number[] = [];
      const onP99: number[] = [];
      let errors = 0;
      for (let i = 0; i < ROUNDS; i++) {
        // Interleave so drift on a shared machine hits both sides alike.
        for (const [server, rps, p99] of i % 2 === 0 ? ([[off, offRps, offP99], [on, onRps, onP99]] as const) : ([[on, onRps, onP99], [off, offRps, offP99]] as const)) {
          const r = await run(server, path, body);
          rps.push(r.rps);
          p99.push(r.p99);
          errors += r.errors;
        }
      }
      const a = median(offRps);
      const b = median(onRps);
      rows.push(`| ${name} | ${a.toFixed(0)} | ${b.toFixed(0)} | ${(b / a).toFixed(3)} (${(((b - a) / a) * 100).toFixed(1)}%) | ${median(offP99)} / ${median(onP99)} ms | ${errors} |`);
    }
    const cpu = cpus();
    process.stdout.write(
      [
        `Run ${new Date().toISOString()} · node ${process.version} · ${cpu.length} × ${cpu[0]?.model ?? '?'}`,
        `Command: \`node --import tsx bench/http.ts ${process.argv.slice(2).join(' ')}\` (${CONNECTIONS} connections, ${SECONDS} s per run, median of ${ROUNDS} interleaved runs, API key auth on both)`,
        '',
        '| workload | RPS audit off | RPS audit on | on / off | p99 off / on | errors |',
        '|---|---|---|---|---|---|',
        ...rows,
        '',
      ].join('\n'),
    );
  } finally {
    await off.stop();
    await on.stop();
    for (const d of dirs) removeDir(d);
  }
}

await main();
