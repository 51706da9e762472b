/**
 * `npm start`'s pre-step: compiles `src/` into `dist/` and builds the dashboard into `dist/dashboard/` only
 * when either output is missing or older than its sources or settings, so a restart costs milliseconds instead
 * of a full `tsc` / vite run.
 * Usage: `node --import tsx scripts/ensure-built.ts` (exit status of `tsc` on failure).
 */
import { spawnSync } from 'node:child_process';
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const OUTPUT = join('dist', 'src', 'main.js');
const INPUTS = ['src', 'package.json', 'tsconfig.json', 'tsconfig.build.json'];
const DASHBOARD = join('dist', 'dashboard', 'index.html');
const WEB_INPUTS = ['web', 'package.json'];

/** The newest modification time under `path` (a file or a directory tree), in ms; 0 when missing. */
function newest(path: string): number {
  let stat;
  try {
    stat = statSync(path);
  } catch {
    return 0;
  }
  if (!stat.isDirectory()) return stat.mtimeMs;
  let max = stat.mtimeMs;
  for (const name of readdirSync(path)) max = Math.max(max, newest(join(path, name)));
  return max;
}

/** Runs `args` with node when `output` is missing or older than `inputs`; exits with its status on failure. */
function rebuild(what: string, output: string, inputs: readonly string[], args: readonly string[]): void {
  const built = newest(join(ROOT, output));
  const sources = Math.max(...inputs.map((p) => newest(join(ROOT, p))));
  if (built !== 0 && sources <= built) return;
  process.stderr.write(built === 0 ? `quiver: building ${what} (first start)\n` : `quiver: sources changed since the last build: rebuilding ${what}\n`);
  const run = spawnSync(process.execPath, args, { stdio: 'inherit', cwd: ROOT });
  if (run.status !== 0) process.exit(run.status ?? 1);
}

rebuild('dist/', OUTPUT, INPUTS, [join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', join(ROOT, 'tsconfig.build.json')]);
rebuild('the dashboard', DASHBOARD, WEB_INPUTS, [join(ROOT, 'node_modules', 'vite', 'bin', 'vite.js'), 'build', '--config', join(ROOT, 'web', 'vite.config.mjs')]);
