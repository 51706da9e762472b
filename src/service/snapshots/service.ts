/**
 * The snapshot service: what the REST routes and the startup flags call. One instance per table of contents
 * (created by the server and injected as `AppDeps.snapshots`), configured from `storage.snapshots_path`, `storage.temp_path`,
 * `service.enable_snapshot_url_recovery` and `service.snapshot_url_allowlist`.
 *
 * Work files go to private directories `quiver-snapshot-*` under the temp path, removed when the work ends and,
 * after a crash, at startup (`cleanSnapshotTemp`).
 */
import { SnapshotActivity } from './activity.js';
import { join } from 'node:path';
import { AppError } from '../../errors.js';
import type { Config } from '../../config/schema.js';
import type { CollectionPass, GlobalPass } from '../../auth/authorize.js';
import type { Readable } from 'node:stream';
import { fileReadStreamFromFd, makeTempDir, openRegularFile, removeEntriesWithPrefix, removeFile, removePath, fsyncDir, pathInfo } from '../../storage/fs.js';
import { validateCollectionName, type TableOfContent } from '../table-of-content.js';
import { SnapshotLayout, type SnapshotDescription, type SnapshotScope } from './layout.js';
import { collectionSnapshotName, fullSnapshotName, printable, shardSnapshotName } from './names.js';
import { exportCollection } from './export.js';
import { applyFull, exportFull, stageFull } from './full.js';
import { applyCollectionSnapshot, checkChecksum, stageArchive, type RecoveryTarget, type StageLimits, type StagedArchive } from './import.js';
import { openInside, openSnapshotFileUrl } from './file-location.js';
import { openSnapshotUrl, type Resolver } from './url-fetch.js';
import type { ConfigValidator } from './recovered-config.js';
import type { EncryptionKey } from '../../storage/encryption.js';

export type { SnapshotDescription, SnapshotScope } from './layout.js';

/** A snapshot being sent to a client: its name, exact size, and the byte stream (which closes the file). */
export interface SnapshotDownload {
  readonly name: string;
  readonly size: number;
  readonly stream: Readable;
}

export interface SnapshotLimits {
  /** Largest snapshot accepted by upload, download or file recovery (bytes of the archive). */
  readonly maxArchiveBytes: number;
  /** Time limit of a URL download, from the first connection to the last byte. */
  readonly downloadTimeoutMs: number;
  /** Longest accepted point line in `points.ndjson`. */
  readonly maxLineBytes: number;
  readonly maxRedirects: number;
  /** DNS resolution for URL recovery (tests substitute one). */
  readonly resolve?: Resolver;
  /** The create-collection request validator a recovered configuration must pass (the server injects the REST one). */
  readonly validateConfig?: ConfigValidator;
}

export const DEFAULT_SNAPSHOT_LIMITS: SnapshotLimits = {
  maxArchiveBytes: 64 * 1024 ** 3,
  downloadTimeoutMs: 60 * 60 * 1000,
  maxLineBytes: 256 * 1024 * 1024,
  maxRedirects: 5,
};

export interface SnapshotSettings {
  readonly snapshotsPath: string;
  readonly tempPath: string;
  readonly urlRecovery: boolean;
  readonly urlAllowlist: readonly string[];
  readonly limits: SnapshotLimits;
  /** Encryption at rest: snapshots are written sealed under this key, and sealed ones recover only with it. */
  readonly key?: EncryptionKey | undefined;
}

/** Prefix of the private work directories under the temp path. */
export const WORK_DIR_PREFIX = 'quiver-snapshot-';

/** The temp path Quiver uses: `storage.temp_path`, or `<storage_path>/snapshots_temp`. */
export function snapshotTempPath(config: Config): string {
  return config.storage.temp_path ?? join(config.storage.storage_path, 'snapshots_temp');
}

export function snapshotSettings(config: Config, limits: Partial<SnapshotLimits> = {}): SnapshotSettings {
  const lineFloor = Math.max(1024 * 1024, Math.floor(config.service.max_request_size_mb * 1024 * 1024));
  return {
    snapshotsPath: config.storage.snapshots_path,
    tempPath: snapshotTempPath(config),
    urlRecovery: config.service.enable_snapshot_url_recovery,
    urlAllowlist: config.service.snapshot_url_allowlist,
    limits: { ...DEFAULT_SNAPSHOT_LIMITS, maxLineBytes: Math.min(DEFAULT_SNAPSHOT_LIMITS.maxLineBytes, lineFloor * 2), ...limits },
  };
}

