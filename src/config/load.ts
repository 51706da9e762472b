/**
 * Loads the configuration once at startup, the way Qdrant does:
 *
 * 1. built-in defaults (`DEFAULT_CONFIG`)
 * 2. `config/config.yaml`, 3. `config/$RUN_MODE.yaml` (RUN_MODE defaults to `development`, as in Qdrant),
 *    4. `config/local.yaml` — all under `cwd`, each optional (`.yml` also accepted)
 * 5. `--config-path FILE` (must exist)
 * 6. environment variables `QDRANT__SECTION__KEY=value` (`QDRANT__STORAGE__HNSW_INDEX__M=32`), coerced to the
 *    key's type
 * 7. `overrides` from the caller (CLI flags such as `--disable-telemetry`)
 *
 * Every value is validated as it is read; a bad value or unreadable file throws {@link ConfigError}. Unknown keys
 * only warn. The result has paths resolved against `cwd` and is deeply frozen.
 */
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { LineCounter, parseDocument } from 'yaml';
import { ConfigError } from './config-error.js';
import { deepFreeze } from './freeze.js';
import { CONFIG_SCHEMA, DEFAULT_CONFIG } from './schema.js';
import type { Config, ConfigData } from './schema.js';
import { INVALID, describeValue, isMapping } from './spec.js';
import { closest } from './did-you-mean.js';
import type { AnyLeaf, AnyNode, AnySection } from './spec.js';

export { ConfigError };

/** A partial config applied last, through the same validation (e.g. CLI flags). */
export type ConfigOverrides = DeepPartial<ConfigData>;

/** `T` with every property optional, recursively (arrays are replaced whole). */
export type DeepPartial<T> = T extends readonly unknown[]
  ? T
  : T extends object
    ? { [K in keyof T]?: DeepPartial<T[K]> }
    : T;

/** Inputs of {@link loadConfig}. The loader reads no global state: the environment is passed in. */
export interface LoadOptions {
  /** Directory that `config/*.yaml` and relative paths (config values, `configPath`) are resolved against. */
  cwd: string;
  /** The environment (`process.env` in `main.ts`): `RUN_MODE` and `QDRANT__*` variables are read from it. */
  env: Readonly<Record<string, string | undefined>>;
  /** `--config-path`: a YAML file applied after the `config/` files; it must exist. */
  configPath?: string | undefined;
  /** Receives warnings (unknown keys, unsafe settings). Default: `process.emitWarning`. */
  warn?: (message: string) => void;
  /** Applied last, validated like any layer. */
  overrides?: ConfigOverrides | undefined;
  /** Told each configuration file that was read, in order (for the startup banner). */
  onFile?: ((path: string) => void) | undefined;
}

/** Qdrant's default `RUN_MODE`. */
const DEFAULT_RUN_MODE = 'development';
const ENV_PREFIX = 'QDRANT__';
const LAYER_EXTENSIONS = ['.yaml', '.yml'] as const;

const ROOT = CONFIG_SCHEMA as unknown as AnySection;

type Tree = Record<string, unknown>;
type Warn = (message: string) => void;

/** Where a value came from, for messages: `in /etc/quiver.yaml`, `from environment variable QDRANT__…`. */
interface Source {
  readonly label: string;
  readonly fromEnv: boolean;
}

/**
 * Builds the configuration from defaults, files, environment and overrides (see the module comment).
 *
 * @returns the validated config, deeply frozen, with paths absolute
 * @throws {@link ConfigError} on an unreadable or invalid file, a bad value or contradictory settings; the
 *   message starts with the key path (`service.http_port: …`) or the file (`config file /x.yaml: …`)
 * @example
 * const config = loadConfig({ cwd: process.cwd(), env: process.env, configPath: args['config-path'] });
 */
