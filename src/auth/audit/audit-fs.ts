/**
 * The audit log's file adapter: the only module under `auth/audit/` that imports node:fs. Everything here is
 * mechanism (append + fdatasync, truncate, chunked line readers, the checkpoint slots); the policy — what a
 * line is, when to rotate, what to do on failure — lives in the callers.
 *
 * Errors are the underlying fs errors (`code` ENOSPC, EACCES, ENOTDIR, …; messages carry the path).
 */
import {
  closeSync,
  constants,
  fsyncSync,
  mkdirSync,
  openSync,
  readdirSync,
  readFileSync,
  readSync,
  statSync,
  truncateSync,
  unlinkSync,
  write,
  writeSync,
} from 'node:fs';
import { open, type FileHandle } from 'node:fs/promises';

/** Bytes read per chunk by the line readers. */
const CHUNK_BYTES = 64 * 1024;
const NEWLINE = 0x0a;

/** True when `e` is a Node system error with this `code`. */
export function hasErrorCode(e: unknown, code: string): boolean {
  return typeof e === 'object' && e !== null && (e as { code?: unknown }).code === code;
}

/** Creates `dir` (and parents) with mode 0700 if missing: audit lines name subjects and client addresses. */
export function ensureAuditDir(dir: string): void {
  mkdirSync(dir, { recursive: true, mode: 0o700 });
}

/** The entry names of `dir`; `[]` when it does not exist. */
export function listDir(dir: string): string[] {
  try {
    return readdirSync(dir);
  } catch (e) {
    if (hasErrorCode(e, 'ENOENT')) return [];
    throw e;
  }
}

/** True when `path` exists and is a directory. */
export function isDirectory(path: string): boolean {
  try {
    return statSync(path).isDirectory();
  } catch (e) {
    if (hasErrorCode(e, 'ENOENT') || hasErrorCode(e, 'ENOTDIR')) return false;
    throw e;
  }
}

/** Size of a file in bytes; 0 when it does not exist. */
export function fileSize(path: string): number {
  try {
    return statSync(path).size;
  } catch (e) {
    if (hasErrorCode(e, 'ENOENT')) return 0;
    throw e;
  }
}

/** Whole file, or `undefined` when it does not exist. */
export function readFileIfPresent(path: string): Buffer | undefined {
  try {
    return readFileSync(path);
  } catch (e) {
    if (hasErrorCode(e, 'ENOENT')) return undefined;
    throw e;
  }
}

