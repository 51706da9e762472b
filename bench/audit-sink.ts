/**
 * Audit file sink micro-benchmark: durable events per second with group commit (the default) and without it
 * (`maxBatch: 1`, one append + fdatasync per event), at several concurrencies. Each of C workers writes an event
 * and waits for it to be durable before writing the next — like C requests in flight whose responses are held
 * until their audit line is on disk.
 *
 *   node --import tsx bench/audit-sink.ts [--seconds 3] [--dir /path/on/the/disk/to/test]
 *   node --import tsx bench/audit-sink.ts --seconds 2 --compare /path/to/an/older/checkout   # before / after
 *
 * `--compare` loads that checkout's `src/auth/audit/` next to this one and runs both, interleaved (A, B, B, A, …),
 * at 16 and 64 writers: events/s, CPU µs per event (process: event loop + thread pool) and event-loop busy µs per
 * event (`eventLoopUtilization`: what a server's other requests wait for, synchronous file writes included).
 *
 * Also prints the CPU time per event (sealing: JSON, HMAC; plus the I/O calls and their kernel time), which is what
 * audit costs a server that is CPU-bound on small queries: cost ≈ CPU µs/event × requests/s.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import type { AuditEvent } from '../src/auth/audit-event.js';
import { GENESIS, sealLine } from '../src/auth/audit/chain.js';
import { JsonlFileSink } from '../src/auth/audit/file-sink.js';

const { values } = parseArgs({
  options: { seconds: { type: 'string', default: '3' }, dir: { type: 'string' }, compare: { type: 'string' }, rounds: { type: 'string', default: '3' } },
  strict: true,
});
const seconds = Number(values.seconds);
const base = values.dir ?? tmpdir();

const event = (i: number): AuditEvent => ({
  timestamp: new Date().toISOString(),
  method: 'search_points',
  api: '/collections/{collection_name}/points/search',
  auth_type: 'ApiKey',
  key_name: 'ci',
  remote: '10.1.2.3',
  collection: 'docs',
  tracing_id: `req-${i}`,
  result: 'ok',
});

interface Result {
  readonly events: number;
  readonly elapsedS: number;
  readonly loopBusyUs: number;
  readonly eventsPerSecond: number;
  readonly meanBatch: number;
  readonly p50Ms: number;
  readonly p99Ms: number;
  readonly cpuUsPerEvent: number;
}

type SinkClass = typeof JsonlFileSink;

async function run(concurrency: number, maxBatch: number | undefined, Sink: SinkClass = JsonlFileSink): Promise<Result> {
  const dir = mkdtempSync(join(base, 'quiver-audit-bench-'));
  const sink = new Sink({
    dir,
    rotation: 'daily',
    maxLogFiles: 7,
    failClosed: true,
    hmacKey: Buffer.alloc(32, 7),
    ...(maxBatch === undefined ? {} : { maxBatch }),
  });
  await sink.open();
  const latencies: number[] = [];
  let n = 0;
  const deadline = performance.now() + seconds * 1000;
  const cpu0 = process.cpuUsage();
  const elu0 = performance.eventLoopUtilization();
  const t0 = performance.now();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (performance.now() < deadline) {
        const start = performance.now();
        await sink.write(event(n++));
        latencies.push(performance.now() - start);
      }
    }),
  );
  const elapsed = (performance.now() - t0) / 1000;
  const cpu = process.cpuUsage(cpu0);
  const elu = performance.eventLoopUtilization(elu0);
  await sink.close();
  rmSync(dir, { recursive: true, force: true });
  latencies.sort((a, b) => a - b);
  const pct = (p: number): number => latencies[Math.min(latencies.length - 1, Math.floor(p * latencies.length))] ?? 0;
  return {
    events: latencies.length,
    elapsedS: elapsed,
    loopBusyUs: elu.active * 1000,
    eventsPerSecond: latencies.length / elapsed,
    meanBatch: latencies.length / Math.max(1, sink.appendCount),
    p50Ms: pct(0.5),
    p99Ms: pct(0.99),
    cpuUsPerEvent: (cpu.user + cpu.system) / latencies.length,
  };
}

const fmt = (r: Result): string =>
  `${Math.round(r.eventsPerSecond).toLocaleString('en-US').padStart(9)} ev/s  batch ${r.meanBatch.toFixed(1).padStart(6)}  ` +
  `p50 ${r.p50Ms.toFixed(2).padStart(6)} ms  p99 ${r.p99Ms.toFixed(2).padStart(6)} ms  cpu ${r.cpuUsPerEvent.toFixed(1).padStart(6)} µs/ev`;

/** CPU cost of turning an event into a chained line, without I/O. */
function sealCost(): number {
  const key = Buffer.alloc(32, 7);
  let state = GENESIS;
  const n = 200_000;
  const t0 = performance.now();
  for (let i = 0; i < n; i++) state = sealLine(key, state, event(i), false).state;
  return ((performance.now() - t0) * 1000) / n;
}