export function loadConfig(options: LoadOptions): Config {
  const warn = options.warn ?? ((message: string): void => process.emitWarning(message, 'QuiverConfigWarning'));
  const cwd = resolve(options.cwd);
  const tree = structuredClone(DEFAULT_CONFIG) as unknown as Tree;

  const layerNames = [...new Set(['config', runModeOf(options.env), 'local'])];
  for (const name of layerNames) {
    const file = readLayerFile(join(cwd, 'config', name));
    if (file !== undefined) {
      options.onFile?.(file.path);
      applyFile(tree, file.path, file.text, warn);
    }
  }

  if (options.configPath !== undefined) {
    if (options.configPath.trim() === '') throw new ConfigError('--config-path', 'expected a file path, got ""');
    const file = resolve(cwd, options.configPath);
    const text = readRequired(file);
    options.onFile?.(file);
    applyFile(tree, file, text, warn);
  }

  applyEnv(tree, options.env, warn);

  if (options.overrides !== undefined) {
    applyMapping(tree, options.overrides, ROOT, '', { label: 'in overrides', fromEnv: false }, warn);
  }

  // Every key was validated as it was set; the tree now has exactly the shape of ConfigData.
  const config = tree as unknown as ConfigData;
  checkConsistency(config, warn);
  resolvePaths(tree, ROOT, cwd);
  return deepFreeze(config);
}

function runModeOf(env: LoadOptions['env']): string {
  const mode = env['RUN_MODE'];
  if (mode === undefined || mode.trim() === '') return DEFAULT_RUN_MODE;
  if (/[/\\]/.test(mode) || mode === '.' || mode === '..' || mode.includes('\0')) {
    throw new ConfigError('RUN_MODE', `expected a file name without path separators, got ${describeValue(mode)}`);
  }
  return mode;
}

function errnoCode(error: unknown): string {
  if (typeof error === 'object' && error !== null && 'code' in error && typeof error.code === 'string') {
    return error.code;
  }
  return 'unknown error';
}

function fileError(file: string, problem: string, cause?: unknown): ConfigError {
  return new ConfigError(`config file ${file}`, problem, { cause });
}

/** Reads `base.yaml` or `base.yml`; a missing file is skipped, any other read error is fatal. */
function readLayerFile(base: string): { path: string; text: string } | undefined {
  for (const extension of LAYER_EXTENSIONS) {
    const file = base + extension;
    try {
      return { path: file, text: readFileSync(file, 'utf8') };
    } catch (error) {
      const code = errnoCode(error);
      if (code === 'ENOENT' || code === 'ENOTDIR') continue;
      throw fileError(file, `cannot read (${code})`, error);
    }
  }
  return undefined;
}

function readRequired(file: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch (error) {
    throw fileError(file, `cannot read (${errnoCode(error)})`, error);
  }
}

function applyFile(tree: Tree, file: string, text: string, warn: Warn): void {
  const lines = new LineCounter();
  const doc = parseDocument(text.replace(/^\uFEFF/, ''), { prettyErrors: false, uniqueKeys: true, lineCounter: lines });
  const [first] = doc.errors;
  if (first !== undefined) {
    // `file:line:column`, as editors and terminals link it.
    const at = lines.linePos(first.pos[0]);
    throw fileError(`${file}:${at.line}:${at.col}`, `invalid YAML: ${first.message.split('\n')[0] ?? ''}`, first);
  }
  for (const warning of doc.warnings) warn(`config file ${file}: ${warning.message.split('\n')[0] ?? ''}`);
  let value: unknown;
  try {
    value = doc.toJS({ maxAliasCount: 100 });
  } catch (error) {
    throw fileError(file, `invalid YAML: ${error instanceof Error ? error.message : String(error)}`, error);
  }
  if (value === null || value === undefined) return; // empty file, or only comments
  if (!isMapping(value)) throw fileError(file, `expected a mapping at the top level, got ${describeValue(value)}`);
  applyMapping(tree, value, ROOT, '', { label: `in ${file}`, fromEnv: false }, warn);
}

function joinPath(prefix: string, key: string): string {
  return prefix === '' ? key : `${prefix}.${key}`;
}

function lookup(spec: AnySection, rawKey: string): { key: string; node: AnyNode } | undefined {
  const key = spec.aliases !== undefined && Object.hasOwn(spec.aliases, rawKey) ? spec.aliases[rawKey] ?? rawKey : rawKey;
  const node = Object.hasOwn(spec.fields, key) ? spec.fields[key] : undefined;
  return node === undefined ? undefined : { key, node };
}

