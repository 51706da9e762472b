/**
 * Reads snapshot archives safely. The tar stream is parsed here (headers decoded by node-tar's `Header`, nothing
 * else of node-tar: no extraction to paths from the archive, no decompression). Every entry must be a regular file
 * with a plain relative name the caller allows; absolute names, `..`, links, devices, FIFOs, directories and
 * extended headers are refused. Entry bodies go to files the reader names itself (`entry-<n>` in a private
 * directory; sealed under the storage key with encryption at rest), and the whole archive is bounded in size and entry count, so extraction cannot escape its
 * directory or fill the disk beyond the limit.
 */
import { createHash, type Hash } from 'node:crypto';
import { join } from 'node:path';
import { Header } from 'tar';
import { AppError } from '../../errors.js';
import { WorkFileWriter, type EncryptionKey } from '../../storage/encryption.js';
import { printable } from './names.js';

const BLOCK = 512;

export interface ExtractOptions {
  /** Private directory the entry bodies are written to. */
  readonly dir: string;
  /** Bound on the archive's total size in bytes (every byte read counts). */
  readonly maxArchiveBytes: number;
  readonly maxEntries: number;
  /** Whether an entry name (already checked to be a plain relative path) may appear in this archive. */
  readonly isAllowed: (name: string) => boolean;
  /** Encryption at rest: entry bodies are sealed under this key (read them with `workFileReadStream`). */
  readonly key?: EncryptionKey | undefined;
}

export interface ExtractedEntry {
  readonly name: string;
  /** Where its body was written (sealed when the options gave a key). */
  readonly path: string;
  readonly size: number;
  readonly sha256: string;
}

export interface ExtractedArchive {
  /** In archive order. */
  readonly entries: readonly ExtractedEntry[];
  /** sha256 of every byte of the archive (what a `checksum` parameter is compared with). */
  readonly sha256: string;
  readonly size: number;
}

function bad(message: string): AppError {
  return new AppError('BAD_INPUT', [`Bad request: invalid snapshot archive: ${message}`]);
}

export function tooLarge(limit: number): AppError {
  return new AppError('BAD_INPUT', [`Bad request: the snapshot is larger than the limit of ${limit} bytes`]);
}

/** Why an archive entry name is unsafe, or undefined when it is a plain relative path. */
export function entryNameProblem(name: string): string | undefined {
  if (name.length === 0) return 'an empty name';
  if (name.includes('\0')) return 'a NUL byte in its name';
  if (name.startsWith('/') || /^[A-Za-z]:/.test(name) || name.startsWith('\\')) return 'an absolute path';
  if (name.includes('\\')) return 'a backslash in its name';
  const segments = name.split('/');
  if (segments.includes('..')) return 'a parent directory reference (`..`)';
  if (segments.some((s) => s === '' || s === '.')) return 'a non-normalised path';
  if (!/^[A-Za-z0-9._/-]+$/.test(name)) return 'unexpected characters in its name';
  return undefined;
}

function typeProblem(type: string): string | undefined {
  switch (type) {
    case 'File':
    case 'OldFile':
      return undefined;
    case 'Link':
      return 'a hard link';
    case 'SymbolicLink':
      return 'a symbolic link';
    case 'CharacterDevice':
    case 'BlockDevice':
      return 'a device file';
    case 'FIFO':
      return 'a FIFO';
    case 'Directory':
    case 'GNUDumpDir':
      return 'a directory';
    default:
      return `an unsupported entry type (${type})`;
  }
}

/** The compression format whose magic number starts `head`, if any (compressed archives are refused). */
function compressionOf(head: Buffer): string | undefined {
  if (head[0] === 0x1f && head[1] === 0x8b) return 'gzip';
  if (head[0] === 0x28 && head[1] === 0xb5 && head[2] === 0x2f && head[3] === 0xfd) return 'zstd';
  if (head.subarray(0, 3).toString('latin1') === 'BZh') return 'bzip2';
  if (head.subarray(0, 6).equals(Buffer.from([0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00]))) return 'xz';
  return undefined;
}

/** Pulls exact byte counts from an async byte source, hashing and counting everything read. */
class ByteSource {
  private buf: Buffer = Buffer.alloc(0);
  private done = false;
  private readonly it: AsyncIterator<unknown>;
  readonly hash: Hash = createHash('sha256');
  total = 0;

  constructor(
    source: AsyncIterable<unknown>,
    private readonly limit: number,
  ) {
    this.it = source[Symbol.asyncIterator]();
  }

  private async fill(): Promise<boolean> {
    if (this.done) return false;
    const r = await this.it.next();
    if (r.done === true) {
      this.done = true;
      return false;
    }
    const v: unknown = r.value;
    const chunk = Buffer.isBuffer(v) ? v : v instanceof Uint8Array ? Buffer.from(v.buffer, v.byteOffset, v.byteLength) : Buffer.from(String(v));
    this.total += chunk.length;
    if (this.total > this.limit) throw tooLarge(this.limit);
    this.hash.update(chunk);
    this.buf = this.buf.length === 0 ? chunk : Buffer.concat([this.buf, chunk]);
    return true;
  }

