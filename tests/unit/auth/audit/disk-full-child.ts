/**
 * Child process of disk-full.test.ts, run under `ulimit -f` so that appends fail part-way with EFBIG like a full
 * disk. Writes 400 events in bursts of 20, then prints what the sink reported, as JSON.
 */
import { JsonlFileSink } from '../../../../src/auth/audit/file-sink.js';

process.on('SIGXFSZ', () => undefined); // get EFBIG from write(2) instead of being killed
const [dir, mode] = process.argv.slice(2) as [string, string];
const warnings: string[] = [];
const sink = new JsonlFileSink({
  dir,
  rotation: 'daily',
  maxLogFiles: 3,
  failClosed: mode === 'closed',
  hmacKey: Buffer.from('disk-full-key'),
  warn: (m) => warnings.push(m),
});
let ok = 0;
let refused = 0;
for (let burst = 0; burst < 20; burst++) {
  const results = await Promise.allSettled(
    Array.from({ length: 20 }, (_, i) =>
      sink.write({ timestamp: '2030-06-01T00:00:00.000Z', api: '/collections', auth_type: 'None', result: 'ok', tracing_id: `${burst}-${i}-${'x'.repeat(60)}` }),
    ),
  );
  for (const r of results) {
    if (r.status === 'fulfilled') ok++;
    else refused++;
  }
}
await sink.close();
process.stdout.write(JSON.stringify({ ok, refused, lost: sink.lostLines, warnings }));
