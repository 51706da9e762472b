import { describe, it, beforeEach, afterEach } from 'node:test';
import assert from 'node:assert/strict';
import { lstatSync, mkdirSync, mkdtempSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { Readable } from 'node:stream';
import { createHash } from 'node:crypto';
import { extractArchive, entryNameProblem } from '../../../../src/service/snapshots/tar-reader.js';
import { writeTarFile } from '../../../../src/service/snapshots/tar-writer.js';
import { AppError } from '../../../../src/errors.js';
import { rawTar } from '../../../support/snapshots.js';
import { tempDir, removeDir } from '../../../support/app.js';

function chunks(buf: Buffer, size = 700): AsyncIterable<Buffer> {
  const parts: Buffer[] = [];
  for (let i = 0; i < buf.length; i += size) parts.push(buf.subarray(i, i + size));
  return Readable.from(parts);
}

describe('snapshot archive reader', () => {
  let dir: string;
  beforeEach(() => {
    dir = tempDir('quiver-tar-');
  });
  afterEach(() => removeDir(dir));

  const allowAll = { maxArchiveBytes: 1 << 20, maxEntries: 10, isAllowed: (_name: string): boolean => true };

  async function refuse(archive: Buffer, pattern: RegExp, options: Partial<typeof allowAll> = {}): Promise<void> {
    const out = mkdtempSync(join(dir, 'x-'));
    await assert.rejects(extractArchive(chunks(archive), { dir: out, ...allowAll, ...options }), (e: unknown) => {
      assert.ok(e instanceof AppError, String(e));
      assert.equal(e.kind, 'bad_input');
      assert.match(e.message, pattern);
      return true;
    });
    // Nothing outside the private directory, and no link or device inside it.
    for (const name of readdirSync(dir)) assert.match(name, /^x-/);
    for (const name of readdirSync(out)) {
      assert.match(name, /^entry-\d+$/);
      assert.ok(lstatSync(join(out, name)).isFile());
    }
  }

  it('round-trips what the writer writes, entry hashes and the archive hash included', async () => {
    const big = Buffer.alloc(5000, 7);
    await writeTarFile(join(dir, 'src.bin'), [{ name: 'x', data: big }]);
    const archivePath = join(dir, 'a.tar');
    const written = await writeTarFile(archivePath, [
      { name: 'manifest.json', data: Buffer.from('{"a":1}') },
      { name: 'points.ndjson', file: join(dir, 'src.bin'), size: readFileSync(join(dir, 'src.bin')).length },
    ]);
    const archive = readFileSync(archivePath);
    assert.equal(written.sha256, createHash('sha256').update(archive).digest('hex'));
    const out = join(dir, 'out');
    mkdirSync(out);
    const r = await extractArchive(chunks(archive, 333), { ...allowAll, dir: out });
    assert.equal(r.sha256, written.sha256);
    assert.equal(r.size, archive.length);
    assert.deepEqual(r.entries.map((e) => e.name), ['manifest.json', 'points.ndjson']);
    assert.equal(readFileSync(r.entries[0]!.path, 'utf8'), '{"a":1}');
    assert.deepEqual(readFileSync(r.entries[1]!.path), readFileSync(join(dir, 'src.bin')));
  });

  it('refuses an entry with an absolute path', async () => {
    await refuse(rawTar([{ path: '/etc/cron.d/evil', data: 'x' }]), /absolute path/);
  });

  it('refuses an entry with a parent directory reference', async () => {
    await refuse(rawTar([{ path: '../../evil', data: 'x' }]), /parent directory/);
    await refuse(rawTar([{ path: 'a/../../evil', data: 'x' }]), /parent directory/);
  });

  it('refuses symbolic links and hard links', async () => {
    await refuse(rawTar([{ path: 'manifest.json', type: 'SymbolicLink', linkpath: '/etc/passwd' }]), /symbolic link/);
    await refuse(rawTar([{ path: 'manifest.json', type: 'Link', linkpath: '/etc/passwd' }]), /hard link/);
  });

  it('refuses device files, FIFOs and directories', async () => {
    await refuse(rawTar([{ path: 'dev', type: 'CharacterDevice' }]), /device file/);
    await refuse(rawTar([{ path: 'dev', type: 'BlockDevice' }]), /device file/);
    await refuse(rawTar([{ path: 'fifo', type: 'FIFO' }]), /FIFO/);
    await refuse(rawTar([{ path: 'd', type: 'Directory' }]), /directory/);
  });

  it('refuses pax extended headers (which could rename an entry)', async () => {
    await refuse(rawTar([{ path: 'PaxHeader', type: 'ExtendedHeader', data: '30 path=../../../../etc/passwd\n' }]), /unsupported entry type/);
  });

  it('refuses entries the archive kind does not allow, and duplicates', async () => {
    await refuse(rawTar([{ path: 'other.txt', data: 'x' }]), /unexpected entry/, { isAllowed: (n) => n === 'manifest.json' });
    await refuse(rawTar([{ path: 'a', data: 'x' }, { path: 'a', data: 'y' }]), /appears twice/);
  });

  it('bounds the total size and the number of entries', async () => {
    await refuse(rawTar([{ path: 'a', data: Buffer.alloc(4096) }]), /larger than the limit of 2048 bytes/, { maxArchiveBytes: 2048 });
    // A header announcing more than the limit is refused before its body is read.
    await refuse(rawTar([{ path: 'a', size: 10 * 1024 * 1024 }], false), /larger than the limit/, { maxArchiveBytes: 4096 });
    await refuse(rawTar([{ path: 'a' }, { path: 'b' }, { path: 'c' }]), /more than 2 entries/, { maxEntries: 2 });
  });

  it('refuses truncated archives, non-tar input and compressed input', async () => {
    const whole = rawTar([{ path: 'a', data: Buffer.alloc(3000, 1) }]);
    await refuse(whole.subarray(0, 1500), /truncated/);
    await refuse(rawTar([{ path: 'a', data: 'x' }], false), /truncated|end-of-archive/);
    await refuse(Buffer.from('this is not a tar archive'.repeat(40)), /not a tar archive|truncated/);
    await refuse(gzipSync(whole), /gzip-compressed input/);
    await refuse(Buffer.alloc(0), /empty input/);
  });

  it('names entries it writes itself, whatever the archive calls them', async () => {
    const r = await extractArchive(chunks(rawTar([{ path: 'collections/0.snapshot', data: 'abc' }])), { dir, ...allowAll });
    assert.equal(r.entries[0]!.path, join(dir, 'entry-0'));
  });

  it('classifies entry names', () => {
    assert.equal(entryNameProblem('manifest.json'), undefined);
    assert.equal(entryNameProblem('collections/12.snapshot'), undefined);
    assert.match(entryNameProblem('C:/x') ?? '', /absolute/);
    assert.match(entryNameProblem('a\\b') ?? '', /backslash/);
    assert.match(entryNameProblem('a//b') ?? '', /non-normalised/);
    assert.match(entryNameProblem('./a') ?? '', /non-normalised/);
    assert.match(entryNameProblem('a\0b') ?? '', /NUL/);
    assert.match(entryNameProblem('ünïcode') ?? '', /unexpected characters/);
  });
});
