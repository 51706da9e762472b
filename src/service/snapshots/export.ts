/**
 * Collection (and shard) snapshot creation. The points are streamed from one LMDB read snapshot
 * (`TableOfContent.snapshotSource`) into `points.ndjson`, yielding to the event loop every few hundred points,
 * so reads and writes on the collection go on while a snapshot is taken and none of them is blocked by it. In
 * distributed mode, on a node holding only some shards, the other shards' lines follow, as their holders send them.
 */
import { createHash } from 'node:crypto';
import { AppError } from '../../errors.js';
import { join } from 'node:path';
import { setImmediate as yieldToEventLoop } from 'node:timers/promises';
import { vectorSchema } from '../../collection/config.js';
import { QUIVER_VERSION } from '../../version.js';
import { MANIFEST_ENTRY, POINTS_ENTRY, SNAPSHOT_FORMAT, SNAPSHOT_FORMAT_VERSION, type CollectionManifest } from './manifest.js';
import { encodePointLine } from './point-lines.js';
import { writeTarFile, type WrittenArchive } from './tar-writer.js';
import { WorkFileWriter, type EncryptionKey } from '../../storage/encryption.js';
import type { CollectionSnapshotSource } from './toc-contract.js';
import { shardRouterOf } from '../../collection/shards.js';
import { shardIdsOfKeys } from '../../collection/descriptor.js';
import type { EncodedPoint } from '../../collection/point-codec.js';
import type { KvKey } from '../../storage/kv/store.js';
import type { PointId } from '../../storage/point-id.js';

/** Points written between two yields to the event loop. */
const POINTS_PER_SLICE = 256;
const NEWLINE = 0x0a;

/** How many lines end in `page`. */
function newlines(page: Uint8Array): number {
  let n = 0;
  for (let i = page.indexOf(NEWLINE); i !== -1; i = page.indexOf(NEWLINE, i + 1)) n++;
  return n;
}

/**
 * Writes the points of `source` (those `keepPoint` accepts) to `path` as NDJSON (sealed under `key` with encryption
 * at rest: the work file holds user data); returns how many, the plaintext byte size and sha256.
 */
async function writePoints(
  source: CollectionSnapshotSource,
  path: string,
  keepPoint: (p: { key: KvKey; value: EncodedPoint }) => boolean,
  signal?: AbortSignal,
  key?: EncryptionKey,
): Promise<{ count: number; size: number; sha256: string }> {
  const schema = vectorSchema(source.descriptor.config);
  const keep = (name: string): boolean => schema.dense.has(name) || schema.sparse.has(name);
  const out = new WorkFileWriter(path, key);
  const hash = createHash('sha256');
  let count = 0;
  let size = 0;
  try {
    signal?.throwIfAborted();
    for (let n = source.points.next(); n.done !== true; n = source.points.next()) {
      if (!keepPoint(n.value)) continue;
      const line = Buffer.from(encodePointLine(n.value.key, n.value.value, keep));
      hash.update(line);
      size += line.length;
      count++;
      await out.write(line);
      if (count % POINTS_PER_SLICE === 0) {
        await yieldToEventLoop();
        // Shutdown stops a snapshot between slices; the caller removes the partial files.
        signal?.throwIfAborted();
      }
    }
    if (source.peers !== undefined) {
      // The shards held elsewhere: their lines as their holders encoded them, appended a page at a time.
      let last = NEWLINE;
      for await (const page of source.peers.lines([...schema.dense.keys(), ...schema.sparse.keys()], signal)) {
        if (page.byteLength === 0) continue;
        hash.update(page);
        size += page.byteLength;
        count += newlines(page);
        last = page[page.byteLength - 1]!;
        await out.write(page);
        signal?.throwIfAborted();
      }
      if (last !== NEWLINE) throw new AppError('SERVICE_ERROR', ['the points of the shards held by other nodes arrived cut inside a line']);
    }
    await out.close();
  } catch (e) {
    await out.abort();
    throw e;
  } finally {
    source.points.return?.();
  }
  return { count, size, sha256: hash.digest('hex') };
}

/** What a snapshot holds: the whole collection, or the points of one local shard (see `collection/shards.ts`). */
export type ExportScope = { readonly kind: 'collection' } | { readonly kind: 'shard'; readonly shardId: number };

/**
 * Writes a collection or shard snapshot archive of `source` to `archivePath` (a new file, fsynced).
 * `workDir` (private, removed by the caller) holds the points file while the archive is assembled.
 */
export async function exportCollection(
  source: CollectionSnapshotSource,
  what: ExportScope,
  archivePath: string,
  workDir: string,
  now = new Date(),
  signal?: AbortSignal,
  key?: EncryptionKey,
): Promise<WrittenArchive & { pointsCount: number }> {
  const pointsPath = join(workDir, `points-${Date.now().toString(36)}-${Math.random().toString(36).slice(2)}.ndjson`);
  const d = source.descriptor;
  const router = shardRouterOf(d);
  const keepPoint =
    what.kind === 'collection' || router.shards.length === 1
      ? () => true
      : (p: { key: KvKey; value: EncodedPoint }) => router.shardOf(p.key as PointId, p.value.sk) === what.shardId;
  const points = await writePoints(source, pointsPath, keepPoint, signal, key);
  const kind = what.kind;
  const manifest: CollectionManifest = {
    format: SNAPSHOT_FORMAT,
    version: SNAPSHOT_FORMAT_VERSION,
    kind,
    created_at: now.toISOString(),
    quiver_version: QUIVER_VERSION,
    entries: { [POINTS_ENTRY]: { size: points.size, sha256: points.sha256 } },
    collection: {
      name: source.name,
      config: d.config,
      payload_indexes: d.payloadIndexes.map((p) => ({ field: p.field, schema: p.schema })),
      shard_keys: [...d.shardKeys],
      shard_ids: shardIdsOfKeys(d).map((ids) => [...ids]),
      created_at: d.createdAt,
      op_seq: source.opSeq,
      points_count: points.count,
    },
    ...(what.kind === 'shard' ? { shard_id: what.shardId } : {}),
  };
  const written = await writeTarFile(
    archivePath,
    [
      { name: MANIFEST_ENTRY, data: Buffer.from(`${JSON.stringify(manifest, null, 2)}\n`) },
      { name: POINTS_ENTRY, file: pointsPath, size: points.size, sealedWith: key },
    ],
    now,
    key,
  );
  return { ...written, pointsCount: points.count };
}
