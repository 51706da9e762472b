/**
 * Full-storage snapshots: every collection (each as a nested collection snapshot) and every alias. Created over the
 * API; restored at startup (`--storage-snapshot`, as in Qdrant) or, unlike Qdrant, at runtime by a manage-only
 * request (`PUT /snapshots/recover`, `POST /snapshots/upload`).
 */
import { join } from 'node:path';
import { AppError } from '../../errors.js';
import { QUIVER_VERSION } from '../../version.js';
import { makeTempDir } from '../../storage/fs.js';
import type { TableOfContent, AliasAction } from '../table-of-content.js';
import type { GlobalPass } from '../../auth/authorize.js';
import { MANIFEST_ENTRY, SNAPSHOT_FORMAT, SNAPSHOT_FORMAT_VERSION, fullCollectionEntry, type EntryDigest, type FullManifest } from './manifest.js';
import { exportCollection } from './export.js';
import type { EncryptionKey } from '../../storage/encryption.js';
import { writeTarFile, type TarEntrySource, type WrittenArchive } from './tar-writer.js';
import { applyCollectionSnapshot, checkChecksum, stageArchive, stagedEntry, type StageLimits, type StagedArchive } from './import.js';

/** Writes a full snapshot archive to `archivePath`; `workDir` (private, removed by the caller) holds the parts. */
export async function exportFull(toc: TableOfContent, pass: GlobalPass, archivePath: string, workDir: string, now = new Date(), signal?: AbortSignal, key?: EncryptionKey): Promise<WrittenArchive> {
  const collections: Array<{ name: string; entry: string }> = [];
  const entries: Record<string, EntryDigest> = {};
  const parts: TarEntrySource[] = [];
  let i = 0;
  for (const name of toc.collectionNames()) {
    let source;
    try {
      source = await toc.completeSnapshotSource(pass.issue(name));
    } catch (e) {
      // Deleted while the snapshot was being taken: it is simply not part of it.
      if (e instanceof AppError && e.code === 'COLLECTION_NOT_FOUND') continue;
      throw e;
    }
    const entry = fullCollectionEntry(i);
    const file = join(workDir, `collection-${i}.snapshot`);
    const written = await exportCollection(source, { kind: 'collection' }, file, workDir, now, signal, key);
    collections.push({ name, entry });
    entries[entry] = { size: written.size, sha256: written.sha256 };
    parts.push({ name: entry, file, size: written.size });
    i++;
  }
  const aliases: Record<string, string> = {};
  for (const a of toc.allAliases()) if (collections.some((c) => c.name === a.collection_name)) aliases[a.alias_name] = a.collection_name;
  const manifest: FullManifest = {
    format: SNAPSHOT_FORMAT,
    version: SNAPSHOT_FORMAT_VERSION,
    kind: 'full',
    created_at: now.toISOString(),
    quiver_version: QUIVER_VERSION,
    entries,
    collections,
    aliases,
  };
  return writeTarFile(archivePath, [{ name: MANIFEST_ENTRY, data: Buffer.from(`${JSON.stringify(manifest, null, 2)}\n`) }, ...parts], now, key);
}

/** A full snapshot read and checked (every nested collection staged), not applied yet. */
export interface StagedFull {
  readonly collections: ReadonlyArray<{ name: string; staged: StagedArchive }>;
  readonly aliases: Readonly<Record<string, string>>;
}

/**
 * Reads and checks a full snapshot from `source` into `workDir` without changing anything: the archive (and its
 * `checksum` when given), then every nested collection snapshot. Without `force`, an existing collection of the
 * same name stops it here.
 * @throws AppError(BAD_INPUT) for an invalid snapshot; AppError(WRONG_INPUT) for a checksum mismatch;
 *   AppError(COLLECTION_EXISTS) for a name clash without `force`.
 */
export async function stageFull(toc: TableOfContent, source: AsyncIterable<unknown>, workDir: string, limits: StageLimits, force: boolean, checksum?: string, key?: EncryptionKey): Promise<StagedFull> {
  const outer = await stageArchive(source, workDir, 'full', limits, key);
  checkChecksum(checksum, outer.sha256);
  if (outer.manifest.kind !== 'full') throw new AppError('BAD_INPUT', ['Bad request: invalid snapshot: expected a full snapshot']);
  const collections: Array<{ name: string; staged: StagedArchive }> = [];
  for (const c of outer.manifest.collections) {
    if (!force && toc.exists(c.name)) throw new AppError('COLLECTION_EXISTS', [c.name]);
    const file = outer.files.get(c.entry);
    if (file === undefined) throw new AppError('BAD_INPUT', [`Bad request: invalid snapshot: entry \`${c.entry}\` is missing`]);
    const dir = makeTempDir(workDir, 'collection-');
    collections.push({ name: c.name, staged: await stageArchive(stagedEntry(outer, file), dir, 'collection-like', limits, key) });
  }
  return { collections, aliases: outer.manifest.aliases };
}

/**
 * Applies a staged full snapshot: each collection replaces (or creates) its namesake, then the aliases are set.
 * @returns the names of the restored collections.
 */
export async function applyFull(toc: TableOfContent, pass: GlobalPass, staged: StagedFull, limits: StageLimits): Promise<string[]> {
  for (const s of staged.collections) await applyCollectionSnapshot(toc, pass, s.name, s.staged, 'collection', limits);
  const actions: AliasAction[] = [];
  const current = new Map(toc.allAliases().map((a) => [a.alias_name, a.collection_name]));
  for (const [alias, collection] of Object.entries(staged.aliases)) {
    if (current.get(alias) === collection) continue;
    if (current.has(alias)) actions.push({ delete_alias: { alias_name: alias } });
    actions.push({ create_alias: { collection_name: collection, alias_name: alias } });
  }
  if (actions.length > 0) await toc.updateAliases(pass, actions);
  return staged.collections.map((s) => s.name);
}
