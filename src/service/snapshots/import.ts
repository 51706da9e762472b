/**
 * Snapshot recovery, in two stages:
 * 1. `stageArchive` reads an archive (upload, download or file) into a private work directory through the safe
 *    reader (entry bodies sealed under the storage key with encryption at rest, so no user data lands there in the
 *    clear), checks the manifest and the sha256 of every entry, and returns the archive's own sha256 — nothing in
 *    the store has changed yet, so a bad or mismatching snapshot is refused with no effect;
 * 2. `applyCollectionSnapshot` validates every point while it streams them into a new points table, and lets the
 *    table of contents swap the collection atomically (`TableOfContent.replaceCollection`).
 */
import { createHash, type Hash } from 'node:crypto';
import { AppError } from '../../errors.js';
import { openedStream, readWorkFile, workFileReadStream, type EncryptionKey } from '../../storage/encryption.js';
import { pointKey, type PointId, type PointKey } from '../../storage/point-id.js';
import { vectorSchema, type CollectionConfig, type CollectionParams } from '../../collection/config.js';
import type { EncodedPoint } from '../../collection/point-codec.js';
import type { ShardKey } from '../../collection/types.js';
import { nextShardIds, shardIdsOfKeys, type CollectionDescriptor } from '../../collection/descriptor.js';
import type { TableOfContent } from '../table-of-content.js';
import type { GlobalPass } from '../../auth/authorize.js';
import { extractArchive } from './tar-reader.js';
import { MANIFEST_ENTRY, MAX_MANIFEST_BYTES, POINTS_ENTRY, isDataEntryName, parseManifest, type Manifest } from './manifest.js';
import { readLines } from './lines.js';
import { decodePointLine } from './point-lines.js';
import type { ReplacementDescriptor } from './toc-contract.js';
import { isObject } from '../../json.js';
import { checkRecoveredConfig, type ConfigValidator } from './recovered-config.js';
import { shardRouterOf } from '../../collection/shards.js';

export interface StageLimits {
  readonly maxArchiveBytes: number;
  /** Longest accepted line of `points.ndjson` (one point). */
  readonly maxLineBytes: number;
  /** The create-collection request validator a recovered configuration must pass. */
  readonly validateConfig?: ConfigValidator | undefined;
  /** Aborted at shutdown: staging stops at the next chunk, applying at the next batch (nothing changes then). */
  readonly signal?: AbortSignal | undefined;
}

/**
 * `source`, stopping with the signal's reason once `signal` is aborted — also while it waits for the next chunk,
 * so a stalled upload cannot hold a shutdown up. The source is closed when it stops.
 */
async function* abortable(source: AsyncIterable<unknown>, signal: AbortSignal): AsyncIterable<unknown> {
  const it = source[Symbol.asyncIterator]();
  let onAbort: (() => void) | undefined;
  const stopped = new Promise<never>((_, reject) => {
    onAbort = () => reject(signal.reason instanceof Error ? signal.reason : new Error(String(signal.reason)));
    signal.addEventListener('abort', onAbort, { once: true });
  });
  stopped.catch(() => undefined);
  let finished = false;
  try {
    for (;;) {
      signal.throwIfAborted();
      const next = await Promise.race([it.next(), stopped]);
      if (next.done === true) {
        finished = true;
        return;
      }
      yield next.value;
    }
  } finally {
    if (onAbort !== undefined) signal.removeEventListener('abort', onAbort);
    // Not awaited: a source still waiting for its next chunk settles its return() only after that chunk.
    if (!finished) void Promise.resolve(it.return?.()).catch(() => undefined);
  }
}

export interface StagedArchive {
  readonly manifest: Manifest;
  /** Entry name → file holding its body (sealed under `key` with encryption at rest: read it with {@link stagedEntry}). */
  readonly files: ReadonlyMap<string, string>;
  readonly key: EncryptionKey | undefined;
  /** sha256 of the whole archive. */
  readonly sha256: string;
}

