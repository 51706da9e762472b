/**
 * The durable store: one LMDB environment under `storage_path` holding a `meta` database
 * (format version, collection descriptors, aliases) and one database per collection for its points.
 *
 * Durability contract: `commit(fn)` runs `fn`'s puts and removes in one LMDB write transaction and
 * resolves only after the transaction is synced to disk (the environment is opened with
 * `overlappingSync: false`, so "committed" and "flushed" are the same promise). A write acknowledged
 * after `await commit(…)` survives kill -9. Transactions issued in the same turn are batched into one
 * fsync (group commit) and commit in issue order.
 */
import { open, type RootDatabase, type Database, type Key } from 'lmdb';
import { join } from 'node:path';
import { diskUsagePercent, ensureDir, restrictToOwner } from '../fs.js';
import { AppError } from '../../errors.js';
import { checkFormatVersion, FormatVersionError } from '../format-version.js';
import { checkStoreKey, type EncryptionKey } from '../encryption.js';
import { finishRekey } from '../rekey.js';

/**
 * The store's format version, kept under `format_version` in `meta`. Version 1 covers the meta keys
 * (`collection:<name>` descriptors, `collection-state:<uuid>`, `aliases`, quotas, `snapshot-pending:<uuid>`)
 * and the point encoding of `points:<uuid>` tables (`collection/point-codec.ts`). Changing any of them bumps it.
 * Version 2: a descriptor may record the shard ids of its custom shard keys (`shardIds`); a version-1 descriptor
 * has none and reads as version 1 numbered them. Version 3: a point whose payload holds an integer beyond
 * ±(2^53−1) stores it as exact JSON text marked `x: 1` (an older reader would round it). Every older record is a
 * valid version 3 record, so migrating from 1 or 2 only bumps the marker.
 */
export const STORE_FORMAT_VERSION = 3;
/** The meta key holding {@link STORE_FORMAT_VERSION}. */
export const FORMAT_VERSION_KEY = 'format_version';

export type KvKey = Key;

export interface KvTable<V> {
  get(key: KvKey): V | undefined;
  put(key: KvKey, value: V): void;
  remove(key: KvKey): void;
  /** Entries in key order (numbers before strings), optionally starting at `start`. */
  entries(start?: KvKey): Iterable<{ key: KvKey; value: V }>;
  keys(start?: KvKey): Iterable<KvKey>;
  count(): number;
}

class LmdbTable<V> implements KvTable<V> {
  constructor(readonly db: Database<V, Key>) {}
  get(key: KvKey): V | undefined {
    return this.db.get(key);
  }
  put(key: KvKey, value: V): void {
    // Inside Store.commit this joins the open write transaction synchronously.
    void this.db.put(key, value);
  }
  remove(key: KvKey): void {
    void this.db.remove(key);
  }
  *entries(start?: KvKey): Iterable<{ key: KvKey; value: V }> {
    for (const { key, value } of this.db.getRange(start === undefined ? {} : { start })) yield { key, value };
  }
  *keys(start?: KvKey): Iterable<KvKey> {
    yield* this.db.getKeys(start === undefined ? {} : { start });
  }
  count(): number {
    return this.db.getCount();
  }
}

export class Store {
  private readonly env: RootDatabase;
  readonly meta: KvTable<unknown>;
  private readonly tables = new Map<string, LmdbTable<unknown>>();
  readonly path: string;
  /** The encryption at rest key (`storage.encryption`), if on: LMDB pages here, index images and snapshots elsewhere. */
  readonly key: EncryptionKey | undefined;

  private constructor(path: string, key: EncryptionKey | undefined) {
    this.path = path;
    this.key = key;
    ensureDir(path);
    this.env = open({
      path: join(path, 'quiver.mdb'),
      ...(key === undefined ? {} : { encryptionKey: key.lmdbKey }),
      maxDbs: 10_000,
      overlappingSync: false,
      compression: false,
      // Readers see committed state only; LMDB grows the map as needed.
      mapSize: 2 * 1024 * 1024 * 1024,
    });
    this.meta = new LmdbTable(this.env.openDB<unknown, Key>({ name: 'meta' }));
    // Owner-only, also for a store an earlier version created with the default umask.
    for (const p of [path, join(path, 'quiver.mdb'), join(path, 'quiver.mdb-lock')]) restrictToOwner(p);
  }

