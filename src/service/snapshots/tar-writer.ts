/**
 * Writes snapshot archives: plain POSIX (ustar) tar, regular files only, headers encoded by node-tar's `Header`.
 * The archive is written to a new file, hashed as it is written, and fsynced before the caller renames it.
 */
import { createHash } from 'node:crypto';
import { once } from 'node:events';
import { finished } from 'node:stream/promises';
import { Header } from 'tar';
import { fileWriteStream, fsyncFile, removeFile } from '../../storage/fs.js';
import { workFileReadStream, type EncryptionKey } from '../../storage/encryption.js';

export type TarEntrySource =
  | { readonly name: string; readonly data: Uint8Array }
  | { readonly name: string; readonly file: string; readonly size: number; readonly sealedWith?: EncryptionKey | undefined };

export interface WrittenArchive {
  readonly size: number;
  readonly sha256: string;
}

const BLOCK = 512;
const ZEROS = Buffer.alloc(BLOCK * 2);

function headerBlock(name: string, size: number, mtime: Date): Buffer {
  if (!/^[A-Za-z0-9._/-]{1,100}$/.test(name)) throw new Error(`tar entry name not encodable in a ustar header: ${name}`);
  const h = new Header({ path: name, mode: 0o644, uid: 0, gid: 0, size, mtime, type: 'File', uname: '', gname: '' });
  h.encode();
  // needPax can only come from a size beyond 8 GiB here, which the header carries in base-256 (GNU), readable back.
  return h.block!;
}

/**
 * Writes `entries` as a tar archive to `path` (which must not exist) and flushes it to disk.
 * With `key` (encryption at rest), the file is the archive sealed as a stream; size and sha256 are the file's.
 * On failure the partial file is removed.
 */
export async function writeTarFile(path: string, entries: readonly TarEntrySource[], mtime = new Date(), key?: EncryptionKey): Promise<WrittenArchive> {
  const file = fileWriteStream(path);
  const hash = createHash('sha256');
  let size = 0;
  const sealing = key?.encryptStream();
  const out = sealing ?? file;
  const count = (b: Uint8Array): void => {
    hash.update(b);
    size += b.length;
  };
  if (sealing !== undefined) {
    sealing.on('data', count);
    sealing.pipe(file);
  }
  const write = async (b: Uint8Array): Promise<void> => {
    if (sealing === undefined) count(b);
    if (!out.write(b)) await once(out, 'drain');
  };
  try {
    for (const e of entries) {
      const length = 'data' in e ? e.data.length : e.size;
      await write(headerBlock(e.name, length, mtime));
      if ('data' in e) {
        await write(e.data);
      } else {
        let copied = 0;
        // A work file sealed under the storage key (encryption at rest) is opened as it is copied in.
        for await (const chunk of workFileReadStream(e.file, e.sealedWith)) {
          const b = chunk as Buffer;
          copied += b.length;
          if (copied > length) throw new Error(`tar entry ${e.name}: ${e.file} grew while it was archived`);
          await write(b);
        }
        if (copied !== length) throw new Error(`tar entry ${e.name}: ${e.file} has ${copied} bytes, expected ${length}`);
      }
      const pad = (BLOCK - (length % BLOCK)) % BLOCK;
      if (pad > 0) await write(ZEROS.subarray(0, pad));
    }
    await write(ZEROS);
    out.end();
    await finished(file);
    fsyncFile(path);
  } catch (e) {
    out.destroy();
    file.destroy();
    await finished(file).catch(() => undefined);
    removeFile(path);
    throw e;
  }
  return { size, sha256: hash.digest('hex') };
}
