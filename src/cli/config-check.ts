/**
 * `quiver config check`: loads and validates the configuration exactly as the server would (files, `--config-path`,
 * `QDRANT__*` variables, startup security rules), prints every warning to stderr and the effective configuration
 * as YAML to stdout with secrets redacted. Exit 0 when the server would start with it, 2 when it would not.
 */
import { stringify } from 'yaml';
import { ConfigError } from '../config/config-error.js';
import { compatWarnings } from '../config/compat-keys.js';
import { CONFIG_SCHEMA, type Config } from '../config/schema.js';
import type { AnySection } from '../config/spec.js';
import { checkStartup } from '../auth/startup-checks.js';
import { EXIT } from './args.js';
import { readConfig, type CliIo } from './io.js';

export const REDACTED = '<redacted>';

/** A plain copy of `config` with every secret-typed value that is set replaced by {@link REDACTED}. */
export function redactSecrets(config: Config): Record<string, unknown> {
  const walk = (value: unknown, spec: AnySection): Record<string, unknown> => {
    const out: Record<string, unknown> = {};
    for (const [key, v] of Object.entries(value as Record<string, unknown>)) {
      const node = spec.fields[key];
      if (node?.kind === 'section' && v !== null && typeof v === 'object') out[key] = walk(v, node);
      else out[key] = node?.kind === 'leaf' && node.secret === true && v !== null ? REDACTED : structuredClone(v);
    }
    return out;
  };
  return walk(config, CONFIG_SCHEMA);
}

export function configCheck(options: { configPath?: string | undefined }, io: CliIo): number {
  const warnings: string[] = [];
  let config: Config;
  try {
    config = readConfig(options.configPath, (m) => warnings.push(m));
  } catch (e) {
    for (const w of warnings) io.err(`warning: ${w}`);
    if (e instanceof ConfigError) {
      io.err(`error: configuration: ${e.message}`);
      return EXIT.usage;
    }
    throw e;
  }
  const report = checkStartup(config);
  for (const w of [...warnings, ...compatWarnings(config).map((w) => w.replace(/^config: /, '')), ...report.warnings]) io.err(`warning: ${w}`);
  io.out(stringify(redactSecrets(config)).trimEnd());
  if (report.fatal !== undefined) {
    io.err(`error: the server would refuse to start: ${report.fatal}`);
    return EXIT.usage;
  }
  io.err('configuration OK');
  return EXIT.ok;
}
