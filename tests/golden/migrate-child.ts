/**
 * Child process of the "kill during migration" tests: prints `ready`, waits for a line on stdin (the parent's
 * go-ahead, after which it kills this process at a random moment), then opens what argv names — which migrates it
 * when it has no format marker — and prints `opened`.
 *
 *   migrate-child.ts store STORAGE_DIR
 *   migrate-child.ts audit AUDIT_DIR KEY_FILE
 */
import { Store } from '../../src/storage/kv/store.js';
import { JsonlFileSink } from '../../src/auth/audit/file-sink.js';
import { keyFromFile } from '../../src/auth/audit/key.js';

const [kind, path, keyFile] = process.argv.slice(2) as [string, string, string | undefined];

async function open(): Promise<void> {
  if (kind === 'store') {
    const store = Store.open(path);
    process.stdout.write('opened\n');
    await store.close();
    return;
  }
  const sink = new JsonlFileSink({ dir: path, rotation: 'daily', maxLogFiles: 7, failClosed: true, hmacKey: keyFromFile(keyFile!) });
  await sink.open();
  process.stdout.write('opened\n');
  await sink.close();
}

process.stdin.once('data', () => void open().then(() => process.exit(0)));
process.stdout.write('ready\n');
