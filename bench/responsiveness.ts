/**
 * Responsiveness while indexing: loads N clustered vectors into a child server, then, while the HNSW
 * graph is built in the background (status yellow), polls /healthz and a small read every 20 ms and
 * reports their latency distribution. Target: both answer within 100 ms throughout.
 *
 *   node --import tsx bench/responsiveness.ts [--n=100000] [--dim=128]
 */
import { parseArgs } from 'node:util';
import { cpus } from 'node:os';
import { startChildServer, tempDir, removeDir } from '../tests/support/app.js';
import { ClusteredGenerator, row } from '../tests/fixtures/clustered.js';

const { values } = parseArgs({ options: { n: { type: 'string', default: '100000' }, dim: { type: 'string', default: '128' } } });
const N = Number(values.n);
const DIM = Number(values.dim);
const H = { 'content-type': 'application/json' };

function pct(xs: number[], p: number): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))] ?? NaN;
}

async function timed(url: string, init?: RequestInit): Promise<number> {
  const t = performance.now();
  const r = await fetch(url, init);
  await r.arrayBuffer();
  if (!r.ok) throw new Error(`${url}: ${r.status}`);
  return performance.now() - t;
}

async function main(): Promise<void> {
  const dir = tempDir('quiver-resp-');
  const server = await startChildServer(dir, { QDRANT__STORAGE__STORAGE_PATH: `${dir}/storage`, QDRANT__LOG_LEVEL: 'ERROR' });
  try {
    await fetch(`${server.url}/collections/big`, { method: 'PUT', headers: H, body: JSON.stringify({ vectors: { size: DIM, distance: 'Cosine' } }) });
    await fetch(`${server.url}/collections/small`, { method: 'PUT', headers: H, body: JSON.stringify({ vectors: { size: 4, distance: 'Dot' } }) });
    await fetch(`${server.url}/collections/small/points?wait=true`, { method: 'PUT', headers: H, body: JSON.stringify({ points: [{ id: 1, vector: [1, 2, 3, 4], payload: { a: 1 } }] }) });
    // Poll from the first upsert on: the builder indexes while points are still arriving.
    let health: number[] = [];
    let reads: number[] = [];
    let polling = true;
    let samples = 0;
    const poller = (async () => {
      while (polling) {
        health.push(await timed(`${server.url}/healthz`));
        reads.push(await timed(`${server.url}/collections/small/points/count`, { method: 'POST', headers: H, body: '{}' }));
        samples++;
        await new Promise((r) => setTimeout(r, 20));
      }
    })();
    const gen = new ClusteredGenerator({ dim: DIM, clusters: 1000, seed: 7 });
    const next = gen.stream(8);
    const v = new Float32Array(DIM);
    const t0 = performance.now();
    for (let i = 0; i < N; i += 2000) {
      const points = [];
      for (let j = i; j < Math.min(N, i + 2000); j++) {
        next(v);
        points.push({ id: j, vector: Array.from(row(v, DIM, 0)) });
      }
      const r = await fetch(`${server.url}/collections/big/points?wait=true`, { method: 'PUT', headers: H, body: JSON.stringify({ points }) });
      if (r.status !== 200) throw new Error(`upsert: ${r.status}`);
    }
    const loadMs = performance.now() - t0;
    const loadHealth = health;
    const loadReads = reads;
    health = [];
    reads = [];
    const buildStart = performance.now();
    let indexed = 0;
    for (;;) {
      const info = (await (await fetch(`${server.url}/collections/big`)).json()) as { result: { status: string; indexed_vectors_count: number } };
      indexed = info.result.indexed_vectors_count;
      if (info.result.status === 'green') break;
      await new Promise((r) => setTimeout(r, 100));
    }
    const buildMs = performance.now() - buildStart;
    polling = false;
    await poller;
    const cpu = cpus();
    process.stdout.write(
      [
        `Run ${new Date().toISOString()} · node ${process.version} · ${cpu.length} × ${cpu[0]?.model ?? '?'}`,
        `Command: \`node --import tsx bench/responsiveness.ts --n=${N} --dim=${DIM}\``,
        '',
        `Loaded ${N} × ${DIM} in ${(loadMs / 1000).toFixed(1)} s over REST while the graph was being built; the build finished ${(buildMs / 1000).toFixed(1)} s after the last upsert (${indexed} vectors indexed). Polled throughout: ${samples} rounds.`,
        '',
        '| phase | request | median | p99 | max |',
        '|---|---|---|---|---|',
        ...(
          [
            ['load (2000-point upserts arriving, graph building)', loadHealth, loadReads],
            ['build only (after the last upsert)', health, reads],
          ] as const
        ).flatMap(([phase, h, r]) => [
          `| ${phase} | GET /healthz | ${pct(h, 50).toFixed(1)} ms | ${pct(h, 99).toFixed(1)} ms | ${Math.max(...h).toFixed(1)} ms |`,
          `| ${phase} | POST …/points/count (small collection) | ${pct(r, 50).toFixed(1)} ms | ${pct(r, 99).toFixed(1)} ms | ${Math.max(...r).toFixed(1)} ms |`,
        ]),
        '',
      ].join('\n'),
    );
  } finally {
    await server.stop();
    removeDir(dir);
  }
}

await main();
