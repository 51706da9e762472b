/**
 * How long one durable write takes on the disk under a directory — the wait an audited request cannot avoid
 * (its line must be on disk before its response). Three ways, interleaved so they see the same disk load:
 * - `append O_DSYNC`: what the audit sink does (an append to a file opened with O_DSYNC; each append changes the
 *   file size, so each one is also a journal commit on ext4);
 * - `overwrite O_DSYNC`: the same bytes written over a region written (and synced) beforehand, so the size and the
 *   block map never change: no journal commit, only the data and the device's cache flush. If this were much
 *   faster, preallocating the log would pay; if not, the device flush is the wait;
 * - `write + fdatasync`: two calls, the sink's fallback where O_DSYNC is missing.
 * Then the CPU one `O_DSYNC` append costs this process (`process.cpuUsage`, all threads), made synchronously and
 * through the thread pool as the sink makes it (its wake-ups included).
 *
 *   node --import tsx bench/sync-latency.ts [--dir .tmp] [--n 200]
 */
import { closeSync, constants, fdatasyncSync, mkdtempSync, openSync, rmSync, write, writeSync } from 'node:fs';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';

const { values } = parseArgs({ options: { dir: { type: 'string', default: '.tmp' }, n: { type: 'string', default: '200' } }, strict: true });
const n = Number(values.n);
const dir = mkdtempSync(join(values.dir, 'sync-latency-'));
const LINE = 300;
const line = Buffer.from(`${'x'.repeat(LINE - 1)}\n`);
const { O_WRONLY, O_CREAT, O_APPEND, O_DSYNC, O_RDWR } = constants;
try {
  const append = openSync(join(dir, 'append'), O_WRONLY | O_CREAT | O_APPEND | O_DSYNC, 0o600);
  const prepared = openSync(join(dir, 'overwrite'), O_RDWR | O_CREAT, 0o600);
  const zeros = Buffer.alloc(n * LINE);
  writeSync(prepared, zeros, 0, zeros.length, 0);
  fdatasyncSync(prepared);
  closeSync(prepared);
  const overwrite = openSync(join(dir, 'overwrite'), O_WRONLY | O_DSYNC);
  const plain = openSync(join(dir, 'plain'), O_WRONLY | O_CREAT | O_APPEND, 0o600);
  const times: Record<string, number[]> = { 'append O_DSYNC': [], 'overwrite O_DSYNC': [], 'write + fdatasync': [] };
  const time = (name: string, fn: () => void): void => {
    const t0 = process.hrtime.bigint();
    fn();
    times[name]!.push(Number(process.hrtime.bigint() - t0) / 1e3);
  };
  const load0 = loadavg();
  for (let i = 0; i < n; i++) {
    time('append O_DSYNC', () => writeSync(append, line));
    time('overwrite O_DSYNC', () => writeSync(overwrite, line, 0, LINE, i * LINE));
    time('write + fdatasync', () => {
      writeSync(plain, line);
      fdatasyncSync(plain);
    });
  }
  const cpuPerAppend = async (viaPool: boolean): Promise<string> => {
    const rounds = Math.max(20, Math.floor(n / 2));
    const c0 = process.cpuUsage();
    for (let i = 0; i < rounds; i++) {
      if (viaPool) await new Promise<void>((resolve, reject) => write(append, line, (e) => (e === null ? resolve() : reject(e))));
      else writeSync(append, line);
    }
    const c = process.cpuUsage(c0);
    return `${(c.user / rounds).toFixed(0)} µs user + ${(c.system / rounds).toFixed(0)} µs system`;
  };
  const direct = await cpuPerAppend(false);
  const pooled = await cpuPerAppend(true);
  for (const fd of [append, overwrite, plain]) closeSync(fd);
  console.log(`${n} durable writes of ${LINE} bytes each way, interleaved, under ${values.dir}; load ${load0.map((x) => x.toFixed(1)).join(' / ')} → ${loadavg().map((x) => x.toFixed(1)).join(' / ')}`);
  console.log('| write | p50 µs | p90 µs | p99 µs | mean µs |');
  console.log('|---|---|---|---|---|');
  for (const [name, v] of Object.entries(times)) {
    v.sort((a, b) => a - b);
    const q = (p: number): string => v[Math.min(v.length - 1, Math.floor(p * v.length))]!.toFixed(0);
    console.log(`| ${name} | ${q(0.5)} | ${q(0.9)} | ${q(0.99)} | ${(v.reduce((a, b) => a + b, 0) / v.length).toFixed(0)} |`);
  }
  console.log(`CPU per O_DSYNC append: synchronous ${direct}; through the thread pool ${pooled}`);
} finally {
  rmSync(dir, { recursive: true, force: true });
}
