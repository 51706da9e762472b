/**
 * The Quiver snapshot format, version 1. A snapshot is an uncompressed POSIX tar archive whose first entry is
 * `manifest.json`:
 *
 * ```
 * { "format": "quiver-snapshot", "version": 1, "kind": "collection" | "shard" | "full",
 *   "created_at": RFC 3339, "quiver_version": "0.1.0",
 *   "entries": { "<entry name>": { "size": bytes, "sha256": hex } },      // every other entry of the archive
 *   // kind collection / shard:
 *   "collection": { "name", "config", "payload_indexes": [{field, schema}], "shard_keys": [], "created_at",
 *                   "op_seq", "points_count" },
 *   "shard_id": 0,                                                        // kind shard only
 *   // kind full:
 *   "collections": [{ "name", "entry": "collections/<i>.snapshot" }], "aliases": { "<alias>": "<collection>" } }
 * ```
 *
 * A collection or shard snapshot has one more entry, `points.ndjson` (see `point-lines.ts`). A full snapshot has
 * one collection snapshot per collection, nested as `collections/<i>.snapshot`. Qdrant's own snapshot format
 * (segment files) is not read or written: it cannot be reproduced outside Qdrant.
 */
import { AppError } from '../../errors.js';
import type { CollectionConfig } from '../../collection/config.js';
import type { ShardKey } from '../../collection/types.js';
import { checkFormatVersion } from '../../storage/format-version.js';
import { isObject } from '../../json.js';

export const SNAPSHOT_FORMAT = 'quiver-snapshot';
export const SNAPSHOT_FORMAT_VERSION = 2;
export const MANIFEST_ENTRY = 'manifest.json';
export const POINTS_ENTRY = 'points.ndjson';
/** Largest manifest accepted (a full snapshot lists every collection and alias). */
export const MAX_MANIFEST_BYTES = 16 * 1024 * 1024;

export interface EntryDigest {
  readonly size: number;
  readonly sha256: string;
}

export interface CollectionPart {
  readonly name: string;
  readonly config: CollectionConfig;
  readonly payload_indexes: ReadonlyArray<{ field: string; schema: unknown }>;
  readonly shard_keys: readonly ShardKey[];
  /** The shard ids each shard key owns, aligned with `shard_keys` (absent in older snapshots: their keys own the ids storage format 1 gave them). */
  readonly shard_ids?: ReadonlyArray<readonly number[]>;
  readonly created_at: string;
  readonly op_seq: number;
  readonly points_count: number;
}

interface ManifestBase {
  readonly format: typeof SNAPSHOT_FORMAT;
  readonly version: typeof SNAPSHOT_FORMAT_VERSION;
  readonly created_at: string;
  readonly quiver_version: string;
  readonly entries: Readonly<Record<string, EntryDigest>>;
}

export interface CollectionManifest extends ManifestBase {
  readonly kind: 'collection' | 'shard';
  readonly collection: CollectionPart;
  readonly shard_id?: number;
}

export interface FullManifest extends ManifestBase {
  readonly kind: 'full';
  readonly collections: ReadonlyArray<{ name: string; entry: string }>;
  readonly aliases: Readonly<Record<string, string>>;
}

export type Manifest = CollectionManifest | FullManifest;

/** The archive entry of the i-th collection of a full snapshot. */
export function fullCollectionEntry(i: number): string {
  return `collections/${i}.snapshot`;
}

const FULL_ENTRY = /^collections\/(0|[1-9][0-9]{0,8})\.snapshot$/;

/** Entry names a snapshot of `kind` may contain besides the manifest. */
export function isDataEntryName(kind: 'collection-like' | 'full', name: string): boolean {
  return kind === 'full' ? FULL_ENTRY.test(name) : name === POINTS_ENTRY;
}

function bad(message: string): AppError {
  return new AppError('BAD_INPUT', [`Bad request: invalid snapshot: ${message}`]);
}

function isCount(v: unknown): v is number {
  return typeof v === 'number' && Number.isSafeInteger(v) && v >= 0;
}

function isShardKey(v: unknown): v is ShardKey {
  return typeof v === 'string' || (typeof v === 'number' && Number.isSafeInteger(v));
}

function parseEntries(v: unknown): Record<string, EntryDigest> {
  if (!isObject(v)) throw bad('`entries` must be an object');
  const out: Record<string, EntryDigest> = {};
  for (const [name, d] of Object.entries(v)) {
    if (!isObject(d) || !isCount(d['size']) || typeof d['sha256'] !== 'string' || !/^[0-9a-f]{64}$/.test(d['sha256'])) {
      throw bad(`entry \`${name}\` needs a size and a lowercase hex sha256`);
    }
    out[name] = { size: d['size'], sha256: d['sha256'] };
  }
  return out;
}

