/**
 * The ENOSPC/EIO → 507 mapping of failed store writes, without root (the full-disk test on a real tmpfs,
 * tests/faults/disk-full.test.ts, needs root): a commit whose transaction fails with the errors LMDB reports on a
 * full disk is refused as "insufficient storage" (507), anything else on a disk with free space as a server
 * error (500), and the store keeps working afterwards.
 */
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { Store } from '../../../src/storage/kv/store.js';
import { AppError } from '../../../src/errors.js';
import { toHttpError } from '../../../src/api/rest/to-http-error.js';
import { tempDir, removeDir } from '../../support/app.js';

function fsError(code: string, message: string): Error {
  return Object.assign(new Error(`${code}: ${message}`), { code });
}

/** The HTTP status and message a failed commit turns into. */
async function failedCommit(store: Store, error: unknown): Promise<{ status: number; message: string }> {
  try {
    // Thrown before any put: lmdb-js commits the puts an async transaction made before a throw, so a failure is
    // injected where a real one is raised, ahead of the data (callers stage everything before they commit).
    await store.commit(() => {
      throw error;
    });
  } catch (e) {
    assert.ok(e instanceof AppError, `not an AppError: ${String(e)}`);
    return { status: toHttpError(e, 0n).status, message: e.message };
  }
  assert.fail('the commit did not fail');
}

describe('store write failures', () => {
  let dir: string;
  let store: Store;
  before(() => {
    dir = tempDir('quiver-store-errors-');
    store = Store.open(join(dir, 'storage'));
  });
  after(async () => {
    await store.close();
    removeDir(dir);
  });

  it('maps ENOSPC to 507 with a clear message', async () => {
    const r = await failedCommit(store, fsError('ENOSPC', 'no space left on device, write'));
    assert.equal(r.status, 507);
    assert.match(r.message, /^No space left on device: the storage volume at .* is full; writes are refused until space is freed, reads keep working$/);
  });

  it('maps LMDB MDB_MAP_FULL to 507', async () => {
    assert.equal((await failedCommit(store, new Error('MDB_MAP_FULL: Environment mapsize limit reached'))).status, 507);
  });

  // lmdb-js rejects a failed commit with "Commit failed (see commitError for details)" and rejects `commitError`
  // with the errno only later, so the store cannot read it in time: free space on the volume decides (a full
  // volume: 507, tests/faults/disk-full.test.ts). Known limit: ENOSPC from a quota on a volume with free space is
  // a 500.
  it('consumes the commitError of an lmdb commit failure, and on a volume with free space answers 500', async () => {
    const commitError = Promise.reject(fsError('ENOSPC', 'no space left on device'));
    commitError.then(undefined, () => undefined); // handled here so the test's own wait cannot trip Node
    let consumed = false;
    const catchOriginal = commitError.catch.bind(commitError);
    commitError.catch = ((onRejected?: (reason: unknown) => unknown) => {
      consumed = true;
      return catchOriginal(onRejected);
    }) as typeof commitError.catch;
    const r = await failedCommit(store, Object.assign(new Error('Commit failed (see commitError for details)'), { commitError }));
    assert.equal(r.status, 500);
    assert.ok(consumed, 'the store must consume commitError, or an unhandled rejection kills the process');
  });

  it('maps EIO on a volume with free space to 500, naming the error', async () => {
    const r = await failedCommit(store, fsError('EIO', 'i/o error, write'));
    assert.equal(r.status, 500);
    assert.match(r.message, /^Service internal error: storage write failed: EIO: i\/o error, write$/);
  });

  it('keeps accepting writes after failed ones', async () => {
    const t = store.table<number>('t');
    await store.commit(() => t.put('after', 2));
    assert.equal(t.get('after'), 2);
  });
});