function bad(message: string): AppError {
  return new AppError('BAD_INPUT', [`Bad request: invalid snapshot: ${message}`]);
}

/** `source`, passing every chunk through `hash` on the way. */
async function* hashing(source: AsyncIterable<unknown>, hash: Hash): AsyncGenerator<Uint8Array> {
  for await (const chunk of source) {
    const bytes = chunk as Uint8Array;
    hash.update(bytes);
    yield bytes;
  }
}

/**
 * Reads and checks an archive of `family` (collection/shard, or full) into `workDir`.
 * @throws AppError(BAD_INPUT) for an unsafe, malformed, foreign or corrupted archive.
 */
export async function stageArchive(source: AsyncIterable<unknown>, workDir: string, family: 'collection-like' | 'full', limits: StageLimits, key?: EncryptionKey): Promise<StagedArchive> {
  limits.signal?.throwIfAborted();
  // An archive sealed under the storage key (encryption at rest) is opened on the way in; its sha256 stays the one
  // of the bytes received (what a client computes over the file it uploads).
  const received = createHash('sha256');
  const extracted = await extractArchive(openedStream(hashing(limits.signal === undefined ? source : abortable(source, limits.signal), received), key), {
    dir: workDir,
    maxArchiveBytes: limits.maxArchiveBytes,
    maxEntries: family === 'full' ? 1_000_001 : 2,
    isAllowed: (name) => name === MANIFEST_ENTRY || isDataEntryName(family, name),
    key,
  });
  const [first, ...rest] = extracted.entries;
  if (first === undefined || first.name !== MANIFEST_ENTRY) {
    throw bad(`not a Quiver snapshot (the first entry must be \`${MANIFEST_ENTRY}\`; snapshots made by Qdrant cannot be read by Quiver)`);
  }
  if (first.size > MAX_MANIFEST_BYTES) throw bad(`\`${MANIFEST_ENTRY}\` is larger than ${MAX_MANIFEST_BYTES} bytes`);
  const text = (await readWorkFile(first.path, key, MAX_MANIFEST_BYTES))?.toString('utf8');
  if (text === undefined) throw bad(`\`${MANIFEST_ENTRY}\` cannot be read`);
  const manifest = parseManifest(text);
  if ((family === 'full') !== (manifest.kind === 'full')) {
    throw bad(family === 'full' ? `expected a full snapshot, got a ${manifest.kind} snapshot` : 'expected a collection or shard snapshot, got a full snapshot');
  }
  const files = new Map<string, string>();
  for (const e of rest) {
    const want = manifest.entries[e.name];
    if (want === undefined) throw bad(`entry \`${e.name}\` is not listed in the manifest`);
    if (want.size !== e.size || want.sha256 !== e.sha256) throw bad(`entry \`${e.name}\` does not match its sha256 in the manifest (corrupted snapshot)`);
    files.set(e.name, e.path);
  }
  for (const name of Object.keys(manifest.entries)) if (!files.has(name)) throw bad(`entry \`${name}\` is missing`);
  return { manifest, files, key, sha256: received.digest('hex') };
}

/** The plaintext of a staged entry's body, streamed. */
export function stagedEntry(staged: StagedArchive, file: string): AsyncIterable<Buffer> {
  return workFileReadStream(file, staged.key);
}

/**
 * Compares a user-given checksum with the archive's.
 * @throws AppError(WRONG_INPUT) `Snapshot checksum mismatch: expected …, got …` (Qdrant's wording).
 */
export function checkChecksum(expected: string | null | undefined, actual: string): void {
  if (expected === undefined || expected === null) return;
  if (expected.trim().toLowerCase() !== actual) throw new AppError('WRONG_INPUT', [`Snapshot checksum mismatch: expected ${expected}, got ${actual}`]);
}