/** Before / after: this checkout's sink against `dir`'s, interleaved. */
async function compare(dir: string): Promise<void> {
  const { JsonlFileSink: Baseline } = (await import(join(dir, 'src/auth/audit/file-sink.ts'))) as { JsonlFileSink: SinkClass };
  const rounds = Number(values.rounds);
  console.log(`audit sink, this checkout vs ${dir}: ${rounds} interleaved rounds of ${seconds} s per sink and concurrency, files under ${base}`);
  console.log('| writers | sink | events/s | mean batch | CPU µs/event (process) | event-loop busy µs/event | p50 / p99 ms |');
  console.log('|---|---|---|---|---|---|---|');
  await run(8, undefined);
  await run(8, undefined, Baseline);
  for (const concurrency of [16, 64]) {
    const sum = new Map<string, { events: number; s: number; cpu: number; loop: number; batches: number; p50: number[]; p99: number[] }>();
    for (let r = 0; r < rounds; r++) {
      const order: Array<[string, SinkClass]> = [['this checkout', JsonlFileSink], ['baseline', Baseline]];
      if (r % 2 === 1) order.reverse();
      for (const [name, Sink] of order) {
        const x = await run(concurrency, undefined, Sink);
        const acc = sum.get(name) ?? { events: 0, s: 0, cpu: 0, loop: 0, batches: 0, p50: [], p99: [] };
        acc.events += x.events;
        acc.s += x.elapsedS;
        acc.cpu += x.cpuUsPerEvent * x.events;
        acc.loop += x.loopBusyUs;
        acc.batches += x.events / x.meanBatch;
        acc.p50.push(x.p50Ms);
        acc.p99.push(x.p99Ms);
        sum.set(name, acc);
      }
    }
    for (const [name, a] of [...sum].sort()) {
      const med = (xs: number[]): number => [...xs].sort((p, q) => p - q)[Math.floor(xs.length / 2)]!;
      console.log(
        `| ${concurrency} | ${name} | ${Math.round(a.events / a.s)} | ${(a.events / a.batches).toFixed(1)} | ${(a.cpu / a.events).toFixed(1)} | ${(a.loop / a.events).toFixed(1)} | ${med(a.p50).toFixed(2)} / ${med(a.p99).toFixed(2)} |`,
      );
    }
  }
}

if (values.compare !== undefined) {
  await compare(values.compare);
} else {
  console.log(`audit sink: durable writes for ${seconds} s each, files under ${base}`);
  sealCost();
  console.log(`sealing (JSON + HMAC-SHA256), no I/O: ${sealCost().toFixed(2)} µs/event`);
  await run(8, undefined); // warm-up: JIT, first file
  for (const concurrency of [1, 16, 64, 256]) {
    const grouped = await run(concurrency, undefined);
    const single = await run(concurrency, 1);
    console.log(`C=${String(concurrency).padEnd(4)} group commit   ${fmt(grouped)}`);
    console.log(`C=${String(concurrency).padEnd(4)} one sync/event ${fmt(single)}  → group commit ×${(grouped.eventsPerSecond / single.eventsPerSecond).toFixed(1)}`);
  }
}
