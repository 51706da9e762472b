/**
 * Storage faults, with the storage directory on a small tmpfs (needs root to mount; skipped otherwise, except in CI
 * or with QUIVER_REQUIRE_ROOT_TESTS=1, where not being able to run is a failure: tests/support/skips.ts):
 *
 * - disk full: writes are refused with a clear Qdrant-format error (507 "No space left on device"), reads keep
 *   working, a refused write leaves nothing behind, the server keeps running, and writes work again once space
 *   is freed — every acknowledged write survives a restart;
 * - unwritable storage directory: a read-only filesystem. Remounting read-only is refused while the server
 *   holds its files open for writing (the kernel says "busy"), so a running server can only meet a full disk;
 *   the read-only case is the start: the server must refuse to start with a clear error, and start normally
 *   once the filesystem is writable again.
 *
 * The audit log lives on the normal disk here (its own full-disk behaviour is tested in tests/unit/auth/audit).
 */
import { before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { startChildServer, tempDir, removeDir, type ChildServer } from '../support/app.js';
import { assertCanRun, skipUnlessRequired } from '../support/skips.js';

function tryMount(dir: string, sizeMb: number): string | null {
  if (process.platform !== 'linux') return 'tmpfs mounts need Linux';
  if (process.getuid?.() !== 0) return 'mounting a tmpfs needs root';
  try {
    execFileSync('mount', ['-t', 'tmpfs', '-o', `size=${sizeMb}m`, 'tmpfs', dir], { stdio: 'pipe' });
    return null;
  } catch (e) {
    return `mount -t tmpfs failed: ${e instanceof Error ? e.message.split('\n')[0] : String(e)}`;
  }
}

function unmount(dir: string): void {
  try {
    execFileSync('umount', ['-l', dir], { stdio: 'pipe' });
  } catch {
    // already gone
  }
}

interface Res {
  status: number;
  text: string;
  body: any;
}

async function req(server: ChildServer, method: string, path: string, body?: unknown): Promise<Res> {
  const r = await fetch(server.url + path, { method, headers: { 'content-type': 'application/json' }, ...(body === undefined ? {} : { body: JSON.stringify(body) }) });
  const text = await r.text();
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    parsed = undefined;
  }
  return { status: r.status, text, body: parsed };
}

const DIM = 64;
const batch = (from: number, n: number): unknown[] =>
  Array.from({ length: n }, (_, i) => ({ id: from + i, vector: Array.from({ length: DIM }, (_, j) => ((from + i + j) % 17) / 17), payload: { pad: 'x'.repeat(200), n: from + i } }));

/** A probe skip reason, computed once: mount a tmpfs and unmount it again. */
const skipReason = ((): string | false => {
  const probe = tempDir('quiver-mount-probe-');
  const reason = tryMount(probe, 1);
  if (reason === null) unmount(probe);
  removeDir(probe);
  return reason ?? false;
})();