function stableJson(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(stableJson).join(',')}]`;
  if (v !== null && typeof v === 'object') {
    return `{${Object.keys(v)
      .sort()
      .map((k) => `${JSON.stringify(k)}:${stableJson((v as Record<string, unknown>)[k])}`)
      .join(',')}}`;
  }
  return JSON.stringify(v) ?? 'null';
}

function params(config: CollectionConfig): Partial<CollectionParams> {
  return isObject(config.params) ? config.params : {};
}

/**
 * Qdrant refuses to recover into an existing collection whose vectors or shard number differ from the snapshot's.
 * @throws AppError(WRONG_INPUT) with Qdrant's wording.
 */
function checkCompatible(existing: CollectionConfig, snapshot: CollectionConfig): void {
  const a = params(existing);
  const b = params(snapshot);
  if (stableJson(a.vectors ?? null) !== stableJson(b.vectors ?? null) || stableJson(a.sparse_vectors ?? null) !== stableJson(b.sparse_vectors ?? null)) {
    throw new AppError('WRONG_INPUT', [
      `Snapshot is not compatible with existing collection: Collection vectors: ${JSON.stringify(a.vectors ?? null)} Snapshot Vectors: ${JSON.stringify(b.vectors ?? null)}`,
    ]);
  }
  if (stableJson(a.shard_number ?? 1) !== stableJson(b.shard_number ?? 1)) {
    throw new AppError('WRONG_INPUT', [
      `Snapshot is not compatible with existing collection: Collection shard number: ${JSON.stringify(a.shard_number ?? 1)} Snapshot shard number: ${JSON.stringify(b.shard_number ?? 1)}`,
    ]);
  }
}

const DISTANCES = new Set(['Cosine', 'Euclid', 'Dot', 'Manhattan']);

/** A snapshot's configuration must describe usable vectors before any point is read against it. */
function checkConfig(config: CollectionConfig): void {
  const schema = vectorSchema(config);
  for (const [name, spec] of schema.dense) {
    if (!Number.isSafeInteger(spec.size) || spec.size < 1 || spec.size > 65536 || !DISTANCES.has(spec.distance)) {
      throw bad(`vector \`${name}\` has an invalid size or distance in the collection configuration`);
    }
  }
}

/** Where a recovery applies the snapshot: a whole collection, or the points of one of its local shards. */
export type RecoveryTarget = 'collection' | 'shard';

/** Points per transaction while a recovered collection is written. */
const BATCH_POINTS = 1000;
const BATCH_BYTES = 8 * 1024 * 1024;

/**
 * Applies a staged collection or shard snapshot to collection `name` (created if missing, for a collection target).
 * A collection target takes the snapshot's configuration, payload indexes, shard keys and points; a shard target
 * keeps the existing collection's configuration, payload indexes and the points of its other shards, and takes the
 * snapshot's points as shard `shardId` (each must be routed to that shard, see `collection/shard-router.ts`).
 * @throws AppError(BAD_INPUT | WRONG_INPUT) for a snapshot of the wrong kind, an incompatible configuration or an
 *   invalid point (nothing changes); AppError(COLLECTION_NOT_FOUND) for a shard target that does not exist.
 */
