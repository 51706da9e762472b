/**
 * Encryption at rest (issue 17 §5). One 32-byte master key (`storage.encryption`) derives, with HKDF-SHA256:
 * - the LMDB page key (lmdb-js `encryptionKey`, which takes 32 characters: the base64 of 24 derived bytes);
 * - the file key: AES-256-GCM for index images (one sealed blob per file) and snapshots (a stream of sealed chunks);
 * - a key check, kept in `<storage>/encryption.json`, so a wrong or missing key is refused before anything opens.
 *
 * Sealed blob: `QVENC1\0\0` magic, 12-byte random nonce, ciphertext, 16-byte GCM tag.
 * Sealed stream: `QVSTR1\0\0` magic, 8-byte random stream id, then chunks of `u32 length ‖ ciphertext ‖ tag`, each
 * sealed with nonce = stream id ‖ u32 chunk number and the AAD `final` flag, so chunks cannot be reordered, dropped or
 * the stream truncated without the authentication failing; the last chunk is marked final (possibly empty).
 */
import { createCipheriv, createDecipheriv, createHmac, hkdfSync, randomBytes, timingSafeEqual } from 'node:crypto';
import { once } from 'node:events';
import { Readable, Transform, type TransformCallback } from 'node:stream';
import { finished } from 'node:stream/promises';
import { join } from 'node:path';
import { AppError } from '../errors.js';
import { atomicWrite, ensureDir, fileReadStream, fileWriteStream, pathInfo, readSmallRegularFile } from './fs.js';

const BLOB_MAGIC = Buffer.from('QVENC1\0\0', 'latin1');
const STREAM_MAGIC = Buffer.from('QVSTR1\0\0', 'latin1');
const NONCE = 12;
const TAG = 16;
const STREAM_ID = 8;
/** Plaintext bytes per stream chunk. */
const CHUNK = 64 * 1024;
/** The marker of an encrypted store, next to `quiver.mdb`. */
export const ENCRYPTION_MARKER = 'encryption.json';

function derive(master: Buffer, info: string, length: number): Buffer {
  return Buffer.from(hkdfSync('sha256', master, Buffer.alloc(0), `quiver ${info}`, length));
}

/** A master key and what it derives. Never logged or printed. */
export class EncryptionKey {
  readonly lmdbKey: string;
  private readonly fileKey: Buffer;
  /** Public: identifies the key without revealing it (HMAC of a constant under a derived key). */
  readonly check: string;

  constructor(master: Buffer) {
    if (master.length !== 32) throw new AppError('SERVICE_ERROR', ['storage.encryption: the key must be 32 bytes (64 hex characters or base64)']);
    this.lmdbKey = derive(master, 'lmdb', 24).toString('base64');
    this.fileKey = derive(master, 'files', 32);
    this.check = createHmac('sha256', derive(master, 'key check', 32)).update('quiver-storage-key').digest('hex');
  }

  /**
   * Parses a key as written in a key file or variable: 64 hex characters, or base64 of 32 bytes (surrounding
   * whitespace ignored).
   * @throws AppError(SERVICE_ERROR) naming `where`, never the key
   */
  static parse(text: string, where: string): EncryptionKey {
    const t = text.trim();
    const bytes = /^[0-9a-fA-F]{64}$/.test(t) ? Buffer.from(t, 'hex') : /^[A-Za-z0-9+/]{43}=?$/.test(t) ? Buffer.from(t, 'base64') : undefined;
    if (bytes?.length !== 32) throw new AppError('SERVICE_ERROR', [`storage.encryption: ${where} must hold a 32-byte key as 64 hex characters or base64`]);
    return new EncryptionKey(bytes);
  }

  /** A fresh random key, in the text form {@link parse} reads. */
  static generateText(): string {
    return randomBytes(32).toString('hex');
  }

  /** `data` sealed (AES-256-GCM, random nonce). */
  seal(data: Uint8Array): Buffer {
    const nonce = randomBytes(NONCE);
    const cipher = createCipheriv('aes-256-gcm', this.fileKey, nonce);
    cipher.setAAD(BLOB_MAGIC);
    return Buffer.concat([BLOB_MAGIC, nonce, cipher.update(data), cipher.final(), cipher.getAuthTag()]);
  }

