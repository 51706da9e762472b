/**
 * One process per storage directory: a pid file created with `O_EXCL` in the storage directory. A second
 * server on the same `storage_path` would otherwise open the same LMDB environment and keep its own
 * in-memory state, so writes through one would be invisible to the other.
 *
 * A pid file whose process no longer exists (a crash, `kill -9`) is stale: it is replaced, not obeyed.
 */
import { join } from 'node:path';
import { createExclusiveFile, readSmallRegularFile, removeFile } from './fs.js';

export const LOCK_FILE_NAME = 'quiver.pid';

/** The storage directory is held by another live process. */
export class StorageLockedError extends Error {
  override name = 'StorageLockedError';
  constructor(
    readonly storagePath: string,
    readonly pid: number,
  ) {
    super(`storage ${storagePath} is in use by pid ${pid}`);
  }
}

export interface StorageLock {
  readonly path: string;
  /** Removes the pid file if it is still ours (idempotent, synchronous: safe in an `exit` handler). */
  release(): void;
}

/** Whether a process with this pid exists (EPERM: it exists but belongs to someone else). */
function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function holder(path: string): number | undefined {
  const text = readSmallRegularFile(path, 64)?.toString('utf8').trim();
  const pid = text === undefined ? NaN : Number(text);
  return Number.isSafeInteger(pid) && pid > 0 ? pid : undefined;
}

/**
 * Takes the storage lock for this process.
 * @throws {@link StorageLockedError} when a live process (other than this one) holds it.
 */
export function lockStorage(storagePath: string, pid = process.pid): StorageLock {
  const path = join(storagePath, LOCK_FILE_NAME);
  for (let attempt = 0; ; attempt++) {
    if (createExclusiveFile(path, `${pid}\n`)) break;
    const other = holder(path);
    if (other !== undefined && other !== pid && alive(other)) throw new StorageLockedError(storagePath, other);
    if (other === pid) break;
    // Stale (dead pid, or a torn/empty file from a crash during creation): replace it once, then race fairly.
    if (attempt > 0) throw new StorageLockedError(storagePath, other ?? 0);
    removeFile(path);
  }
  let released = false;
  return {
    path,
    release() {
      if (released) return;
      released = true;
      if (holder(path) === pid) removeFile(path);
    },
  };
}