  /** Up to `n` bytes from the front of the input, without consuming them. */
  async peek(n: number): Promise<Buffer> {
    while (this.buf.length < n && (await this.fill()));
    return this.buf.subarray(0, n);
  }

  /** Exactly `n` bytes, or undefined at a clean end of input. */
  async read(n: number): Promise<Buffer | undefined> {
    while (this.buf.length < n) {
      if (!(await this.fill())) {
        if (this.buf.length === 0) return undefined;
        throw bad('truncated archive');
      }
    }
    const out = this.buf.subarray(0, n);
    this.buf = this.buf.subarray(n);
    return out;
  }

  /** Yields exactly `n` bytes in chunks. */
  async *take(n: number): AsyncGenerator<Buffer> {
    let left = n;
    while (left > 0) {
      if (this.buf.length === 0 && !(await this.fill())) throw bad('truncated archive');
      const piece = this.buf.subarray(0, Math.min(left, this.buf.length));
      this.buf = this.buf.subarray(piece.length);
      left -= piece.length;
      yield piece;
    }
  }

  /** Reads (hashes, counts) the rest of the input. */
  async drain(): Promise<void> {
    this.buf = Buffer.alloc(0);
    while (await this.fill()) this.buf = Buffer.alloc(0);
  }

  /** Releases the source (closes a download or a file) when reading stops early. */
  async close(): Promise<void> {
    if (this.done) return;
    this.done = true;
    await this.it.return?.();
  }
}

async function writeBody(src: ByteSource, size: number, path: string, key: EncryptionKey | undefined): Promise<string> {
  const out = new WorkFileWriter(path, key);
  const hash = createHash('sha256');
  try {
    for await (const piece of src.take(size)) {
      hash.update(piece);
      await out.write(piece);
    }
    await out.close();
  } catch (e) {
    await out.abort();
    throw e;
  }
  return hash.digest('hex');
}

/**
 * Reads a whole tar archive from `source`, writing each entry's body to `<dir>/entry-<n>`.
 * @throws AppError(BAD_INPUT) for anything unsafe or malformed, or when a limit is exceeded; the caller removes
 *   `dir` afterwards in every case.
 */
export async function extractArchive(source: AsyncIterable<unknown>, options: ExtractOptions): Promise<ExtractedArchive> {
  const src = new ByteSource(source, options.maxArchiveBytes);
  try {
    const entries: ExtractedEntry[] = [];
    const seen = new Set<string>();
    let zeroBlocks = 0;
    const compression = compressionOf(await src.peek(6));
    if (compression !== undefined) throw bad(`${compression}-compressed input; snapshots are plain (uncompressed) tar archives`);
    for (;;) {
      const block = await src.read(BLOCK);
      if (block === undefined) throw bad(entries.length === 0 ? 'empty input' : 'truncated archive (no end-of-archive marker)');
      if (block.every((b) => b === 0)) {
        if (++zeroBlocks === 2) break;
        continue;
      }
      zeroBlocks = 0;
      let header: Header;
      try {
        header = new Header(block);
      } catch {
        throw bad('unreadable tar header');
      }
      if (!header.cksumValid) throw bad(entries.length === 0 ? 'not a tar archive' : 'corrupt tar header');
      const name = header.path ?? '';
      const shown = printable(name);
      const nameProblem = entryNameProblem(name);
      if (nameProblem !== undefined) throw bad(`entry \`${shown}\` has ${nameProblem}`);
      const typeIssue = typeProblem(header.type);
      if (typeIssue !== undefined) throw bad(`entry \`${shown}\` is ${typeIssue}; only regular files are allowed`);
      if (!options.isAllowed(name)) throw bad(`unexpected entry \`${shown}\``);
      if (seen.has(name)) throw bad(`entry \`${shown}\` appears twice`);
      seen.add(name);
      if (entries.length >= options.maxEntries) throw bad(`more than ${options.maxEntries} entries`);
      const size = header.size ?? 0;
      if (!Number.isSafeInteger(size) || size < 0) throw bad(`entry \`${shown}\` has an invalid size`);
      if (size > options.maxArchiveBytes) throw tooLarge(options.maxArchiveBytes);
      const path = join(options.dir, `entry-${entries.length}`);
      const sha256 = await writeBody(src, size, path, options.key);
      const pad = (BLOCK - (size % BLOCK)) % BLOCK;
      if (pad > 0 && (await src.read(pad)) === undefined) throw bad('truncated archive');
      entries.push({ name, path, size, sha256 });
    }
    await src.drain();
    return { entries, sha256: src.hash.digest('hex'), size: src.total };
  } finally {
    await src.close().catch(() => undefined);
  }
}
