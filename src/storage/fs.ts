/**
 * The only module that touches node:fs for data files. Every replacement is atomic:
 * write a temp file → fsync → rename over the target → fsync the directory.
 */
import { mkdirSync, openSync, fsyncSync, closeSync, writeSync, renameSync, rmSync, existsSync, readdirSync, readFileSync, statSync, statfsSync, watchFile as fsWatchFile, unwatchFile } from 'node:fs';
import { dirname, join } from 'node:path';
import { randomBytes } from 'node:crypto';

/** Creates `dir` and its parents if missing. */
export function ensureDir(dir: string): void {
  mkdirSync(dir, { recursive: true });
}

/** Flushes a directory entry table so a rename inside it survives a crash. */
export function fsyncDir(dir: string): void {
  const fd = openSync(dir, 'r');
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

/**
 * Replaces `path` with `data` atomically: readers and a crash see the old file or the new one, never a mix.
 * @throws the underlying fs error, whose message carries the path.
 */
export function atomicWrite(path: string, data: Uint8Array | string): void {
  const dir = dirname(path);
  ensureDir(dir);
  const tmp = join(dir, `.${randomBytes(6).toString('hex')}.tmp`);
  const fd = openSync(tmp, 'w', 0o600);
  try {
    const bytes = typeof data === 'string' ? Buffer.from(data) : data;
    let off = 0;
    while (off < bytes.length) off += writeSync(fd, bytes, off, bytes.length - off);
    fsyncSync(fd);
  } catch (e) {
    closeSync(fd);
    rmSync(tmp, { force: true });
    throw e;
  }
  closeSync(fd);
  renameSync(tmp, path);
  fsyncDir(dir);
}

export function readFileIfExists(path: string): Buffer | undefined {
  return existsSync(path) ? readFileSync(path) : undefined;
}

export function removePath(path: string): void {
  rmSync(path, { recursive: true, force: true });
}

/** Removes leftover `.*.tmp` files of interrupted atomic writes in `dir` (not recursive). */
export function cleanTempFiles(dir: string): number {
  if (!existsSync(dir)) return 0;
  let removed = 0;
  for (const name of readdirSync(dir)) {
    if (name.startsWith('.') && name.endsWith('.tmp')) {
      rmSync(join(dir, name), { force: true });
      removed++;
    }
  }
  return removed;
}

/** Total size in bytes of the files under `dir` (0 when missing). */
export function directorySize(dir: string): number {
  if (!existsSync(dir)) return 0;
  let total = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, entry.name);
    if (entry.isDirectory()) total += directorySize(p);
    else if (entry.isFile()) total += statSync(p).size;
  }
  return total;
}

/** Percentage of the filesystem holding `path` that is in use, or null when it cannot be read. */
export function diskUsagePercent(path: string): number | null {
  try {
    const s = statfsSync(path);
    return Math.round((1 - s.bavail / s.blocks) * 1000) / 10;
  } catch {
    return null;
  }
}

/**
 * Calls `onChange` when the file at `path` changes (content replaced, renamed over, created or removed).
 * Polls with stat so an atomic rename-over is seen too. Returns a function that stops watching.
 */
export function watchFile(path: string, intervalMs: number, onChange: () => void): () => void {
  const listener = (curr: { mtimeMs: number; ino: number; size: number }, prev: { mtimeMs: number; ino: number; size: number }): void => {
    if (curr.mtimeMs !== prev.mtimeMs || curr.ino !== prev.ino || curr.size !== prev.size) onChange();
  };
  fsWatchFile(path, { interval: intervalMs, persistent: false }, listener);
  return () => unwatchFile(path, listener);
}