  /** The plaintext of a sealed blob. @throws Error when it is not one or fails authentication */
  open(sealed: Uint8Array): Buffer {
    const b = Buffer.from(sealed.buffer, sealed.byteOffset, sealed.byteLength);
    if (!isSealed(b) || b.length < BLOB_MAGIC.length + NONCE + TAG) throw new Error('not an encrypted Quiver file');
    const nonce = b.subarray(BLOB_MAGIC.length, BLOB_MAGIC.length + NONCE);
    const decipher = createDecipheriv('aes-256-gcm', this.fileKey, nonce);
    decipher.setAAD(BLOB_MAGIC);
    decipher.setAuthTag(b.subarray(b.length - TAG));
    return Buffer.concat([decipher.update(b.subarray(BLOB_MAGIC.length + NONCE, b.length - TAG)), decipher.final()]);
  }

  /** A transform sealing a byte stream (snapshots). */
  encryptStream(): Transform {
    return new SealingStream(this.fileKey);
  }

  /** A transform opening a sealed stream; errors on tampering, truncation or a wrong key. */
  decryptStream(): Transform {
    return new OpeningStream(this.fileKey);
  }
}

/** True when `bytes` starts like a sealed blob. */
export function isSealed(bytes: Uint8Array): boolean {
  return bytes.length >= BLOB_MAGIC.length && Buffer.from(bytes.buffer, bytes.byteOffset, BLOB_MAGIC.length).equals(BLOB_MAGIC);
}

/** True when `head` (the first bytes of a file) starts like a sealed stream. */
export function isSealedStream(head: Uint8Array): boolean {
  return head.length >= STREAM_MAGIC.length && Buffer.from(head.buffer, head.byteOffset, STREAM_MAGIC.length).equals(STREAM_MAGIC);
}

function chunkNonce(streamId: Buffer, n: number): Buffer {
  const nonce = Buffer.alloc(NONCE);
  streamId.copy(nonce, 0);
  nonce.writeUInt32BE(n, STREAM_ID);
  return nonce;
}

class SealingStream extends Transform {
  private readonly id = randomBytes(STREAM_ID);
  private pending: Buffer[] = [];
  private pendingBytes = 0;
  private n = 0;

  constructor(private readonly key: Buffer) {
    super();
    this.push(Buffer.concat([STREAM_MAGIC, this.id]));
  }

  private sealChunk(plain: Buffer, final: boolean): void {
    const cipher = createCipheriv('aes-256-gcm', this.key, chunkNonce(this.id, this.n++));
    cipher.setAAD(Buffer.from([final ? 1 : 0]));
    const body = Buffer.concat([cipher.update(plain), cipher.final(), cipher.getAuthTag()]);
    const len = Buffer.alloc(4);
    len.writeUInt32BE(body.length);
    this.push(Buffer.concat([len, body]));
  }

  override _transform(chunk: Buffer, _enc: BufferEncoding, done: TransformCallback): void {
    this.pending.push(chunk);
    this.pendingBytes += chunk.length;
    if (this.pendingBytes > CHUNK) {
      let all = Buffer.concat(this.pending);
      while (all.length > CHUNK) {
        this.sealChunk(all.subarray(0, CHUNK), false);
        all = all.subarray(CHUNK);
      }
      this.pending = [all];
      this.pendingBytes = all.length;
    }
    done();
  }

  override _flush(done: TransformCallback): void {
    // The final chunk is always shorter than CHUNK (the reader tells it by its length): a full one is followed by an
    // empty final chunk.
    const last = Buffer.concat(this.pending);
    if (last.length === CHUNK) {
      this.sealChunk(last, false);
      this.sealChunk(Buffer.alloc(0), true);
    } else this.sealChunk(last, true);
    done();
  }
}

class OpeningStream extends Transform {
  private buffered: Buffer = Buffer.alloc(0);
  private id: Buffer | undefined;
  private n = 0;
  private ended = false;

  constructor(private readonly key: Buffer) {
    super();
  }

  override _transform(chunk: Buffer, _enc: BufferEncoding, done: TransformCallback): void {
    this.buffered = this.buffered.length === 0 ? chunk : Buffer.concat([this.buffered, chunk]);
    try {
      this.drain();
      done();
    } catch (e) {
      done(e as Error);
    }
  }