/** Flushes a directory's entry table so a file created, renamed or removed in it survives a crash. */
export function fsyncDirectory(dir: string): void {
  const fd = openSync(dir, 'r');
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

/** Removes a file; a file already gone is not an error. */
export function removeFile(path: string): void {
  try {
    unlinkSync(path);
  } catch (e) {
    if (!hasErrorCode(e, 'ENOENT')) throw e;
  }
}

/** Cuts a file to `size` bytes and makes the cut durable. */
export function truncateDurably(path: string, size: number): void {
  truncateSync(path, size);
  const fd = openSync(path, 'r+');
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

/**
 * Creates `path` with `data` and mode 0600, failing with EEXIST when it already exists (`O_EXCL`), then fsyncs
 * the file and its directory.
 */
export function createExclusive(path: string, dir: string, data: string): void {
  const fd = openSync(path, 'wx', 0o600);
  try {
    const bytes = Buffer.from(data);
    let off = 0;
    while (off < bytes.length) off += writeSync(fd, bytes, off, bytes.length - off);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  fsyncDirectory(dir);
}

/** An append-only file handle: the log file being written. */
/** `O_DSYNC`, where the platform has it (not on Windows). */
const DSYNC: number | undefined = constants.O_DSYNC;

export class AppendFile {
  private constructor(
    readonly path: string,
    private readonly handle: FileHandle,
    /** Bytes in the file, as far as this writer knows. */
    public size: number,
  ) {}

  /**
   * Opens (creating with mode 0600 if needed) `path` for appending. Where the platform has `O_DSYNC`, the file is
   * opened with it: each write returns once its data (and the size change) is on disk, so an append is one call
   * instead of a write and an `fdatasync` — one trip through the thread pool and the event loop fewer per commit.
   */
  static async open(path: string): Promise<AppendFile> {
    const handle = await open(path, DSYNC === undefined ? 'a' : constants.O_WRONLY | constants.O_APPEND | constants.O_CREAT | DSYNC, 0o600);
    try {
      const { size } = await handle.stat();
      return new AppendFile(path, handle, size);
    } catch (e) {
      await handle.close().catch(() => undefined);
      throw e;
    }
  }

  /** Appends all of `bytes` (looping over short writes), then `fdatasync`s: durable when it resolves. */
  async appendDurably(bytes: Buffer): Promise<void> {
    let off = 0;
    while (off < bytes.length) {
      const { bytesWritten } = await this.handle.write(bytes, off, bytes.length - off);
      off += bytesWritten;
    }
    // With O_DSYNC each write was durable when it returned; else fdatasync covers the data and the size change an
    // append needs (no atime/mtime flush).
    if (DSYNC === undefined) await this.handle.datasync();
    this.size += bytes.length;
  }

  /** Cuts the file back to `size` (undoing a failed append) and makes the cut durable. */
  async truncateDurably(size: number): Promise<void> {
    await this.handle.truncate(size);
    await this.handle.datasync();
    this.size = size;
  }

  /** True when the file was deleted (or its directory replaced) while open: appends would go nowhere. */
  async isUnlinked(): Promise<boolean> {
    return (await this.handle.stat()).nlink === 0;
  }

  close(): Promise<void> {
    return this.handle.close();
  }
}

/**
 * A file of two fixed-size slots written alternately in place (the double-buffered superblock pattern): a torn
 * write can spoil at most the slot being written, and the reader keeps the valid slot of the highest generation.
 */
export class SlotFile {
  private constructor(
    private readonly fd: number,
    private readonly slotBytes: number,
  ) {}

  /** Opens (creating with mode 0600) a slot file. */
  static open(path: string, slotBytes: number): SlotFile {
    // Not 'a': O_APPEND would ignore the write positions.
    return new SlotFile(openSync(path, constants.O_RDWR | constants.O_CREAT, 0o600), slotBytes);
  }

  /** Writes one slot (`data` must be exactly `slotBytes` long). No fsync: see {@link sync}. */
  write(slot: 0 | 1, data: Buffer): void {
    if (data.length !== this.slotBytes) throw new RangeError(`slot data must be ${this.slotBytes} bytes`);
    let off = 0;
    while (off < data.length) off += writeSync(this.fd, data, off, data.length - off, slot * this.slotBytes + off);
  }

  /**
   * {@link write} on the thread pool, so the event loop never waits for the file system (a small write can still
   * block behind a journal commit). At most one may be in flight per file: the caller serialises them.
   */
  async writeInBackground(slot: 0 | 1, data: Buffer): Promise<void> {
    if (data.length !== this.slotBytes) throw new RangeError(`slot data must be ${this.slotBytes} bytes`);
    let off = 0;
    while (off < data.length) {
      off += await new Promise<number>((resolve, reject) => {
        write(this.fd, data, off, data.length - off, slot * this.slotBytes + off, (e, n) => (e === null ? resolve(n) : reject(e)));
      });
    }
  }

  sync(): void {
    fsyncSync(this.fd);
  }

  close(): void {
    closeSync(this.fd);
  }
}

/**
 * Calls `onLine` with each line of `path`, first to last, reading 64 KiB at a time (memory is bounded by the
 * longest line). `complete` is false only for a final segment not ended by a newline (a torn write).
 * Stops early when `onLine` returns false.
 */
export function forEachLineSync(path: string, onLine: (text: string, complete: boolean) => boolean | void): void {
  const fd = openSync(path, 'r');
  try {
    const chunk = Buffer.allocUnsafe(CHUNK_BYTES);
    let carry: Buffer[] = [];
    for (;;) {
      const n = readSync(fd, chunk, 0, CHUNK_BYTES, null);
      if (n === 0) break;
      let start = 0;
      for (let nl = chunk.indexOf(NEWLINE, start); nl !== -1 && nl < n; nl = chunk.indexOf(NEWLINE, start)) {
        const piece = chunk.subarray(start, nl);
        const text = carry.length === 0 ? piece.toString('utf8') : Buffer.concat([...carry, piece]).toString('utf8');
        carry = [];
        start = nl + 1;
        if (onLine(text, true) === false) return;
      }
      if (start < n) carry.push(Buffer.from(chunk.subarray(start, n)));
    }
    if (carry.length > 0) onLine(Buffer.concat(carry).toString('utf8'), false);
  } finally {
    closeSync(fd);
  }
}

/** The first complete line of `path`, or `undefined` when it has none. */
export function readFirstLine(path: string): string | undefined {
  let first: string | undefined;
  forEachLineSync(path, (text, complete) => {
    if (complete) first = text;
    return false;
  });
  return first;
}

/**
 * Offset just past the last newline of `path` (0 when it has none). A file whose size differs ends with a torn
 * line. Reads backwards a chunk at a time.
 */
export function endOfLastLine(path: string): { size: number; end: number } {
  const fd = openSync(path, 'r');
  try {
    const size = statSync(path).size;
    const chunk = Buffer.allocUnsafe(CHUNK_BYTES);
    for (let pos = size; pos > 0; ) {
      const len = Math.min(CHUNK_BYTES, pos);
      pos -= len;
      readSync(fd, chunk, 0, len, pos);
      const nl = chunk.subarray(0, len).lastIndexOf(NEWLINE);
      if (nl !== -1) return { size, end: pos + nl + 1 };
    }
    return { size, end: 0 };
  } finally {
    closeSync(fd);
  }
}

/**
 * Calls `onLine` with each complete line of `path`, last to first, reading backwards 64 KiB at a time, so the
 * newest lines come first and memory stays bounded by the longest line. A final segment with no newline (a write
 * in progress, or a torn one) is skipped. Stops when `onLine` returns false.
 */
export async function readLinesBackward(path: string, onLine: (text: string) => boolean): Promise<void> {
  const handle = await open(path, 'r');
  try {
    const { size } = await handle.stat();
    const chunk = Buffer.allocUnsafe(CHUNK_BYTES);
    let rest = Buffer.alloc(0); // bytes of the line that continues into the chunk read next (the earlier one)
    let trailing = true; // the segment after the last newline is incomplete (often empty)
    for (let pos = size; pos > 0; ) {
      const len = Math.min(CHUNK_BYTES, pos);
      pos -= len;
      const { bytesRead } = await handle.read(chunk, 0, len, pos);
      const data = rest.length === 0 ? chunk.subarray(0, bytesRead) : Buffer.concat([chunk.subarray(0, bytesRead), rest]);
      let end = data.length;
      for (let nl = data.lastIndexOf(NEWLINE, end - 1); nl !== -1; nl = nl === 0 ? -1 : data.lastIndexOf(NEWLINE, nl - 1)) {
        if (trailing) trailing = false;
        else if (!onLine(data.subarray(nl + 1, end).toString('utf8'))) return;
        end = nl;
      }
      rest = Buffer.from(data.subarray(0, end));
    }
    if (!trailing && rest.length > 0) onLine(rest.toString('utf8'));
  } finally {
    await handle.close();
  }
}
