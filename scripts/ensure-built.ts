/**
 * `npm start`'s pre-step: compiles `src/` into `dist/` only when `dist/` is missing or older than a source
 * file or a compiler setting, so a restart costs milliseconds instead of a full `tsc` run.
 * Usage: `node --import tsx scripts/ensure-built.ts` (exit status of `tsc` on failure).
 */
import { spawnSync } from 'node:child_process';
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const OUTPUT = join(ROOT, 'dist', 'src', 'main.js');
const INPUTS = ['src', 'package.json', 'tsconfig.json', 'tsconfig.build.json'];

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

const built = newest(OUTPUT);
const sources = Math.max(...INPUTS.map((p) => newest(join(ROOT, p))));
if (built === 0 || sources > built) {
  process.stderr.write(built === 0 ? 'quiver: building dist/ (first start)\n' : 'quiver: sources changed since the last build: rebuilding dist/\n');
  const tsc = spawnSync(process.execPath, [join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', join(ROOT, 'tsconfig.build.json')], { stdio: 'inherit' });
  process.exit(tsc.status ?? 1);
}