  private drain(): void {
    if (this.id === undefined) {
      if (this.buffered.length < STREAM_MAGIC.length + STREAM_ID) return;
      if (!isSealedStream(this.buffered)) throw new Error('not an encrypted Quiver stream');
      this.id = Buffer.from(this.buffered.subarray(STREAM_MAGIC.length, STREAM_MAGIC.length + STREAM_ID));
      this.buffered = this.buffered.subarray(STREAM_MAGIC.length + STREAM_ID);
    }
    while (this.buffered.length >= 4) {
      const len = this.buffered.readUInt32BE(0);
      if (len < TAG || len > CHUNK + TAG) throw new Error('encrypted stream: bad chunk length');
      if (this.buffered.length < 4 + len) return;
      if (this.ended) throw new Error('encrypted stream: data after the final chunk');
      const body = this.buffered.subarray(4, 4 + len);
      this.buffered = this.buffered.subarray(4 + len);
      // A chunk of less than CHUNK bytes can only be the final one; try final first for those.
      const final = len - TAG < CHUNK;
      this.push(this.openChunk(body, final));
      this.ended = final;
    }
  }

  private openChunk(body: Buffer, final: boolean): Buffer {
    const decipher = createDecipheriv('aes-256-gcm', this.key, chunkNonce(this.id!, this.n++));
    decipher.setAAD(Buffer.from([final ? 1 : 0]));
    decipher.setAuthTag(body.subarray(body.length - TAG));
    try {
      return Buffer.concat([decipher.update(body.subarray(0, body.length - TAG)), decipher.final()]);
    } catch {
      throw new Error('encrypted stream: authentication failed (wrong key or damaged data)');
    }
  }

  override _flush(done: TransformCallback): void {
    done(this.ended && this.buffered.length === 0 ? undefined : new Error('encrypted stream: truncated'));
  }
}

/** What `storage.encryption` names: a key file or an environment variable. */
export interface EncryptionSettings {
  readonly key_file: string | null;
  readonly key_env: string | null;
}

/**
 * The key `settings` name, or undefined when encryption is off.
 * @throws AppError(SERVICE_ERROR) when both or an unreadable / malformed source is given (never echoing the key)
 */
export function loadEncryptionKey(settings: EncryptionSettings, env: NodeJS.ProcessEnv = process.env): EncryptionKey | undefined {
  if (settings.key_file !== null && settings.key_env !== null) throw new AppError('SERVICE_ERROR', ['storage.encryption: set key_file or key_env, not both']);
  if (settings.key_file !== null) {
    const bytes = readSmallRegularFile(settings.key_file, 4096);
    if (bytes === undefined) throw new AppError('SERVICE_ERROR', [`storage.encryption.key_file ${settings.key_file} cannot be read`]);
    return EncryptionKey.parse(bytes.toString('utf8'), `key_file ${settings.key_file}`);
  }
  if (settings.key_env !== null) {
    const text = env[settings.key_env];
    if (text === undefined || text === '') throw new AppError('SERVICE_ERROR', [`storage.encryption.key_env: the environment variable ${settings.key_env} is not set`]);
    return EncryptionKey.parse(text, `the environment variable ${settings.key_env}`);
  }
  return undefined;
}

/** The key check recorded in the store at `dir`, undefined when the store is not encrypted. */
export function storedKeyCheck(dir: string): string | undefined {
  const text = readSmallRegularFile(join(dir, ENCRYPTION_MARKER), 4096)?.toString('utf8');
  if (text === undefined) return undefined;
  const check = (JSON.parse(text) as { key_check?: unknown }).key_check;
  if (typeof check !== 'string') throw new AppError('SERVICE_ERROR', [`storage at ${dir}: ${ENCRYPTION_MARKER} is damaged`]);
  return check;
}

/** Records the key whose check is `check` as the key of the store at `dir` (atomically). */
export function writeKeyCheck(dir: string, check: string): void {
  atomicWrite(join(dir, ENCRYPTION_MARKER), `${JSON.stringify({ format: 1, cipher: 'lmdb-js encryptionKey + AES-256-GCM', key_check: check })}\n`);
}

/**
 * Checks, before anything opens the store at `dir` (holding `quiver.mdb` when it exists), that `key` is the one it
 * was encrypted with, or that both are absent. A new store with a key is marked first.
 * @throws AppError(SERVICE_ERROR) with what to do; nothing on disk is touched
 */
