import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { after } from 'node:test';
import { loadConfig } from '../../../src/config/load.js';
import type { LoadOptions } from '../../../src/config/load.js';
import type { Config } from '../../../src/config/schema.js';

const dirs: string[] = [];
after(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

/** A fresh temporary working directory, removed after the test file. */
export function tempCwd(): string {
  const dir = mkdtempSync(join(tmpdir(), 'quiver-config-'));
  dirs.push(dir);
  return dir;
}

/** Writes `text` to `cwd/relative`, creating directories. Returns the absolute path. */
export function writeFile(cwd: string, relative: string, text: string): string {
  const file = join(cwd, relative);
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(file, text);
  return file;
}

/** Loads with an empty environment by default and collects warnings. */
export function load(options: Partial<LoadOptions> & { cwd: string }): { config: Config; warnings: string[] } {
  const warnings: string[] = [];
  const config = loadConfig({ env: {}, ...options, warn: (message) => warnings.push(message) });
  return { config, warnings };
}

/** Loads in an empty temp dir with the given environment. */
export function loadEnv(env: Record<string, string>): { config: Config; warnings: string[] } {
  return load({ cwd: tempCwd(), env });
}