describe('storage faults on a small tmpfs', skipUnlessRequired(skipReason), () => {
  before(() => assertCanRun(skipReason));

  it('refuses writes on a full disk with a clear error, keeps serving reads, and recovers when space returns', { timeout: 180_000 }, async () => {
    const dir = tempDir('quiver-full-');
    const mnt = join(dir, 'mnt');
    mkdirSync(mnt);
    assert.equal(tryMount(mnt, 8), null);
    let server: ChildServer | undefined;
    try {
      // Ballast takes a quarter of the space: deleting it later is "space returns".
      writeFileSync(join(mnt, 'ballast'), Buffer.alloc(2 * 1024 * 1024, 1));
      const env = { QDRANT__STORAGE__STORAGE_PATH: join(mnt, 'storage'), QDRANT__STORAGE__SNAPSHOTS_PATH: join(dir, 'snapshots') };
      server = await startChildServer(dir, env);
      assert.equal((await req(server, 'PUT', '/collections/f', { vectors: { size: DIM, distance: 'Dot' } })).status, 200);
      let acked = 0;
      let refused: Res | undefined;
      for (let i = 0; i < 400 && refused === undefined; i++) {
        const r = await req(server, 'PUT', '/collections/f/points?wait=true', { points: batch(acked, 100) });
        if (r.status === 200) acked += 100;
        else refused = r;
      }
      assert.ok(refused !== undefined, 'the disk never filled up');
      assert.ok(acked > 0, 'no write succeeded before the disk filled up');

      // The server is still there (checked first: it is the worse failure): it answers, and has not exited.
      const health = await req(server, 'GET', '/healthz').catch((e: unknown) => ({ status: 0, text: String(e), body: undefined }));
      assert.equal(health.status, 200, `the server stopped answering on a full disk: ${health.text}\n${server.output().slice(-2000)}`);
      assert.equal(server.proc.exitCode ?? server.proc.signalCode, null, `the server died on a full disk after answering ${refused.status} ${refused.text}:\n${server.output().slice(-2000)}`);

      // A clear error in Qdrant's format: 507 Insufficient Storage, saying what is wrong.
      assert.equal(refused.status, 507, `a write on a full disk answered ${refused.status}: ${refused.text}`);
      assert.equal(typeof refused.body?.status?.error, 'string', refused.text);
      assert.match(refused.body.status.error as string, /no space|disk|storage/i);
      assert.equal(typeof refused.body.time, 'number');

      // Reads work; the refused batch left nothing behind.
      assert.equal((await req(server, 'GET', '/healthz')).status, 200);
      const count = await req(server, 'POST', '/collections/f/points/count', { exact: true });
      assert.equal(count.status, 200, count.text);
      assert.equal(count.body.result.count, acked, 'points after the refused write');
      const scroll = await req(server, 'POST', '/collections/f/points/scroll', { limit: 5, with_vector: true });
      assert.equal(scroll.status, 200, scroll.text);
      const query = await req(server, 'POST', '/collections/f/points/query', { query: batch(3, 1).map((p: any) => p.vector)[0], limit: 3 });
      assert.equal(query.status, 200, query.text);
      const missing = await req(server, 'POST', '/collections/f/points', { ids: [acked, acked + 99] });
      assert.deepEqual(missing.body.result, [], 'the refused batch was partly stored');

      // Space returns: writes work again, without a restart.
      rmSync(join(mnt, 'ballast'));
      const again = await req(server, 'PUT', '/collections/f/points?wait=true', { points: batch(acked, 100) });
      assert.equal(again.status, 200, `a write after space returned: ${again.text}`);
      acked += 100;

      // Every acknowledged write survives a restart.
      await server.stop('SIGKILL');
      server = await startChildServer(dir, env);
      const after = await req(server, 'POST', '/collections/f/points/count', { exact: true });
      assert.equal(after.body.result.count, acked, 'points after restart');
    } finally {
      if (server !== undefined) await server.stop('SIGKILL');
      unmount(mnt);
      removeDir(dir);
    }
  });

  it('refuses to start on a read-only storage directory with a clear error, and starts once it is writable', { timeout: 120_000 }, async () => {
    const dir = tempDir('quiver-ro-');
    const mnt = join(dir, 'mnt');
    mkdirSync(mnt);
    assert.equal(tryMount(mnt, 8), null);
    let server: ChildServer | undefined;
    try {
      const env = { QDRANT__STORAGE__STORAGE_PATH: join(mnt, 'storage'), QDRANT__STORAGE__SNAPSHOTS_PATH: join(dir, 'snapshots') };
      server = await startChildServer(dir, env);
      assert.equal((await req(server, 'PUT', '/collections/r', { vectors: { size: 4, distance: 'Dot' } })).status, 200);
      assert.equal((await req(server, 'PUT', '/collections/r/points?wait=true', { points: [{ id: 1, vector: [1, 2, 3, 4] }] })).status, 200);
      await server.stop('SIGTERM');
      server = undefined;

      execFileSync('mount', ['-o', 'remount,ro', mnt], { stdio: 'pipe' });
      await assert.rejects(startChildServer(dir, env), (e: Error) => {
        assert.match(e.message, /exited with [1-9]/);
        assert.match(e.message, /read-only/i, 'the error should say the storage is read-only');
        return true;
      });

      execFileSync('mount', ['-o', 'remount,rw', mnt], { stdio: 'pipe' });
      server = await startChildServer(dir, env);
      const r = await req(server, 'POST', '/collections/r/points/count', {});
      assert.equal(r.body.result.count, 1);
    } finally {
      if (server !== undefined) await server.stop('SIGKILL');
      unmount(mnt);
      removeDir(dir);
    }
  });
});
