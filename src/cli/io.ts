/** What every subcommand gets: its output streams, and the one way to read the configuration. */
import { loadConfig, type ConfigOverrides } from '../config/load.js';
import type { Config } from '../config/schema.js';

/** Standard output and error, one call per line. */
export interface CliIo {
  readonly out: (line: string) => void;
  readonly err: (line: string) => void;
}

/** The process's own streams. */
export const PROCESS_IO: CliIo = {
  out: (line) => void process.stdout.write(`${line}\n`),
  err: (line) => void process.stderr.write(`${line}\n`),
};

/** Loads the configuration as the server does: config/ files under the working directory, `--config-path`, `QDRANT__*`. */
export function readConfig(configPath: string | undefined, warn: (m: string) => void, overrides?: ConfigOverrides, onFile?: (path: string) => void): Config {
  return loadConfig({ cwd: process.cwd(), env: process.env, configPath, warn, overrides, onFile });
}
