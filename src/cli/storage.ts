/**
 * `quiver storage rekey`: re-encrypts the store (`storage.storage_path`) under a new key, or encrypts an unencrypted
 * one, with the server stopped (the storage lock is taken). The current key comes from the configuration
 * (`storage.encryption`), the new one from `--new-key-file` or `--new-key-env`; afterwards the configuration must
 * name the new key. See src/storage/rekey.ts for the crash-safety.
 */
import { EXIT, reportError } from './args.js';
import type { CliIo } from './io.js';
import type { Config } from '../config/schema.js';
import { loadEncryptionKey } from '../storage/encryption.js';
import { ownerOnlyFiles } from '../storage/fs.js';
import { lockStorage } from '../storage/lock.js';
import { rekeyStore } from '../storage/rekey.js';

export interface RekeyOptions {
  readonly newKeyFile?: string | undefined;
  readonly newKeyEnv?: string | undefined;
}

/** Runs the rekey; resolves with the exit status. */
export async function storageRekey(config: Config, o: RekeyOptions, io: CliIo): Promise<number> {
  if ((o.newKeyFile === undefined) === (o.newKeyEnv === undefined)) {
    io.err('error: give the new key with exactly one of --new-key-file <file> or --new-key-env <VAR>');
    return EXIT.usage;
  }
  try {
    ownerOnlyFiles();
    const oldKey = loadEncryptionKey(config.storage.encryption);
    const newKey = loadEncryptionKey({ key_file: o.newKeyFile ?? null, key_env: o.newKeyEnv ?? null })!;
    const dir = config.storage.storage_path;
    const lock = lockStorage(dir);
    try {
      const done = await rekeyStore(dir, oldKey, newKey);
      io.out(`re-encrypted ${done.entries} entries in ${done.databases} databases under the new key; set storage.encryption to it before starting the server (snapshots taken before keep their old key)`);
    } finally {
      lock.release();
    }
    return EXIT.ok;
  } catch (e) {
    return reportError(e, io.err);
  }
}
