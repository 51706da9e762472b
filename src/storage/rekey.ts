/**
 * `quiver storage rekey`: re-encrypts the store under a new key (or encrypts an unencrypted one), crash-safely.
 *
 * 1. `rekey.json` ← `{phase: "copy"}`; every LMDB database is copied, raw bytes, into `quiver.mdb.rekey` opened with
 *    the new key, which is then synced. A crash here leaves the old store untouched: recovery drops the copy.
 * 2. `rekey.json` ← `{phase: "swap", key_check}` (atomic): from here the new copy is complete and wins. The old file
 *    moves to `quiver.mdb.old`, the copy to `quiver.mdb`, `encryption.json` records the new key, then the old file,
 *    the index images (sealed under the old key; rebuilt from the store) and the journal go. A crash anywhere in
 *    this phase is rolled forward by {@link finishRekey}, which the server's startup and the next rekey run first.
 * So after a kill the store opens with the old key (killed while copying) or with the new one (killed while
 * swapping), never neither. Snapshots taken before keep their old key (keep it to recover them).
 */
import { open, type RootDatabase } from 'lmdb';
import { join } from 'node:path';
import { AppError } from '../errors.js';
import { atomicWrite, fsyncDir, pathInfo, readSmallRegularFile, removePath, renameDurably } from './fs.js';
import { checkStoreKey, writeKeyCheck, type EncryptionKey } from './encryption.js';

const STORE = 'quiver.mdb';
const COPY = 'quiver.mdb.rekey';
const OLD = 'quiver.mdb.old';
const JOURNAL = 'rekey.json';
/** Entries copied per write transaction. */
const BATCH = 10_000;

/** Points of the rekey where a crash test may stop the process. */
export type RekeyStep = 'copying' | 'copied' | 'journaled' | 'moved-old' | 'moved-new' | 'marked';

interface Journal {
  readonly phase: 'copy' | 'swap';
  readonly key_check?: string;
}

function readJournal(dir: string): Journal | undefined {
  const text = readSmallRegularFile(join(dir, JOURNAL), 4096)?.toString('utf8');
  if (text === undefined) return undefined;
  try {
    return JSON.parse(text) as Journal;
  } catch {
    // A torn journal can only be the first write (phase copy): the rename is atomic after that.
    return { phase: 'copy' };
  }
}

const exists = (p: string): boolean => pathInfo(p) !== undefined;

function removeEnv(dir: string, name: string): void {
  removePath(join(dir, name));
  removePath(join(dir, `${name}-lock`));
}

/** Completes or undoes a rekey a crash interrupted (see the module comment); nothing to do without a journal. */
export function finishRekey(dir: string): void {
  const journal = readJournal(dir);
  if (journal === undefined) return;
  if (journal.phase === 'copy') {
    removeEnv(dir, COPY);
  } else {
    if (exists(join(dir, COPY))) {
      if (exists(join(dir, STORE))) renameDurably(join(dir, STORE), join(dir, OLD));
      renameDurably(join(dir, COPY), join(dir, STORE));
    }
    if (journal.key_check === undefined) throw new AppError('SERVICE_ERROR', [`storage at ${dir}: ${JOURNAL} is damaged; restore from a snapshot`]);
    writeKeyCheck(dir, journal.key_check);
    removeEnv(dir, OLD);
    removePath(join(dir, 'indexes'));
  }
  removePath(join(dir, JOURNAL));
  fsyncDir(dir);
}

function openEnv(path: string, key: EncryptionKey | undefined): RootDatabase {
  return open({ path, maxDbs: 10_000, overlappingSync: false, compression: false, mapSize: 2 * 1024 * 1024 * 1024, ...(key === undefined ? {} : { encryptionKey: key.lmdbKey }) });
}

/**
 * Re-encrypts the store at `dir` (not open anywhere: the caller holds the storage lock) from `oldKey` (undefined: an
 * unencrypted store) to `newKey`.
 * @param onStep - called at each step (a crash test stops the process there)
 * @throws AppError(SERVICE_ERROR) when `oldKey` is not the store's key; nothing is changed then
 */
export async function rekeyStore(dir: string, oldKey: EncryptionKey | undefined, newKey: EncryptionKey, onStep: (step: RekeyStep) => void = () => undefined): Promise<{ databases: number; entries: number }> {
  finishRekey(dir);
  checkStoreKey(dir, oldKey);
  if (!exists(join(dir, STORE))) throw new AppError('SERVICE_ERROR', [`no store at ${dir}`]);
  removeEnv(dir, COPY);
  atomicWrite(join(dir, JOURNAL), `${JSON.stringify({ phase: 'copy' } satisfies Journal)}\n`);
  const source = openEnv(join(dir, STORE), oldKey);
  const target = openEnv(join(dir, COPY), newKey);
  let databases = 0;
  let entries = 0;
  try {
    for (const name of [...source.getKeys()] as string[]) {
      const from = source.openDB({ name, encoding: 'binary', keyEncoding: 'binary' });
      const to = target.openDB({ name, encoding: 'binary', keyEncoding: 'binary' });
      databases++;
      let batch: Array<{ key: Buffer; value: Buffer }> = [];
      const flush = async (): Promise<void> => {
        const rows = batch;
        batch = [];
        await target.transaction(() => {
          for (const r of rows) void to.put(r.key, r.value);
        });
      };
      for (const { key, value } of from.getRange()) {
        batch.push({ key: Buffer.from(key as Buffer), value: Buffer.from(value as Buffer) });
        entries++;
        if (batch.length >= BATCH) {
          await flush();
          onStep('copying');
        }
      }
      await flush();
    }
  } finally {
    await source.close();
    await target.close();
  }
  onStep('copied');
  atomicWrite(join(dir, JOURNAL), `${JSON.stringify({ phase: 'swap', key_check: newKey.check } satisfies Journal)}\n`);
  onStep('journaled');
  renameDurably(join(dir, STORE), join(dir, OLD));
  onStep('moved-old');
  renameDurably(join(dir, COPY), join(dir, STORE));
  onStep('moved-new');
  writeKeyCheck(dir, newKey.check);
  onStep('marked');
  finishRekey(dir);
  return { databases, entries };
}