/**
 * Warns about an unknown key; `at` is the unknown part's path, whose last segment is compared with the keys
 * of `spec` (its section) for a did-you-mean.
 */
function unknownKey(keyPath: string, at: string, spec: AnySection | undefined, source: Source, warn: Warn): void {
  const dot = at.lastIndexOf('.');
  const near = spec === undefined ? undefined : closest(at.slice(dot + 1), [...Object.keys(spec.fields), ...Object.keys(spec.aliases ?? {})]);
  const hint = near === undefined ? '' : `; did you mean ${at.slice(0, dot + 1)}${near}?`;
  warn(`unknown config key ${keyPath} (${source.label}); ignored${hint}`);
}

/** Applies one layer's mapping onto the section `tree`, validating every value. */
function applyMapping(tree: Tree, raw: Tree, spec: AnySection, prefix: string, source: Source, warn: Warn): void {
  for (const [rawKey, value] of Object.entries(raw)) {
    if (value === undefined) continue; // only from `overrides` (`{ telemetry_disabled: flag ? true : undefined }`)
    const keyPath = joinPath(prefix, rawKey);
    const found = lookup(spec, rawKey);
    if (found === undefined) {
      unknownKey(keyPath, keyPath, spec, source, warn);
    } else if (found.node.kind === 'leaf') {
      tree[found.key] = coerceLeaf(found.node, value, keyPath, source, warn);
    } else {
      applySection(tree, found.key, value, found.node, keyPath, source, warn);
    }
  }
}

function applySection(
  parent: Tree, key: string, value: unknown, spec: AnySection, keyPath: string, source: Source, warn: Warn,
): void {
  let raw = value;
  if (source.fromEnv && typeof value === 'string') {
    const text = value.trim();
    if (text === '' || text.toLowerCase() === 'null') {
      raw = null;
    } else {
      try {
        raw = JSON.parse(text) as unknown;
      } catch {
        throw new ConfigError(keyPath, `expected a JSON object, got ${describeValue(value)} (${source.label})`);
      }
    }
  }
  if (raw === null || raw === undefined) {
    if (spec.template !== undefined) {
      parent[key] = null;
      return;
    }
    // In YAML, `section:` with all its keys commented out is an empty mapping, not an error.
    if (!source.fromEnv) return;
  }
  if (!isMapping(raw)) {
    throw new ConfigError(keyPath, `expected a mapping, got ${describeValue(raw)} (${source.label})`);
  }
  applyMapping(sectionTree(parent, key, spec), raw, spec, keyPath, source, warn);
}

/** The section object at `parent[key]`, created from the template when a nullable section is still null. */
function sectionTree(parent: Tree, key: string, spec: AnySection): Tree {
  const current = parent[key];
  if (isMapping(current)) return current;
  const fresh = structuredClone(spec.template) as Tree;
  parent[key] = fresh;
  return fresh;
}

function coerceLeaf(spec: AnyLeaf, value: unknown, keyPath: string, source: Source, warn: Warn): unknown {
  if (spec.secret === true && typeof value === 'string' && value.trim() === '') {
    warn(`${keyPath} is an empty string (${source.label}); treating it as unset`);
  }
  const coerced = spec.coerce(value, source.fromEnv);
  if (coerced === INVALID) {
    throw new ConfigError(
      keyPath,
      `expected ${spec.expected}, got ${describeValue(value, spec.secret === true)} (${source.label})`,
    );
  }
  return coerced;
}

/**
 * `QDRANT__SERVICE__HTTP_PORT=7000` sets `service.http_port`. Segments are separated by `__` and lower-cased;
 * the prefix is matched case-insensitively, as Qdrant's `config` crate does. Shallower keys apply first, so a
 * whole section given as JSON is refined by deeper variables.
 */
