/**
 * The only module that touches node:fs for data files. Every replacement is atomic:
 * write a temp file → fsync → rename over the target → fsync the directory.
 */
import { mkdirSync, openSync, fsyncSync, closeSync, writeSync, renameSync, rmSync, existsSync, readdirSync, readFileSync, statSync, statfsSync, watchFile as fsWatchFile, unwatchFile } from 'node:fs';
import { dirname, join } from 'node:path';
import * as fsp from 'node:fs/promises';
import { randomBytes } from 'node:crypto';
// snapshots (issue 7)
import { chmodSync, constants as fsConstants, createReadStream, createWriteStream, fstatSync, lstatSync, mkdtempSync, readSync, realpathSync, unlinkSync, type WriteStream } from 'node:fs';
import type { Readable } from 'node:stream';

/** Creates `dir` and its parents if missing. */
export function ensureDir(dir: string): void {
  mkdirSync(dir, { recursive: true, mode: 0o700 });
}

/**
 * Makes everything this process creates from now on owner-only (umask 077: files 0600, directories 0700), native
 * writers (LMDB) included. Call once, on the main thread, before opening storage.
 */
export function ownerOnlyFiles(): void {
  process.umask(0o077);
}

/** Removes group and other permissions from an existing file or directory (one written by an earlier version). */
export function restrictToOwner(path: string): void {
  const st = lstatSync(path, { throwIfNoEntry: false });
  if (st === undefined || st.isSymbolicLink() || (st.mode & 0o077) === 0) return;
  chmodSync(path, st.mode & 0o700);
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

/** Size in KiB of the filesystem holding `path` (Qdrant telemetry `disk_size`), or null when it cannot be read. */
export function diskSizeKib(path: string): number | null {
  try {
    const s = statfsSync(path);
    return Math.round((s.blocks * s.bsize) / 1024);
  } catch {
    return null;
  }
}

/** Whether `path` exists (e.g. `/.dockerenv`). */
export function pathExists(path: string): boolean {
  return existsSync(path);
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

// ---------------------------------------------------------------- snapshots: streams, directories, safe opens

/** A regular file opened read-only without following a final symlink, and what `fstat` says about it. */
export interface OpenedFile {
  readonly fd: number;
  readonly size: number;
  readonly dev: number;
  readonly ino: number;
  readonly mtime: Date;
}

function errCode(e: unknown): string | undefined {
  return typeof e === 'object' && e !== null && 'code' in e && typeof e.code === 'string' ? e.code : undefined;
}

/**
 * Opens `path` for reading with `O_NOFOLLOW` and checks (on the open descriptor) that it is a regular file.
 * @returns undefined when the path is missing, is a symlink, or is not a regular file (directory, device, FIFO).
 */
export function openRegularFile(path: string): OpenedFile | undefined {
  let fd: number;
  try {
    fd = openSync(path, fsConstants.O_RDONLY | fsConstants.O_NOFOLLOW | fsConstants.O_NONBLOCK);
  } catch (e) {
    const code = errCode(e);
    if (code === 'ENOENT' || code === 'ELOOP' || code === 'ENOTDIR' || code === 'EISDIR' || code === 'ENXIO') return undefined;
    throw e;
  }
  const st = fstatSync(fd);
  if (!st.isFile()) {
    closeSync(fd);
    return undefined;
  }
  return { fd, size: st.size, dev: st.dev, ino: st.ino, mtime: st.mtime };
}

/** Closes a descriptor from {@link openRegularFile} that was not handed to a stream. */
export function closeFile(fd: number): void {
  closeSync(fd);
}

/** A read stream over an open descriptor (closed when the stream ends or is destroyed). */
export function fileReadStreamFromFd(fd: number): Readable {
  return createReadStream('', { fd, autoClose: true });
}

/** A read stream over `path`. */
export function fileReadStream(path: string): Readable {
  return createReadStream(path);
}

/** A new file (`wx`: never an existing one, never through a symlink) opened for writing, mode 0600. */
export function fileWriteStream(path: string): WriteStream {
  ensureDir(dirname(path));
  return createWriteStream(path, { flags: 'wx', mode: 0o600 });
}

/** Flushes a file's data to disk. */
export function fsyncFile(path: string): void {
  const fd = openSync(path, 'r');
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

/** Renames `from` over `to` (same filesystem) and flushes the target directory, so the rename survives a crash. */
export function renameDurably(from: string, to: string): void {
  renameSync(from, to);
  fsyncDir(dirname(to));
}

/** Creates a fresh, private directory `<parent>/<prefix>XXXXXX`. */
export function makeTempDir(parent: string, prefix: string): string {
  ensureDir(parent);
  return mkdtempSync(join(parent, prefix));
}

/** The canonical path of `path` (every symlink resolved), or undefined when it does not exist. */
export function realPathIfExists(path: string): string | undefined {
  try {
    return realpathSync.native(path);
  } catch (e) {
    const code = errCode(e);
    if (code === 'ENOENT' || code === 'ENOTDIR' || code === 'ELOOP') return undefined;
    throw e;
  }
}

/** What `lstat` says about a path (symlinks are not followed), or undefined when it does not exist. */
export function pathInfo(path: string): { isFile: boolean; isDirectory: boolean; isSymlink: boolean; size: number; mtime: Date; dev: number; ino: number } | undefined {
  try {
    const st = lstatSync(path);
    return { isFile: st.isFile(), isDirectory: st.isDirectory(), isSymlink: st.isSymbolicLink(), size: st.size, mtime: st.mtime, dev: st.dev, ino: st.ino };
  } catch (e) {
    const code = errCode(e);
    if (code === 'ENOENT' || code === 'ENOTDIR') return undefined;
    throw e;
  }
}

/** The entries of `dir` (empty when it does not exist), without following symlinks. */
export function listDirectory(dir: string): Array<{ name: string; isFile: boolean; isDirectory: boolean }> {
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { withFileTypes: true }).map((d) => ({ name: d.name, isFile: d.isFile(), isDirectory: d.isDirectory() }));
}

/**
 * Creates `path` with `content` only if it does not exist yet (`O_CREAT | O_EXCL`, atomic on local file systems).
 * @returns false when the file already exists.
 */
export function createExclusiveFile(path: string, content: string): boolean {
  ensureDir(dirname(path));
  let fd: number;
  try {
    fd = openSync(path, 'wx', 0o600);
  } catch (e) {
    if (errCode(e) === 'EEXIST') return false;
    throw e;
  }
  try {
    writeSync(fd, content);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  return true;
}

/** Removes one file; false when it did not exist. */
export function removeFile(path: string): boolean {
  try {
    unlinkSync(path);
    return true;
  } catch (e) {
    if (errCode(e) === 'ENOENT') return false;
    throw e;
  }
}

/** Removes every entry of `dir` whose name starts with `prefix` (files or whole directories); returns how many. */
export function removeEntriesWithPrefix(dir: string, prefix: string): number {
  if (!existsSync(dir)) return 0;
  let removed = 0;
  for (const name of readdirSync(dir)) {
    if (!name.startsWith(prefix)) continue;
    rmSync(join(dir, name), { recursive: true, force: true });
    removed++;
  }
  return removed;
}

/**
 * The content of a small regular file, read without following a final symlink.
 * @returns undefined when missing, not a regular file, a symlink, or larger than `maxBytes`.
 */
export function readSmallRegularFile(path: string, maxBytes: number): Buffer | undefined {
  const f = openRegularFile(path);
  if (f === undefined) return undefined;
  try {
    if (f.size > maxBytes) return undefined;
    const buf = Buffer.alloc(f.size);
    let off = 0;
    while (off < f.size) {
      const n = readSync(f.fd, buf, off, f.size - off, off);
      if (n === 0) break;
      off += n;
    }
    return buf.subarray(0, off);
  } finally {
    closeSync(f.fd);
  }
}

/**
 * `atomicWrite` without blocking the event loop: the write and the fsyncs run on libuv's thread pool,
 * so saving a large file (an index image) never stalls requests.
 */
export async function atomicWriteAsync(path: string, data: Uint8Array): Promise<void> {
  const dir = dirname(path);
  await fsp.mkdir(dir, { recursive: true });
  const tmp = join(dir, `.${randomBytes(6).toString('hex')}.tmp`);
  const fh = await fsp.open(tmp, 'w', 0o600);
  try {
    await fh.writeFile(data);
    await fh.sync();
  } catch (e) {
    await fh.close();
    await fsp.rm(tmp, { force: true });
    throw e;
  }
  await fh.close();
  await fsp.rename(tmp, path);
  const d = await fsp.open(dir, 'r');
  try {
    await d.sync();
  } finally {
    await d.close();
  }
}