export function checkStoreKey(dir: string, key: EncryptionKey | undefined): void {
  ensureDir(dir);
  const stored = storedKeyCheck(dir);
  const exists = pathInfo(join(dir, 'quiver.mdb')) !== undefined;
  if (stored === undefined) {
    if (key === undefined) return;
    if (exists) {
      throw new AppError('SERVICE_ERROR', [`storage at ${dir} is not encrypted but storage.encryption is set: encrypt it first with \`quiver storage rekey --new-key-file <file>\` (server stopped), or remove storage.encryption`]);
    }
    writeKeyCheck(dir, key.check);
    return;
  }
  if (key === undefined) throw new AppError('SERVICE_ERROR', [`storage at ${dir} is encrypted: set storage.encryption (key_file or key_env) to its key`]);
  if (stored.length !== key.check.length || !timingSafeEqual(Buffer.from(stored), Buffer.from(key.check))) {
    throw new AppError('SERVICE_ERROR', [`storage at ${dir} is encrypted with another key than the one storage.encryption gives; nothing was opened`]);
  }
}

/**
 * `source` (an archive being read), opened when it is a sealed stream. A plain one passes unchanged.
 * @throws AppError(BAD_INPUT) when it is sealed and `key` is missing or not the key it was sealed with
 */
export async function* openedStream(source: AsyncIterable<unknown>, key: EncryptionKey | undefined): AsyncGenerator<Buffer> {
  const iterator = source[Symbol.asyncIterator]();
  let head = Buffer.alloc(0);
  let done = false;
  while (head.length < STREAM_MAGIC.length && !done) {
    const next = await iterator.next();
    if (next.done === true) done = true;
    else head = Buffer.concat([head, Buffer.from(next.value as Uint8Array)]);
  }
  async function* rest(): AsyncGenerator<Buffer> {
    if (head.length > 0) yield head;
    if (done) return;
    for (let next = await iterator.next(); next.done !== true; next = await iterator.next()) yield Buffer.from(next.value as Uint8Array);
  }
  if (!isSealedStream(head)) {
    yield* rest();
    return;
  }
  const invalid = (why: string): AppError => new AppError('BAD_INPUT', [`Bad request: invalid snapshot: ${why}`]);
  if (key === undefined) throw invalid('it is encrypted, and this server has no storage.encryption key');
  const opening = key.decryptStream();
  const input = Readable.from(rest());
  input.on('error', (e) => opening.destroy(e));
  input.pipe(opening);
  try {
    for await (const chunk of opening) yield chunk as Buffer;
  } catch (e) {
    if (e instanceof AppError) throw e;
    throw invalid(`it cannot be decrypted with this server's key (${e instanceof Error ? e.message : String(e)})`);
  }
}

/**
 * A new work file (snapshot staging and creation) at `path`, sealed as a stream under `key` when encryption at rest
 * is on, so user data never reaches the disk in the clear — not even while the file is still being written (the
 * sealing buffers at most one 64 KiB chunk in memory).
 */
export class WorkFileWriter {
  private readonly file;
  private readonly sealing: Transform | undefined;

  constructor(path: string, key: EncryptionKey | undefined) {
    this.file = fileWriteStream(path);
    this.sealing = key?.encryptStream();
    this.sealing?.pipe(this.file);
  }

  /** Appends `bytes`, waiting while the file is behind. */
  async write(bytes: Uint8Array): Promise<void> {
    const out = this.sealing ?? this.file;
    if (!out.write(bytes)) await once(out, 'drain');
  }

  /** Ends the file and waits until every byte is written. */
  async close(): Promise<void> {
    (this.sealing ?? this.file).end();
    await finished(this.file);
  }

  /** Stops writing after a failure (the caller removes the file). */
  async abort(): Promise<void> {
    this.sealing?.destroy();
    this.file.destroy();
    await finished(this.file).catch(() => undefined);
  }
}

/** The plaintext bytes of a work file written by {@link WorkFileWriter} under the same `key`. */
export function workFileReadStream(path: string, key: EncryptionKey | undefined): Readable {
  const file = fileReadStream(path);
  if (key === undefined) return file;
  const opening = key.decryptStream();
  file.on('error', (e) => opening.destroy(e));
  return file.pipe(opening);
}

/** The whole plaintext of a small work file (at most `maxBytes`), or undefined when it is larger. */
export async function readWorkFile(path: string, key: EncryptionKey | undefined, maxBytes: number): Promise<Buffer | undefined> {
  const parts: Buffer[] = [];
  let size = 0;
  for await (const chunk of workFileReadStream(path, key)) {
    size += (chunk as Buffer).length;
    if (size > maxBytes) return undefined;
    parts.push(chunk as Buffer);
  }
  return Buffer.concat(parts);
}