/** A recovery whose snapshot is read and checked; `apply` changes the collection, `discard` drops the work files. */
export interface PreparedRecovery {
  apply(): Promise<void>;
  discard(): void;
}

/** A full-snapshot restore whose archive is read and checked; `apply` replaces the collections it holds. */
export interface PreparedFullRecovery {
  apply(): Promise<string[]>;
  discard(): void;
}

export interface RecoverRequest {
  readonly location: string;
  readonly checksum?: string | null | undefined;
  readonly apiKey?: string | null | undefined;
}

/**
 * The apply/discard pair of a staged recovery: applied at most once, the outcome reported to `end`, and the work
 * directory removed either way.
 */
function appliedOnce<R>(end: (error?: unknown) => void, work: string, apply: () => Promise<R>): { apply(): Promise<R>; discard(): void } {
  let done = false;
  return {
    apply: async () => {
      if (done) throw new Error('recovery already applied or discarded');
      done = true;
      try {
        const result = await apply();
        end();
        return result;
      } catch (e) {
        end(e);
        throw e;
      } finally {
        removePath(work);
      }
    },
    discard: () => {
      done = true;
      end(new Error('discarded'));
      removePath(work);
    },
  };
}

export const URL_RECOVERY_DISABLED = 'snapshot recovery from URLs is disabled (service.enable_snapshot_url_recovery)';

/** Snapshots of one table of contents: created once by the server and injected (`AppDeps.snapshots`). */
export class SnapshotService {
  readonly layout: SnapshotLayout;
  /** Running snapshot work: gauges, progress log lines, the shutdown signal. */
  readonly activity = new SnapshotActivity();
  private current: SnapshotSettings;

  constructor(
    private readonly toc: TableOfContent,
    private readonly configured: SnapshotSettings,
  ) {
    this.current = configured;
    this.layout = new SnapshotLayout(configured.snapshotsPath);
  }

  get settings(): SnapshotSettings {
    return this.current;
  }

  /** Overrides some of the configured limits (`{}` restores them): tests exercise the limits with small values. */
  overrideLimits(limits: Partial<SnapshotLimits>): void {
    this.current = { ...this.configured, limits: { ...this.configured.limits, ...limits } };
  }

  /** The limits of staging and applying a recovery, stopped by the shutdown signal. */
  private get stageLimits(): StageLimits {
    return { ...this.settings.limits, signal: this.activity.signal };
  }

  private workDir(): string {
    return makeTempDir(this.settings.tempPath, WORK_DIR_PREFIX);
  }

  // ---------------------------------------------------------------- listing, download, delete

  list(scope: SnapshotScope): SnapshotDescription[] {
    return this.layout.list(scope);
  }

  /**
   * Opens a stored snapshot for download (a regular file in its directory, never through a symlink).
   * @throws AppError(BAD_INPUT) for an unsafe name, AppError(NOT_FOUND) for a missing snapshot.
   */
  download(scope: SnapshotScope, name: string): SnapshotDownload {
    const file = this.layout.open(scope, name);
    return { name, size: file.size, stream: fileReadStreamFromFd(file.fd) };
  }

  delete(scope: SnapshotScope, name: string): void {
    this.layout.delete(scope, name);
  }

  /** Deletes every snapshot of `collection` (its whole snapshot directory, shard snapshots included). */
  deleteCollectionSnapshots(collection: string): void {
    let dir: string;
    try {
      dir = this.layout.dir({ kind: 'collection', collection });
    } catch {
      return; // a name that cannot be a snapshot directory never had snapshots
    }
    if (pathInfo(dir) === undefined) return;
    removePath(dir);
    fsyncDir(this.layout.root);
  }

  // ---------------------------------------------------------------- creation