  /**
   * Opens (creating if needed) the store at `path` and checks its format version before anything else reads or
   * writes it. A store without a version gets one (migration to the marked format), in one transaction: a crash
   * leaves either no marker (and the next open writes it) or the whole of it, and never touches the data.
   * With `key`, the store is encrypted at rest; the key is checked against the store's before LMDB opens it.
   * @throws AppError(SERVICE_ERROR) when the store's format is newer than this build reads, or damaged, or its
   *   encryption key is not `key` (missing, wrong, or given for an unencrypted store)
   */
  static open(path: string, key?: EncryptionKey): Store {
    // A rekey a crash interrupted is completed (or undone) first, so the key check sees one consistent store.
    finishRekey(path);
    checkStoreKey(path, key);
    const store = new Store(path, key);
    try {
      const stored = store.meta.get(FORMAT_VERSION_KEY);
      const version = checkFormatVersion('storage', stored, STORE_FORMAT_VERSION);
      // Unmarked: a new store is written in the current format; one holding data predates the marker (v1).
      // An older version is migrated in one transaction that also writes the marker: 1 or 2 → 3 changes no record
      // (older descriptors and points read as they were), so a crash leaves the old marker or the new one.
      if (stored === undefined || version < STORE_FORMAT_VERSION) {
        store.env.transactionSync(() => store.meta.put(FORMAT_VERSION_KEY, STORE_FORMAT_VERSION));
      }
    } catch (e) {
      void store.env.close();
      if (e instanceof FormatVersionError) throw new AppError('SERVICE_ERROR', [`storage at ${path}: ${e.message}`], { cause: e });
      throw e;
    }
    return store;
  }

  table<V>(name: string): KvTable<V> {
    let t = this.tables.get(name);
    if (t === undefined) {
      t = new LmdbTable(this.env.openDB<unknown, Key>({ name }));
      this.tables.set(name, t);
    }
    return t as KvTable<V>;
  }

  /**
   * Runs `fn` inside one write transaction and resolves when it is durable on disk.
   * @throws AppError(INSUFFICIENT_STORAGE | SERVICE_ERROR) when the transaction cannot be written.
   */
  async commit(fn: () => void): Promise<void> {
    try {
      await this.env.transaction(fn);
    } catch (e) {
      throw storageError(e, this.path);
    }
  }

  /** Removes every entry of a table and the table itself, durably. */
  async dropTable(name: string): Promise<void> {
    const t = this.table(name) as LmdbTable<unknown>;
    try {
      await t.db.drop();
    } catch (e) {
      throw storageError(e, this.path);
    }
    this.tables.delete(name);
  }

  async close(): Promise<void> {
    await this.env.close();
  }
}

/**
 * Maps a failed LMDB write to an error kind. lmdb-js reports a failed commit as "Commit failed" and hangs
 * the real errno on `commitError`, a promise that rejects too: it is consumed here, or the process would
 * die of an unhandled rejection. A full disk usually surfaces as EIO, so free space decides between 507
 * (insufficient storage) and 500.
 */
function storageError(e: unknown, path: string): AppError {
  const commitError = (e as { commitError?: unknown } | null)?.commitError;
  if (commitError instanceof Promise) commitError.catch(() => undefined);
  const msg = e instanceof Error ? e.message : String(e);
  const used = diskUsagePercent(path);
  if (/ENOSPC|MDB_MAP_FULL|No space/i.test(msg) || (used !== null && used >= 99)) {
    return new AppError('INSUFFICIENT_STORAGE', [`the storage volume at ${path} is full; writes are refused until space is freed, reads keep working`], { cause: e });
  }
  return new AppError('SERVICE_ERROR', [`storage write failed: ${msg}`], { cause: e });
}