export async function applyCollectionSnapshot(
  toc: TableOfContent,
  pass: GlobalPass,
  name: string,
  staged: StagedArchive,
  target: RecoveryTarget,
  limits: StageLimits,
  shardId = 0,
): Promise<void> {
  const manifest = staged.manifest;
  if (manifest.kind === 'full') throw bad('expected a collection or shard snapshot, got a full snapshot');
  if (target === 'collection' && manifest.kind !== 'collection') {
    throw bad('this is a shard snapshot: recover it with PUT /collections/{collection_name}/shards/{shard_id}/snapshots/recover');
  }
  const snap = manifest.collection;
  const real = toc.resolve(name);
  const existing: CollectionDescriptor | undefined = toc.exists(real) ? toc.get(pass.issue(real)).info : undefined;
  const lastOp = existing === undefined ? 0 : toc.get(pass.issue(real)).lastOperationId;
  let next: ReplacementDescriptor;
  if (target === 'shard') {
    if (existing === undefined) throw new AppError('COLLECTION_NOT_FOUND', [name]);
    checkCompatible(existing.config, snap.config);
    // The collection keeps its keys and their shard ids; a key only the snapshot has gets new ids after them.
    const keys: ShardKey[] = [...existing.shardKeys];
    const ids: Array<readonly number[]> = [...shardIdsOfKeys(existing)];
    const snapIds = shardIdsOfKeys({ config: snap.config, shardKeys: snap.shard_keys, shardIds: snap.shard_ids });
    snap.shard_keys.forEach((k, i) => {
      if (keys.includes(k)) return;
      keys.push(k);
      ids.push(nextShardIds(ids, snapIds[i]!.length));
    });
    next = { config: existing.config, payloadIndexes: existing.payloadIndexes, shardKeys: keys, shardIds: ids, createdAt: existing.createdAt, opSeq: Math.max(lastOp, snap.op_seq) };
  } else {
    if (existing !== undefined) checkCompatible(existing.config, snap.config);
    const shardIds = shardIdsOfKeys({ config: snap.config, shardKeys: snap.shard_keys, shardIds: snap.shard_ids });
    next = { config: snap.config, payloadIndexes: snap.payload_indexes, shardKeys: snap.shard_keys, shardIds, createdAt: snap.created_at, opSeq: snap.op_seq };
  }
  checkConfig(next.config);
  if (target === 'collection') checkRecoveredConfig(next.config, limits.validateConfig);
  const pointsFile = staged.files.get(POINTS_ENTRY);
  if (pointsFile === undefined) throw bad(`\`${POINTS_ENTRY}\` is missing`);
  const ctx = { schema: vectorSchema(next.config), shardKeys: new Set<ShardKey>(next.shardKeys) };
  const router = shardRouterOf(next);
  const partial = target === 'shard' && router.shards.length > 1;
  // The other shards' points, from one read snapshot of the collection taken now.
  const kept = partial ? toc.snapshotSource(pass.issue(real)) : undefined;
  await toc.replaceCollection(pass, name, next, async (write) => {
    const seen = new Set<PointKey>();
    let batch: Array<readonly [PointId, EncodedPoint]> = [];
    let batchBytes = 0;
    let lineNo = 0;
    let keptCount = 0;
    if (kept !== undefined) {
      for (let n = kept.points.next(); n.done !== true; n = kept.points.next()) {
        const id = n.value.key as PointId;
        if (router.shardOf(id, n.value.value.sk) === shardId) continue;
        seen.add(pointKey(id));
        keptCount++;
        batch.push([id, { ...n.value.value, o: seen.size - 1 }]);
        if (batch.length >= BATCH_POINTS) {
          await write(batch);
          batch = [];
        }
      }
    }
    for await (const line of readLines(stagedEntry(staged, pointsFile), limits.maxLineBytes, POINTS_ENTRY)) {
      lineNo++;
      const { id, point } = decodePointLine(line, lineNo, ctx);
      if (partial && router.shardOf(id, point.sk) !== shardId) {
        throw bad(`${POINTS_ENTRY} line ${lineNo}: point ${String(id)} belongs to shard ${router.shardOf(id, point.sk)} of this collection, not to shard ${shardId}`);
      }
      const key = pointKey(id);
      if (seen.has(key)) throw bad(`${POINTS_ENTRY} line ${lineNo}: point ${String(id)} appears twice`);
      seen.add(key);
      batch.push([id, { o: seen.size - 1, ...point }]);
      batchBytes += line.length;
      if (batch.length >= BATCH_POINTS || batchBytes >= BATCH_BYTES) {
        // Before the swap: a shutdown here drops the half-filled table and leaves the collection as it was.
        limits.signal?.throwIfAborted();
        await write(batch);
        batch = [];
        batchBytes = 0;
      }
    }
    limits.signal?.throwIfAborted();
    if (batch.length > 0) await write(batch);
    if (seen.size - keptCount !== snap.points_count) throw bad(`the manifest announces ${snap.points_count} points, ${POINTS_ENTRY} holds ${seen.size - keptCount}`);
  });
}

