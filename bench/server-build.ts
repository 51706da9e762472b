/**
 * The server a benchmark measures: the build `npm start` runs (`dist/src/main.js`), compiled from the sources
 * when the benchmark starts, so it is never stale. Measured side by side (2026-12-03, 30,000 × 128, ef 64, one
 * search thread, 6 interleaved rounds): the same sources run through tsx answered 10% fewer queries per second
 * with 13% more server CPU per query (esbuild's name-keeping helpers, the loader), so benchmarking the sources
 * understated what users run.
 *
 * Env: BENCH_ENTRY=src runs `src/main.ts` through tsx instead (no build); any other value is an entry path to run.
 */
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { ChildOptions } from '../tests/support/app.js';

const ROOT = join(import.meta.dirname, '..');

/** The server to start, and what to call it in a report. */
export interface ServerEntry {
  /** For `startChildServer`: the entry to run (none = the sources through tsx). */
  readonly options: Pick<ChildOptions, 'entry'>;
  /** What was measured, for the report. */
  readonly label: string;
}

let built: ServerEntry | undefined;

/**
 * Builds the server once per process (tsc, ~10 s) and returns its entry.
 * @throws Error when the build fails or the entry named by BENCH_ENTRY does not exist
 */
export function serverEntry(): ServerEntry {
  const wanted = process.env['BENCH_ENTRY'] ?? '';
  if (wanted === 'src') return { options: {}, label: 'src/main.ts through tsx' };
  if (wanted !== '') {
    if (!existsSync(wanted)) throw new Error(`BENCH_ENTRY ${wanted} does not exist`);
    return { options: { entry: wanted }, label: wanted };
  }
  if (built === undefined) {
    execFileSync(process.execPath, [join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', join(ROOT, 'tsconfig.build.json')], { cwd: ROOT, stdio: 'inherit' });
    built = { options: { entry: join(ROOT, 'dist', 'src', 'main.js') }, label: 'dist/src/main.js (built from this tree by the benchmark)' };
  }
  return built;
}
