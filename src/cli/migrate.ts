/**
 * `quiver migrate --from URL`: copies collections from a running Qdrant (or Quiver) into a running Quiver over
 * their REST APIs — Qdrant's snapshots cannot be restored into Quiver, so this is how data moves.
 *
 * For each collection: create it on the target with the source's vector, HNSW, optimizer and quantization
 * config, create its payload indexes, then scroll → upsert in batches (`wait=true`), and finally compare exact
 * point counts. Aliases pointing to copied collections follow. Progress is recorded after every batch in a state
 * file, so an interrupted run started again with the same state file continues where it stopped (upserts are
 * idempotent, so a batch copied twice does no harm).
 */
import { atomicWrite, readFileIfExists } from '../storage/fs.js';
import { EXIT, UsageError } from './args.js';
import type { CliIo } from './io.js';

export interface MigrateOptions {
  readonly from: string;
  readonly apiKey?: string | undefined;
  /** The target Quiver (default: this configuration's address). */
  readonly to: string;
  readonly toApiKey?: string | undefined;
  readonly collections?: readonly string[] | undefined;
  readonly batchSize: number;
  readonly stateFile: string;
  /** Progress lines: one per batch (default), or none. */
  readonly quiet?: boolean | undefined;
}

interface CollectionState {
  created: boolean;
  /** The next scroll offset; null once every point has been copied. */
  offset: unknown;
  copied: number;
  done: boolean;
}

interface MigrateState {
  from: string;
  to: string;
  collections: Record<string, CollectionState>;
}

type Json = { [key: string]: unknown };

function obj(value: unknown): Json {
  return value !== null && typeof value === 'object' && !Array.isArray(value) ? (value as Json) : {};
}

function list(value: unknown): Json[] {
  return Array.isArray(value) ? value.map(obj) : [];
}

class Remote {
  constructor(
    readonly base: string,
    private readonly apiKey: string | undefined,
  ) {}

  async call(method: string, path: string, body?: unknown): Promise<Json> {
    const headers: Record<string, string> = {};
    if (body !== undefined) headers['content-type'] = 'application/json';
    if (this.apiKey !== undefined) headers['api-key'] = this.apiKey;
    let res: Response;
    try {
      res = await fetch(new URL(path, this.base), { method, headers, ...(body === undefined ? {} : { body: JSON.stringify(body) }) });
    } catch (e) {
      throw new Error(`${this.base}: ${e instanceof Error ? ((e.cause as Error | undefined)?.message ?? e.message) : String(e)}`, { cause: e });
    }
    const text = await res.text();
    let parsed: Json = {};
    try {
      parsed = obj(text === '' ? undefined : JSON.parse(text));
    } catch {
      // not JSON: reported below with the text
    }
    if (!res.ok) {
      const error = obj(parsed['status'])['error'];
      throw new Error(`${method} ${new URL(path, this.base).href} → ${res.status}: ${typeof error === 'string' ? error : text.slice(0, 200)}`);
    }
    return obj(parsed['result']);
  }
}

function loadState(file: string, from: string, to: string): MigrateState {
  const bytes = readFileIfExists(file);
  if (bytes === undefined) return { from, to, collections: {} };
  const state = JSON.parse(bytes.toString('utf8')) as MigrateState;
  if (state.from !== from || state.to !== to) {
    throw new UsageError(`state file ${file} belongs to a migration from ${state.from} to ${state.to}; use another --state file`);
  }
  return state;
}

/** The body that creates `name` on the target like the source's collection info describes it. */
export function createBody(info: Json): Json {
  const config = obj(info['config']);
  const params = obj(config['params']);
  const body: Json = { vectors: params['vectors'] };
  for (const key of ['sparse_vectors', 'shard_number', 'on_disk_payload', 'replication_factor', 'write_consistency_factor', 'sharding_method']) {
    if (params[key] !== undefined && params[key] !== null) body[key] = params[key];
  }
  if (config['hnsw_config'] != null) body['hnsw_config'] = config['hnsw_config'];
  if (config['optimizer_config'] != null) body['optimizers_config'] = config['optimizer_config'];
  if (config['wal_config'] != null) body['wal_config'] = config['wal_config'];
  if (config['quantization_config'] != null) body['quantization_config'] = config['quantization_config'];
  if (config['strict_mode_config'] != null) body['strict_mode_config'] = config['strict_mode_config'];
  return body;
}

