/**
 * Where snapshots live under `storage.snapshots_path`, as in Qdrant:
 * - collection snapshots: `<root>/<collection>/<name>.snapshot`
 * - shard snapshots:      `<root>/<collection>/shards/<shard_id>/<name>.snapshot`
 * - full snapshots:       `<root>/<name>.snapshot`
 * Each snapshot has a `<name>.snapshot.checksum` file (sha256, hex) next to it. Archives are written as hidden
 * `.<name>.<random>.tmp` files in their final directory, then renamed into place, so a listing never shows a
 * partial snapshot and a crash leaves only temp files, removed at startup.
 */
import { randomBytes } from 'node:crypto';
import { dirname, join, resolve, sep } from 'node:path';
import { AppError } from '../../errors.js';
import {
  atomicWrite, cleanTempFiles, ensureDir, fsyncDir, listDirectory, openRegularFile, pathInfo, readSmallRegularFile, removeFile, renameDurably,
  type OpenedFile,
} from '../../storage/fs.js';
import { CHECKSUM_SUFFIX, SNAPSHOT_EXTENSION, checkSnapshotName, creationTime, printable } from './names.js';

export type SnapshotScope =
  | { readonly kind: 'collection'; readonly collection: string }
  | { readonly kind: 'shard'; readonly collection: string; readonly shardId: number }
  | { readonly kind: 'full' };

/** Qdrant's `SnapshotDescription`. */
export interface SnapshotDescription {
  readonly name: string;
  readonly creation_time: string | null;
  readonly size: number;
  readonly checksum: string | null;
}

export function snapshotNotFound(name: string): AppError {
  return new AppError('NOT_FOUND', [`Not found: Snapshot ${printable(name)} not found`]);
}

export class SnapshotLayout {
  readonly root: string;

  constructor(root: string) {
    this.root = resolve(root);
  }

  /** The directory of a collection's snapshots; refuses names that would leave the snapshots root. */
  private collectionDir(collection: string): string {
    if (collection === '.' || collection === '..' || collection.includes('/') || collection.includes('\\') || collection.includes('\0')) {
      throw new AppError('BAD_INPUT', [`Bad request: collection name \`${printable(collection)}\` cannot be used as a snapshot directory`]);
    }
    const dir = resolve(this.root, collection);
    if (!dir.startsWith(this.root + sep)) throw new AppError('BAD_INPUT', [`Bad request: collection name \`${printable(collection)}\` cannot be used as a snapshot directory`]);
    return dir;
  }

  dir(scope: SnapshotScope): string {
    switch (scope.kind) {
      case 'full':
        return this.root;
      case 'collection':
        return this.collectionDir(scope.collection);
      case 'shard':
        return join(this.collectionDir(scope.collection), 'shards', String(scope.shardId));
    }
  }

  private path(scope: SnapshotScope, name: string): string {
    return join(this.dir(scope), checkSnapshotName(name));
  }

  private describeAt(dir: string, name: string): SnapshotDescription | undefined {
    const info = pathInfo(join(dir, name));
    if (info === undefined || !info.isFile) return undefined;
    const raw = readSmallRegularFile(join(dir, name + CHECKSUM_SUFFIX), 1024)?.toString('utf8').trim();
    const checksum = raw !== undefined && /^[0-9a-f]{64}$/.test(raw) ? raw : null;
    return { name, creation_time: creationTime(info.mtime), size: info.size, checksum };
  }

  /** The snapshots of a scope, oldest first. */
  list(scope: SnapshotScope): SnapshotDescription[] {
    const dir = this.dir(scope);
    const out: SnapshotDescription[] = [];
    for (const e of listDirectory(dir)) {
      if (!e.isFile || !e.name.endsWith(SNAPSHOT_EXTENSION) || e.name.length === SNAPSHOT_EXTENSION.length) continue;
      const d = this.describeAt(dir, e.name);
      if (d !== undefined) out.push(d);
    }
    return out.sort((a, b) => (a.creation_time ?? '').localeCompare(b.creation_time ?? '') || (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  }

  /**
   * Opens a snapshot for download (a regular file, never through a symlink). The caller owns the descriptor.
   * @throws AppError(BAD_INPUT) for an unsafe name, AppError(NOT_FOUND) when there is no such snapshot.
   */
  open(scope: SnapshotScope, name: string): OpenedFile {
    const f = openRegularFile(this.path(scope, name));
    if (f === undefined) throw snapshotNotFound(name);
    return f;
  }

  /** The path of an existing snapshot file (a regular file, not a symlink), for reading it in place. */
  existingPath(scope: SnapshotScope, name: string): string {
    const p = this.path(scope, name);
    const info = pathInfo(p);
    if (info === undefined || !info.isFile) throw snapshotNotFound(name);
    return p;
  }

  /**
   * Deletes a snapshot and its checksum file.
   * @throws AppError(BAD_INPUT) for an unsafe name, AppError(NOT_FOUND) when there is no such snapshot.
   */
  delete(scope: SnapshotScope, name: string): void {
    const p = this.path(scope, name);
    const info = pathInfo(p);
    if (info === undefined || !info.isFile) throw snapshotNotFound(name);
    removeFile(p);
    removeFile(p + CHECKSUM_SUFFIX);
    fsyncDir(this.dir(scope));
  }

  /** A hidden temp path in the scope's directory, for an archive to be renamed into place. */
  tempPath(scope: SnapshotScope, name: string): string {
    const dir = this.dir(scope);
    if (pathInfo(dir) === undefined) {
      ensureDir(dir);
      // New directories must survive a crash with the snapshot that will be renamed into them.
      for (let d = dir; d !== this.root && d.startsWith(this.root + sep); d = dirname(d)) fsyncDir(dirname(d));
    }
    return join(dir, `.${name}.${randomBytes(6).toString('hex')}.tmp`);
  }

  /** True when a snapshot (or anything) named `name` exists in the scope. */
  exists(scope: SnapshotScope, name: string): boolean {
    return pathInfo(this.path(scope, name)) !== undefined;
  }

  /** Publishes an archive written at `tempPath`: its checksum file first, then the archive, renamed into place. */
  install(scope: SnapshotScope, name: string, tempPath: string, sha256: string): SnapshotDescription {
    const p = this.path(scope, name);
    try {
      atomicWrite(p + CHECKSUM_SUFFIX, `${sha256}\n`);
      renameDurably(tempPath, p);
    } catch (e) {
      removeFile(tempPath);
      throw e;
    }
    const d = this.describeAt(this.dir(scope), name);
    if (d === undefined) throw new AppError('SERVICE_ERROR', [`snapshot ${name} vanished after it was written`]);
    return d;
  }

  /** Removes temp files of interrupted snapshot writes (`.*.tmp`) in every snapshot directory; returns how many. */
  cleanTemp(): number {
    let removed = cleanTempFiles(this.root);
    for (const c of listDirectory(this.root)) {
      if (!c.isDirectory) continue;
      const dir = join(this.root, c.name);
      removed += cleanTempFiles(dir);
      const shards = join(dir, 'shards');
      for (const s of listDirectory(shards)) if (s.isDirectory) removed += cleanTempFiles(join(shards, s.name));
    }
    return removed;
  }
}
