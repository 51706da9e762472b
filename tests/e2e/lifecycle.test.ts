/**
 * Lifecycle of a real server process (issue 15): SIGTERM during a large index build stops within a slice,
 * saves the partial graph and exits 0 promptly; the restart resumes from it; a second server on the same
 * storage is refused; a stale pid file is not obeyed.
 */
import { strict as assert } from 'node:assert';
import { spawn } from 'node:child_process';
import { readFileSync, writeFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { freePort, removeDir, runQuiver, startChildServer, tempDir, waitForReady, withTestStorageEnv } from '../support/app.js';
import { mulberry32 } from '../fixtures/clustered.js';
import { assertResponseMatchesSpec } from '../support/openapi.js';

const TSX = import.meta.resolve('tsx');
const MAIN = join(import.meta.dirname, '..', '..', 'src', 'main.ts');
const DIM = 32;
const N = 30_000;

async function call(url: string, method: string, path: string, body?: unknown): Promise<{ status: number; body: any }> {
  const r = await fetch(url + path, { method, headers: body === undefined ? {} : { 'content-type': 'application/json' }, body: body === undefined ? undefined : JSON.stringify(body) });
  const text = await r.text();
  return { status: r.status, body: text === '' ? undefined : JSON.parse(text) };
}

async function fill(url: string, name: string): Promise<void> {
  let r = await call(url, 'PUT', `/collections/${name}`, { vectors: { size: DIM, distance: 'Cosine' }, optimizers_config: { indexing_threshold: 10 } });
  assert.equal(r.status, 200, JSON.stringify(r.body));
  const rand = mulberry32(15);
  for (let start = 0; start < N; start += 3000) {
    const points = [];
    for (let i = start; i < Math.min(N, start + 3000); i++) points.push({ id: i + 1, vector: Array.from({ length: DIM }, () => rand() - 0.5) });
    r = await call(url, 'PUT', `/collections/${name}/points?wait=true`, { points });
    assert.equal(r.status, 200, JSON.stringify(r.body));
  }
}

async function info(url: string, name: string): Promise<{ status: string; indexed: number }> {
  const r = await call(url, 'GET', `/collections/${name}`);
  assert.equal(r.status, 200);
  return { status: r.body.result.status, indexed: r.body.result.indexed_vectors_count };
}


describe('server lifecycle', () => {
  it('SIGTERM during a 30k-vector index build exits 0 promptly and the restart resumes the saved graph', async (t) => {
    const dir = tempDir('quiver-lifecycle-');
    try {
      let server = await startChildServer(dir, { QDRANT__LOG_LEVEL: 'INFO' });
      await fill(server.url, 'big');
      // Wait until the build has made visible progress but is not finished.
      let before = await info(server.url, 'big');
      while ((before.indexed === 0 || !/index build: default vector: 10%/.test(server.output())) && before.status !== 'green') {
        await new Promise((r) => setTimeout(r, 20));
        before = await info(server.url, 'big');
      }
      assert.equal(before.status, 'yellow', `the build finished before SIGTERM could interrupt it (${before.indexed} indexed); make it larger`);
      // The build is reported as Qdrant 1.19 reports a running optimization. Vectors written while a build pass ran
      // start the next pass a tick after it ends: in that gap the work is `queued`, not `running`, so poll.
      let opt = await call(server.url, 'GET', '/collections/big/optimizations');
      while (opt.body.result.running.length === 0) {
        assertResponseMatchesSpec('get_optimizations', 200, opt.body);
        assert.equal(opt.body.result.summary.queued_optimizations, 1, `neither running nor queued: ${JSON.stringify(opt.body.result)}`);
        await new Promise((r) => setTimeout(r, 5));
        opt = await call(server.url, 'GET', '/collections/big/optimizations');
      }
      assertResponseMatchesSpec('get_optimizations', 200, opt.body);
      const [running] = opt.body.result.running;
      assert.equal(running.status, 'optimizing');
      assert.equal(running.progress.name, 'indexing');
      assert.ok(running.progress.done > 0 && running.progress.done <= running.progress.total && running.progress.total <= N, JSON.stringify(running.progress));
      const t0 = Date.now();
      const code = await server.stop('SIGTERM');
      const elapsed = Date.now() - t0;
      assert.equal(code, 0, server.output());
      assert.ok(elapsed < 5000, `took ${elapsed} ms to stop`);
      t.diagnostic(`SIGTERM → exit in ${elapsed} ms with ${before.indexed} of ${N} indexed`);
      // The build's progress and where it stopped are in the log.
      const log = server.output();
      assert.match(log, /INFO: collection big: index build started: default vector, \d+ vector\(s\) queued/);
      assert.match(log, /INFO: collection big: index build: default vector: 10% \(\d+\/\d+\)/);
      assert.match(log, /INFO: collection big: index build stopped: default vector: \d+\/\d+ after [\d.]+ s; the graph is saved and the build resumes at the next start/);
      assert.match(log, /INFO: stopped in \d+ ms/);

      server = await startChildServer(dir);
      const after = await info(server.url, 'big');
      assert.ok(after.indexed >= before.indexed, `restart indexed ${after.indexed}, before SIGTERM ${before.indexed}`);
      const points = await call(server.url, 'POST', '/collections/big/points/count', { exact: true });
      assert.equal(points.body.result.count, N);

      // Deleting a collection that is still indexing cancels the build first.
      const d0 = Date.now();
      const del = await call(server.url, 'DELETE', '/collections/big');
      assert.equal(del.status, 200);
      assert.ok(Date.now() - d0 < 3000, `delete took ${Date.now() - d0} ms`);
      t.diagnostic(`delete of an indexing collection: ${Date.now() - d0} ms; restart had ${after.indexed} indexed`);
      assert.equal((await call(server.url, 'GET', '/collections/big')).status, 404);
      assert.equal(await server.stop('SIGTERM'), 0);
    } finally {
      removeDir(dir);
    }
  });

  it('refuses a second server on the same storage with exit 2, and replaces a stale pid file', async () => {
    const dir = tempDir('quiver-lock-');
    try {
      const first = await startChildServer(dir);
      const lockFile = join(dir, 'storage', 'quiver.pid');
      assert.equal(readFileSync(lockFile, 'utf8').trim(), String(first.proc.pid));
      const second = await runQuiver([], dir, { QDRANT__SERVICE__HTTP_PORT: String(await freePort()) });
      assert.equal(second.code, 2, second.err);
      assert.equal(second.err.trim(), `error: storage ${join(dir, 'storage')} is in use by pid ${first.proc.pid}`);
      assert.equal(await first.stop('SIGTERM'), 0);
      assert.throws(() => readFileSync(lockFile), /ENOENT/, 'the pid file is removed on exit');

      // A pid file left by a process that no longer exists (kill -9) does not block the next start.
      const dead = spawn(process.execPath, ['-e', '']);
      await new Promise((r) => dead.once('exit', r));
      mkdirSync(join(dir, 'storage'), { recursive: true });
      writeFileSync(lockFile, `${dead.pid}\n`);
      const port = await freePort();
      const third = spawn(process.execPath, ['--import', TSX, MAIN], {
        cwd: dir,
        env: { PATH: process.env['PATH'] ?? '', ...withTestStorageEnv({ QDRANT__SERVICE__HTTP_PORT: String(port), QDRANT__SERVICE__GRPC_PORT: String(await freePort()), QDRANT__LOG_LEVEL: 'WARN' }, dir) },
        stdio: 'ignore',
      });
      assert.ok(await waitForReady(third, `http://127.0.0.1:${port}`, () => ''), 'started despite a stale pid file');
      assert.equal(readFileSync(lockFile, 'utf8').trim(), String(third.pid));
      third.kill('SIGINT');
      await new Promise((r) => third.once('exit', r));
    } finally {
      removeDir(dir);
    }
  });
});