function applyEnv(tree: Tree, env: LoadOptions['env'], warn: Warn): void {
  const entries: { name: string; segments: string[]; value: string }[] = [];
  for (const [name, value] of Object.entries(env)) {
    if (value === undefined || !name.toUpperCase().startsWith(ENV_PREFIX)) continue;
    entries.push({ name, segments: name.slice(ENV_PREFIX.length).toLowerCase().split('__'), value });
  }
  entries.sort((a, b) => a.segments.length - b.segments.length || (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));

  for (const { name, segments, value } of entries) {
    const source: Source = { label: `from environment variable ${name}`, fromEnv: true };
    const keyPath = segments.join('.');
    let spec = ROOT;
    let target = tree;
    let prefix = '';
    for (const [index, segment] of segments.entries()) {
      const found = lookup(spec, segment);
      const last = index === segments.length - 1;
      const here = joinPath(prefix, segment);
      if (found === undefined || (found.node.kind === 'leaf' && !last)) {
        unknownKey(keyPath, here, found === undefined ? spec : undefined, source, warn);
        break;
      }
      if (found.node.kind === 'leaf') {
        target[found.key] = coerceLeaf(found.node, value, here, source, warn);
      } else if (last) {
        applySection(target, found.key, value, found.node, here, source, warn);
      } else {
        target = sectionTree(target, found.key, found.node);
        spec = found.node;
      }
      prefix = here;
    }
  }
}

/** Cross-key rules: settings that are each valid but cannot work together. */
function checkConsistency(config: ConfigData, warn: Warn): void {
  const { service, tls, audit, storage, cluster } = config;
  if (service.enable_tls) {
    if (tls.cert === null) throw new ConfigError('tls.cert', 'required when service.enable_tls is true');
    if (tls.key === null) throw new ConfigError('tls.key', 'required when service.enable_tls is true');
  }
  if (service.verify_https_client_certificate) {
    if (!service.enable_tls) {
      throw new ConfigError('service.verify_https_client_certificate', 'requires service.enable_tls to be true');
    }
    if (tls.ca_cert === null) {
      throw new ConfigError('tls.ca_cert', 'required when service.verify_https_client_certificate is true');
    }
  }
  if (audit.hmac_key !== null && audit.hmac_key_file !== null) {
    throw new ConfigError('audit.hmac_key', 'set either audit.hmac_key or audit.hmac_key_file, not both');
  }
  const snapshots = storage.snapshots_config;
  if (snapshots.snapshots_storage === 's3' && (snapshots.s3_config === null || snapshots.s3_config.bucket === null)) {
    throw new ConfigError('storage.snapshots_config.s3_config.bucket', 'required when snapshots_storage is "s3"');
  }
  if (cluster.enabled) {
    if (cluster.nats.servers.length === 0) throw new ConfigError('cluster.nats.servers', 'required when cluster.enabled is true');
    if (cluster.nats.credentials_file !== null && cluster.nats.nkey_seed_file !== null) {
      throw new ConfigError('cluster.nats.credentials_file', 'set either cluster.nats.credentials_file or cluster.nats.nkey_seed_file, not both');
    }
    if ((cluster.nats.tls.cert === null) !== (cluster.nats.tls.key === null)) throw new ConfigError('cluster.nats.tls.cert', 'cluster.nats.tls.cert and cluster.nats.tls.key go together');
    if (cluster.nats.credentials_file === null && cluster.nats.nkey_seed_file === null) {
      warn('cluster.enabled without cluster.nats.credentials_file or cluster.nats.nkey_seed_file: this node connects to NATS without credentials; give each node its own');
    }
    if (!cluster.nats.tls.enabled && cluster.nats.servers.some((s) => !/^(nats|tls):\/\/(127\.|localhost|\[::1\])/.test(s))) {
      warn('cluster.nats.tls.enabled is false and a NATS server is not on loopback: operations and metadata cross the network in clear text');
    }
  }
}

/** Makes every path-typed value absolute against `cwd`. */
function resolvePaths(tree: Tree, spec: AnySection, cwd: string): void {
  for (const [key, node] of Object.entries(spec.fields)) {
    const value = tree[key];
    if (node.kind === 'section') {
      if (isMapping(value)) resolvePaths(value, node, cwd);
    } else if (node.isPath === true && typeof value === 'string') {
      tree[key] = resolve(cwd, value);
    }
  }
}