  /** Creates and stores a snapshot of the collection (or of one of its local shards). */
  async create(pass: CollectionPass, shardId?: number): Promise<SnapshotDescription> {
    // A collection snapshot is complete on any node of a cluster (the shards held elsewhere come from their holders);
    // a shard snapshot is taken from this node's replica.
    const source = shardId === undefined ? await this.toc.completeSnapshotSource(pass) : this.toc.snapshotSource(pass);
    const now = new Date();
    const scope: SnapshotScope = shardId === undefined ? { kind: 'collection', collection: source.name } : { kind: 'shard', collection: source.name, shardId };
    const name = shardId === undefined ? collectionSnapshotName(source.name, now) : shardSnapshotName(source.name, shardId, now);
    const work = this.workDir();
    const tmp = this.layout.tempPath(scope, name);
    try {
      return await this.activity.creation(`snapshot ${name} of collection ${source.name}`, async () => {
        const written = await exportCollection(source, shardId === undefined ? { kind: 'collection' } : { kind: 'shard', shardId }, tmp, work, now, this.activity.signal, this.settings.key);
        return this.layout.install(scope, name, tmp, written.sha256);
      }, source.name);
    } finally {
      removeFile(tmp);
      removePath(work);
    }
  }

  /** Creates and stores a snapshot of every collection and alias. */
  async createFull(pass: GlobalPass): Promise<SnapshotDescription> {
    const now = new Date();
    let name = fullSnapshotName(now);
    for (let attempt = 1; this.layout.exists({ kind: 'full' }, name); attempt++) name = fullSnapshotName(now, attempt);
    const work = this.workDir();
    const tmp = this.layout.tempPath({ kind: 'full' }, name);
    try {
      return await this.activity.creation(`full snapshot ${name}`, async () => {
        const written = await exportFull(this.toc, pass, tmp, work, now, this.activity.signal, this.settings.key);
        return this.layout.install({ kind: 'full' }, name, tmp, written.sha256);
      });
    } finally {
      removeFile(tmp);
      removePath(work);
    }
  }

  /**
   * Builds a shard snapshot for streaming (`GET …/shards/{id}/snapshot`): written to the temp path, opened, and
   * unlinked at once, so it disappears when the download ends (or the process dies).
   */
  async streamShard(pass: CollectionPass, shardId: number): Promise<SnapshotDownload> {
    const source = this.toc.snapshotSource(pass);
    const now = new Date();
    const name = shardSnapshotName(source.name, shardId, now);
    const work = this.workDir();
    try {
      const path = join(work, 'stream.snapshot');
      await exportCollection(source, { kind: 'shard', shardId }, path, work, now, this.activity.signal, this.settings.key);
      const file = openRegularFile(path);
      if (file === undefined) throw new AppError('SERVICE_ERROR', ['the streamed snapshot vanished']);
      return { name, size: file.size, stream: fileReadStreamFromFd(file.fd) };
    } finally {
      removePath(work);
    }
  }

  // ---------------------------------------------------------------- recovery

  /**
   * Opens a recovery location: `file://` (inside the snapshots directory), `http(s)://` (when URL recovery is on,
   * with the SSRF checks), or — for a shard target only — a plain snapshot name or path inside the shard's
   * snapshot directory (Qdrant's `ShardSnapshotLocation`).
   * @throws AppError(FORBIDDEN | BAD_INPUT)
   */
  async openLocation(request: RecoverRequest, shard?: { collection: string; shardId: number } | 'full'): Promise<AsyncIterable<unknown>> {
    let url: URL | undefined;
    try {
      url = new URL(request.location);
    } catch {
      url = undefined;
    }
    const known = url !== undefined && (url.protocol === 'file:' || url.protocol === 'http:' || url.protocol === 'https:');
    if (url === undefined || !known) {
      if (shard === 'full') return fileReadStreamFromFd(openInside(request.location, this.layout.dir({ kind: 'full' })).fd);
      if (shard !== undefined) return fileReadStreamFromFd(openInside(request.location, this.layout.dir({ kind: 'shard', ...shard })).fd);
      if (url === undefined) throw new AppError('BAD_INPUT', [`Bad request: invalid snapshot location \`${printable(request.location)}\`: expected a file:// or http(s):// URL`]);
    }
    if (url.protocol === 'file:') return fileReadStreamFromFd(openSnapshotFileUrl(url, this.layout.root).fd);
    if (url.protocol === 'http:' || url.protocol === 'https:') {
      if (!this.settings.urlRecovery) throw new AppError('FORBIDDEN', [URL_RECOVERY_DISABLED]);
      const l = this.settings.limits;
      return openSnapshotUrl(url, {
        allowlist: this.settings.urlAllowlist,
        maxBytes: l.maxArchiveBytes,
        timeoutMs: l.downloadTimeoutMs,
        maxRedirects: l.maxRedirects,
        apiKey: request.apiKey ?? undefined,
        ...(l.resolve === undefined ? {} : { resolve: l.resolve }),
      });
    }
    throw new AppError('BAD_INPUT', [`Bad request: URL ${printable(url.href)} with scheme ${printable(url.protocol.replace(/:$/, ''))} is not supported`]);
  }