async function copyCollection(name: string, source: Remote, target: Remote, state: MigrateState, options: MigrateOptions, io: CliIo): Promise<boolean> {
  const save = (): void => atomicWrite(options.stateFile, JSON.stringify(state, null, 2));
  const cs = (state.collections[name] ??= { created: false, offset: null, copied: 0, done: false });
  const info = await source.call('GET', `/collections/${encodeURIComponent(name)}`);
  const total = Number(info['points_count'] ?? 0);
  if (!cs.created) {
    const exists = await target.call('GET', `/collections/${encodeURIComponent(name)}/exists`);
    if (exists['exists'] === true) throw new Error(`collection ${name} already exists on ${target.base}; delete it first (or resume with the state file of the run that created it)`);
    await target.call('PUT', `/collections/${encodeURIComponent(name)}`, createBody(info));
    const schema = obj(info['payload_schema']);
    for (const [field, s] of Object.entries(schema)) {
      const fieldSchema = obj(s)['params'] ?? obj(s)['data_type'];
      await target.call('PUT', `/collections/${encodeURIComponent(name)}/index?wait=true`, { field_name: field, field_schema: fieldSchema });
    }
    cs.created = true;
    save();
    io.err(`migrate: ${name}: created (${Object.keys(schema).length} payload index(es)), ${total} point(s) to copy`);
  }
  const started = Date.now();
  while (!cs.done) {
    const page = await source.call('POST', `/collections/${encodeURIComponent(name)}/points/scroll`, {
      limit: options.batchSize,
      with_payload: true,
      with_vector: true,
      ...(cs.offset === null ? {} : { offset: cs.offset }),
    });
    const points = list(page['points']).map((p) => ({ id: p['id'], vector: p['vector'] ?? {}, payload: p['payload'] ?? {} }));
    if (points.length > 0) await target.call('PUT', `/collections/${encodeURIComponent(name)}/points?wait=true`, { points });
    cs.copied += points.length;
    cs.offset = page['next_page_offset'] ?? null;
    cs.done = cs.offset === null;
    save();
    if (options.quiet !== true) {
      const pct = total > 0 ? Math.min(100, Math.floor((cs.copied * 100) / total)) : 100;
      io.err(`migrate: ${name}: ${progressBar(pct)} ${cs.copied}/${total} points (${pct}%)`);
    }
  }
  const counted = async (r: Remote): Promise<number> => Number((await r.call('POST', `/collections/${encodeURIComponent(name)}/points/count`, { exact: true }))['count']);
  const [want, got] = await Promise.all([counted(source), counted(target)]);
  if (want !== got) {
    io.err(`migrate: ${name}: COUNT MISMATCH: source has ${want} points, target ${got}`);
    return false;
  }
  io.err(`migrate: ${name}: done, ${got} points match (${((Date.now() - started) / 1000).toFixed(1)} s)`);
  return true;
}

function progressBar(pct: number): string {
  const filled = Math.round(pct / 5);
  return `[${'#'.repeat(filled)}${'.'.repeat(20 - filled)}]`;
}

/** Runs a migration; 0 when every collection was copied and its count matches, 1 otherwise. */
export async function migrate(options: MigrateOptions, io: CliIo): Promise<number> {
  for (const [flag, url] of [['--from', options.from], ['--to', options.to]] as const) {
    if (!/^https?:\/\/[^/]/.test(url)) throw new UsageError(`${flag} must be an http(s):// URL, got "${url}"`);
  }
  const source = new Remote(options.from, options.apiKey);
  const target = new Remote(options.to, options.toApiKey);
  const state = loadState(options.stateFile, options.from, options.to);
  const listed = list((await source.call('GET', '/collections'))['collections']);
  const available = listed.map((c) => String(c['name']));
  const names = options.collections ?? available;
  const missing = names.filter((n) => !available.includes(n));
  if (missing.length > 0) throw new Error(`not on ${options.from}: ${missing.join(', ')}`);
  io.err(`migrate: ${names.length} collection(s) from ${options.from} to ${options.to} (state: ${options.stateFile})`);
  let ok = true;
  for (const name of names) ok = (await copyCollection(name, source, target, state, options, io)) && ok;
  const aliases = list((await source.call('GET', '/aliases'))['aliases']).filter((a) => names.includes(String(a['collection_name'])));
  if (aliases.length > 0) {
    await target.call('POST', '/collections/aliases', { actions: aliases.map((a) => ({ create_alias: { collection_name: a['collection_name'], alias_name: a['alias_name'] } })) });
    io.err(`migrate: aliases: ${aliases.map((a) => `${String(a["alias_name"])} → ${String(a["collection_name"])}`).join(', ')}`);
  }
  io.out(ok ? `migrated ${names.length} collection(s)` : 'migration finished with count mismatches');
  return ok ? EXIT.ok : EXIT.failure;
}
