/**
 * Child of rekey.test.ts: `rekey-child.ts <storage dir> <old key | none> <new key> <step | never>` re-encrypts the
 * store and SIGKILLs itself when the rekey reaches `step` (a real crash at a known point, no timing involved).
 */
import { EncryptionKey } from '../../src/storage/encryption.js';
import { rekeyStore, type RekeyStep } from '../../src/storage/rekey.js';

const [dir, oldText, newText, stop] = process.argv.slice(2) as [string, string, string, RekeyStep | 'never'];
const oldKey = oldText === 'none' ? undefined : EncryptionKey.parse(oldText, 'old key');
await rekeyStore(dir, oldKey, EncryptionKey.parse(newText, 'new key'), (step) => {
  if (step === stop) process.kill(process.pid, 'SIGKILL');
});
process.stdout.write('done\n');