  /**
   * Reads and checks a snapshot (checksum included) without changing anything; `apply()` then recovers it into
   * `collection`. The work directory is removed by `apply()` or `discard()`.
   * @throws AppError(BAD_INPUT) for an invalid snapshot; AppError(WRONG_INPUT) for a checksum mismatch.
   */
  async prepare(pass: GlobalPass, collection: string, source: AsyncIterable<unknown>, checksum: string | null | undefined, target: RecoveryTarget, shardId = 0): Promise<PreparedRecovery> {
    const end = this.activity.recoveryStarted(collection, target === 'shard' ? 'a shard snapshot' : 'a snapshot');
    let work: string;
    try {
      validateCollectionName(collection);
      work = this.workDir();
    } catch (e) {
      end(e);
      await source[Symbol.asyncIterator]().return?.();
      throw e;
    }
    let staged: StagedArchive;
    try {
      staged = await stageArchive(source, work, 'collection-like', this.stageLimits, this.settings.key);
      checkChecksum(checksum, staged.sha256);
    } catch (e) {
      end(e);
      removePath(work);
      throw e;
    }
    return appliedOnce(end, work, () => applyCollectionSnapshot(this.toc, pass, collection, staged, target, this.stageLimits, shardId));
  }

  /** Recovers `collection` from a location (`PUT …/snapshots/recover`). */
  async recover(pass: GlobalPass, collection: string, request: RecoverRequest, target: RecoveryTarget, shardId = 0): Promise<void> {
    const source = await this.openLocation(request, target === 'shard' ? { collection: this.toc.resolve(collection), shardId } : undefined);
    const prepared = await this.prepare(pass, collection, source, request.checksum, target, shardId);
    await prepared.apply();
  }

  /** Restores a full snapshot file at startup (`--storage-snapshot`). */
  async restoreFullFromFile(pass: GlobalPass, path: string, force: boolean): Promise<string[]> {
    const file = openRegularFile(path);
    if (file === undefined) throw new AppError('BAD_INPUT', [`Bad request: snapshot file \`${printable(path)}\` does not exist or is not a regular file`]);
    const prepared = await this.prepareFull(pass, fileReadStreamFromFd(file.fd), undefined, force, path);
    return prepared.apply();
  }

  /**
   * Reads and checks a full snapshot (checksum included, every nested collection) without changing anything;
   * `apply()` then replaces or creates its collections and sets its aliases. Without `force`, a collection of the
   * same name refuses it (409) before anything changes. Quiver only: Qdrant restores full snapshots at startup.
   * @throws AppError(BAD_INPUT | WRONG_INPUT | COLLECTION_EXISTS)
   */
  async prepareFull(pass: GlobalPass, source: AsyncIterable<unknown>, checksum: string | null | undefined, force: boolean, from = 'a full snapshot'): Promise<PreparedFullRecovery> {
    const end = this.activity.recoveryStarted('(all, full snapshot)', from);
    const work = this.workDir();
    let staged;
    try {
      staged = await stageFull(this.toc, source, work, this.stageLimits, force, checksum ?? undefined, this.settings.key);
    } catch (e) {
      end(e);
      removePath(work);
      await source[Symbol.asyncIterator]().return?.();
      throw e;
    }
    return appliedOnce(end, work, () => applyFull(this.toc, pass, staged, this.stageLimits));
  }

  /** Recovers a collection from a snapshot file at startup (`--snapshot PATH:COLLECTION`). */
  async recoverFromFile(pass: GlobalPass, path: string, collection: string): Promise<void> {
    const file = openRegularFile(path);
    if (file === undefined) throw new AppError('BAD_INPUT', [`Bad request: snapshot file \`${printable(path)}\` does not exist or is not a regular file`]);
    const prepared = await this.prepare(pass, collection, fileReadStreamFromFd(file.fd), undefined, 'collection');
    await prepared.apply();
  }

  /** Removes work directories and temp files that a crash left behind. Call at startup. */
  cleanTemp(): number {
    return removeEntriesWithPrefix(this.settings.tempPath, WORK_DIR_PREFIX) + this.layout.cleanTemp();
  }
}