function parseCollectionPart(v: unknown): CollectionPart {
  if (!isObject(v)) throw bad('`collection` must be an object');
  const { name, config, payload_indexes, shard_keys, shard_ids, created_at, op_seq, points_count } = v;
  if (typeof name !== 'string' || name.length === 0) throw bad('`collection.name` must be a non-empty string');
  if (!isObject(config) || !isObject(config['params'])) throw bad('`collection.config` must be a collection configuration');
  if (!Array.isArray(payload_indexes) || !payload_indexes.every((p) => isObject(p) && typeof p['field'] === 'string' && p['schema'] !== undefined)) {
    throw bad('`collection.payload_indexes` must be a list of {field, schema}');
  }
  if (!Array.isArray(shard_keys) || !shard_keys.every(isShardKey)) throw bad('`collection.shard_keys` must be a list of strings or integers');
  if (shard_ids !== undefined && !validShardIds(shard_ids, shard_keys.length)) {
    throw bad('`collection.shard_ids` must be a list of distinct shard id lists, one per shard key');
  }
  if (typeof created_at !== 'string') throw bad('`collection.created_at` must be a string');
  if (!isCount(op_seq)) throw bad('`collection.op_seq` must be an unsigned integer');
  if (!isCount(points_count)) throw bad('`collection.points_count` must be an unsigned integer');
  return {
    name,
    // Its shape; the values are checked before use (import.ts: vectors; recovered-config.ts: a create request's rules).
    // Absent sections read as empty (defaults); present ones are kept as given for those checks.
    config: { ...config, hnsw_config: config['hnsw_config'] ?? {}, optimizer_config: config['optimizer_config'] ?? {} } as unknown as CollectionConfig,
    payload_indexes: payload_indexes.map((p) => ({ field: (p as { field: string }).field, schema: (p as { schema: unknown }).schema })),
    shard_keys,
    ...(shard_ids === undefined ? {} : { shard_ids: shard_ids as number[][] }),
    created_at,
    op_seq,
    points_count,
  };
}

/** `keys` lists of shard ids (unsigned integers, at least one each), no id twice. */
function validShardIds(v: unknown, keys: number): boolean {
  if (!Array.isArray(v) || v.length !== keys) return false;
  const seen = new Set<number>();
  for (const ids of v) {
    if (!Array.isArray(ids) || ids.length === 0) return false;
    for (const id of ids) {
      if (!isCount(id) || id > 0xffffffff || seen.has(id)) return false;
      seen.add(id);
    }
  }
  return true;
}

/**
 * Parses and checks a manifest.
 * @throws AppError(BAD_INPUT): not JSON, not a Quiver snapshot, an unsupported version, or a malformed field.
 */
export function parseManifest(text: string): Manifest {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch {
    throw bad('`manifest.json` is not valid JSON');
  }
  if (!isObject(raw) || raw['format'] !== SNAPSHOT_FORMAT) throw bad('not a Quiver snapshot (`manifest.json` has no `"format": "quiver-snapshot"`)');
  // The version is required here (every snapshot ever written has one): its absence is damage, not version 1.
  if (raw['version'] === undefined) throw bad('`manifest.json` has no `version`');
  try {
    checkFormatVersion('snapshot', raw['version'], SNAPSHOT_FORMAT_VERSION);
  } catch (e) {
    throw bad((e as Error).message);
  }
  const base = {
    format: SNAPSHOT_FORMAT,
    version: SNAPSHOT_FORMAT_VERSION,
    created_at: typeof raw['created_at'] === 'string' ? raw['created_at'] : '',
    quiver_version: typeof raw['quiver_version'] === 'string' ? raw['quiver_version'] : '',
    entries: parseEntries(raw['entries']),
  } as const;
  const kind = raw['kind'];
  if (kind === 'collection' || kind === 'shard') {
    const shardId = raw['shard_id'];
    if (kind === 'shard' && !isCount(shardId)) throw bad('`shard_id` must be an unsigned integer');
    for (const name of Object.keys(base.entries)) if (!isDataEntryName('collection-like', name)) throw bad(`unexpected entry \`${name}\``);
    if (base.entries[POINTS_ENTRY] === undefined) throw bad(`\`${POINTS_ENTRY}\` is missing from \`entries\``);
    return { ...base, kind, collection: parseCollectionPart(raw['collection']), ...(kind === 'shard' ? { shard_id: shardId as number } : {}) };
  }
  if (kind === 'full') {
    const collections = raw['collections'];
    const aliases = raw['aliases'];
    if (!Array.isArray(collections) || !collections.every((c) => isObject(c) && typeof c['name'] === 'string' && typeof c['entry'] === 'string')) {
      throw bad('`collections` must be a list of {name, entry}');
    }
    if (!isObject(aliases) || !Object.values(aliases).every((t) => typeof t === 'string')) throw bad('`aliases` must map alias names to collection names');
    const list = collections as Array<{ name: string; entry: string }>;
    for (const name of Object.keys(base.entries)) if (!isDataEntryName('full', name)) throw bad(`unexpected entry \`${name}\``);
    for (const c of list) if (base.entries[c.entry] === undefined) throw bad(`collection \`${c.name}\`: entry \`${c.entry}\` is missing from \`entries\``);
    if (new Set(list.map((c) => c.name)).size !== list.length) throw bad('a collection appears twice');
    return { ...base, kind, collections: list.map((c) => ({ name: c.name, entry: c.entry })), aliases: aliases as Record<string, string> };
  }
  throw bad(`unknown snapshot kind ${JSON.stringify(kind)}`);
}
