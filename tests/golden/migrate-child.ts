/**
 * Child process of the "kill during migration" test: prints `ready`, waits for a line on stdin (the parent's
 * go-ahead, after which it kills this process at a random moment), then opens the store at argv[2] — which
 * migrates an unmarked store — and prints `opened <format_version>`.
 */
import { Store } from '../../src/storage/kv/store.js';

const path = process.argv[2]!;
process.stdin.once('data', () => {
  const store = Store.open(path);
  process.stdout.write(`opened ${String(store.meta.get('format_version'))}\n`);
  void store.close().then(() => process.exit(0));
});
process.stdout.write('ready\n');
