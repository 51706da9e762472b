/**
 * The server writes only under its storage, snapshots, temp and audit directories (docs/security.md, issue 6), so it
 * runs as an unprivileged user on a read-only root filesystem.
 *
 * `src/main.ts` runs as `nobody` (setpriv). When the test may create a mount namespace (`unshare --mount`), the
 * whole root filesystem is remounted read-only there and only the data directory stays writable, as
 * `docker run --read-only -v data:/qdrant/storage` does; otherwise the code directory is read-only through file
 * permissions alone. Either way every operation must succeed, and afterwards nothing owned by `nobody` may exist
 * outside the data directory.
 *
 * Needs root (to switch to nobody): skipped otherwise on a developer machine, a failure in CI or with
 * QUIVER_REQUIRE_ROOT_TESTS=1 (tests/support/skips.ts).
 */
import { strict as assert } from 'node:assert';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { chownSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { describe, it, type TestContext } from 'node:test';
import { freePort, stopChild, waitForReady } from '../support/app.js';
import { assertCanRun } from '../support/skips.js';
import { fileURLToPath } from 'node:url';

const REPO = fileURLToPath(new URL('../../', import.meta.url)).replace(/\/$/, '');
const MAIN = join(REPO, 'src', 'main.ts');
/** Absolute, so that resolving `tsx` does not depend on the child's cwd. */
const TSX = import.meta.resolve('tsx');
const NOBODY = 65534;
const API_KEY = 'hardening-test-key-0123456789abcdef0123456789';

function which(command: string): string | undefined {
  const result = spawnSync('sh', ['-c', `command -v ${command}`], { encoding: 'utf8' });
  return result.status === 0 ? result.stdout.trim() : undefined;
}

/** Why this machine cannot run the test, or undefined. */
function skipReason(): string | undefined {
  if (process.platform !== 'linux') return 'needs Linux (setpriv)';
  if (process.getuid?.() !== 0) return 'needs root to switch to the unprivileged user nobody';
  if (which('setpriv') === undefined) return 'setpriv (util-linux) is not installed';
  return undefined;
}

/** True when this process may create a mount namespace and remount / read-only in it. */
function canUseReadOnlyRoot(): boolean {
  if (which('unshare') === undefined) return false;
  const probe = spawnSync('unshare', ['--mount', '--propagation', 'private', '--', 'sh', '-c', 'mount -o remount,bind,ro / && ! touch /.quiver-ro-probe 2>/dev/null'], { stdio: 'ignore' });
  return probe.status === 0;
}

interface Layout {
  root: string;
  storage: string;
  snapshots: string;
  temp: string;
  audit: string;
  home: string;
  tmp: string;
}

function makeLayout(): Layout {
  const root = mkdtempSync(join(tmpdir(), 'quiver-hardening-'));
  const layout = {
    root,
    storage: join(root, 'storage'),
    snapshots: join(root, 'snapshots'),
    temp: join(root, 'temp'),
    audit: join(root, 'audit'),
    home: join(root, 'home'),
    tmp: join(root, 'tmp'),
  };
  for (const dir of Object.values(layout)) {
    mkdirSync(dir, { recursive: true });
    chownSync(dir, NOBODY, NOBODY);
  }
  return layout;
}

interface Child {
  readonly url: string;
  readonly proc: ChildProcess;
  output(): string;
  stop(): Promise<number | null>;
}

async function startAsNobody(layout: Layout, readOnlyRoot: boolean): Promise<Child> {
  const port = await freePort();
  const grpcPort = await freePort();
  const node = [process.execPath, '--import', TSX, MAIN];
  const setpriv = ['setpriv', `--reuid=${NOBODY}`, `--regid=${NOBODY}`, '--clear-groups', '--'];
  // In the namespace: keep the data directory writable (its own bind mount), then make / read-only.
  const script = 'set -e; mount --bind "$1" "$1"; mount -o remount,bind,ro /; shift; exec "$@"';
  const [command, ...args] = readOnlyRoot
    ? ['unshare', '--mount', '--propagation', 'private', '--', 'sh', '-c', script, 'sh', layout.root, ...setpriv, ...node]
    : [...setpriv, ...node];
  let out = '';
  const proc = spawn(command ?? 'false', args, {
    cwd: REPO, // the installed code directory: not writable by nobody
    env: {
      PATH: process.env['PATH'] ?? '/usr/bin:/bin',
      HOME: layout.home,
      TMPDIR: layout.tmp, // tsx's transpile cache; the built image runs dist/ and needs none
      QDRANT__LOG_LEVEL: 'WARN',
      QDRANT__SERVICE__HOST: '127.0.0.1',
      QDRANT__SERVICE__HTTP_PORT: String(port),
      QDRANT__SERVICE__GRPC_PORT: String(grpcPort),
      QDRANT__SERVICE__API_KEY: API_KEY,
      QDRANT__STORAGE__STORAGE_PATH: layout.storage,
      QDRANT__STORAGE__SNAPSHOTS_PATH: layout.snapshots,
      QDRANT__STORAGE__TEMP_PATH: layout.temp,
      QDRANT__AUDIT__ENABLED: 'true',
      QDRANT__AUDIT__DIR: layout.audit,
      QDRANT__TELEMETRY_DISABLED: 'true',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  proc.stdout?.on('data', (d: Buffer) => (out += d.toString()));
  proc.stderr?.on('data', (d: Buffer) => (out += d.toString()));
  const url = `http://127.0.0.1:${port}`;
  if (!(await waitForReady(proc, url, () => out, 60_000))) throw new Error(`server exited with ${proc.exitCode}: ${out}`);
  return {
    url,
    proc,
    output: () => out,
    stop: () => stopChild(proc),
  };
}

async function call(child: Child, method: string, path: string, body?: unknown): Promise<{ status: number; body: unknown }> {
  const res = await fetch(`${child.url}${path}`, {
    method,
    headers: { 'api-key': API_KEY, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const text = await res.text();
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    parsed = text;
  }
  return { status: res.status, body: parsed };
}

/** Calls the API, asserts 200, returns `result`. */
async function ok<T = unknown>(child: Child, method: string, path: string, body?: unknown): Promise<T> {
  const res = await call(child, method, path, body);
  assert.equal(res.status, 200, `${method} ${path} → ${res.status} ${JSON.stringify(res.body)}\n${child.output()}`);
  return (res.body as { result: T }).result;
}

interface PointsResult {
  points: { id: number; payload?: Record<string, unknown> }[];
}

/** Every file or directory under `paths` owned by nobody and newer than `marker`, outside `except`. */
/**
 * Files owned by nobody and newer than `marker` under `paths`, except under `except` (a find(1) `-path` glob: this
 * test's data dirs — and those of the same test in another suite running beside this one, which also start as
 * `quiver-hardening-` in the shared TMPDIR).
 */
function ownedByNobody(paths: readonly string[], marker: string, except: string): string[] {
  const found: string[] = [];
  for (const path of paths) {
    const result = spawnSync('find', [path, '-xdev', '-path', except, '-prune', '-o', '-user', String(NOBODY), '-newer', marker, '-print'], { encoding: 'utf8' });
    found.push(...result.stdout.split('\n').filter((line) => line !== ''));
  }
  return found;
}

function listTree(dir: string): string[] {
  const entries: string[] = [];
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const full = join(dir, entry.name);
    entries.push(full);
    if (entry.isDirectory()) entries.push(...listTree(full));
  }
  return entries;
}

void describe('hardening', () => {
  void it('serves every basic operation as nobody with a read-only code directory, writing only to its data dirs', async (t: TestContext) => {
    const reason = skipReason();
    if (reason !== undefined) {
      assertCanRun(reason); // in CI (root) this test must run: a skip there fails
      t.skip(reason);
      return;
    }
    const readOnlyRoot = canUseReadOnlyRoot();
    t.diagnostic(readOnlyRoot
      ? 'root filesystem remounted read-only in a private mount namespace; only the data dir is writable'
      : 'no mount namespace available: the code directory is read-only through permissions only');

    const layout = makeLayout();
    const marker = join(tmpdir(), `quiver-hardening-marker-${process.pid}`);
    writeFileSync(marker, '');
    let child: Child | undefined;
    try {
      const writable = spawnSync('setpriv', [`--reuid=${NOBODY}`, `--regid=${NOBODY}`, '--clear-groups', '--', 'test', '-w', REPO]);
      assert.notEqual(writable.status, 0, `precondition: ${REPO} must not be writable by nobody`);
      // The server's code must be readable by nobody, up the whole path (a checkout under a 0700 directory is not).
      const loader = join(REPO, 'node_modules', 'tsx', 'package.json');
      const readable = spawnSync('setpriv', [`--reuid=${NOBODY}`, `--regid=${NOBODY}`, '--clear-groups', '--', 'test', '-r', loader]);
      assert.equal(readable.status, 0, `precondition: nobody must be able to read the checkout (${loader}); put it where every directory on the path is world-readable`);

      child = await startAsNobody(layout, readOnlyRoot);
      await ok(child, 'PUT', '/collections/hard', { vectors: { size: 4, distance: 'Cosine' } });
      await ok(child, 'PUT', '/collections/hard/points?wait=true', {
        points: [
          { id: 1, vector: [1, 0, 0, 0], payload: { color: 'red' } },
          { id: 2, vector: [0, 1, 0, 0], payload: { color: 'green' } },
          { id: 3, vector: [0, 0, 1, 0], payload: { color: 'blue' } },
        ],
      });
      await ok(child, 'PUT', '/collections/hard/index?wait=true', { field_name: 'color', field_schema: 'keyword' });
      await ok(child, 'POST', '/collections/hard/points/payload?wait=true', { payload: { size: 'L' }, points: [2] });
      const query = await ok<PointsResult>(child, 'POST', '/collections/hard/points/query', { query: [0.9, 0.1, 0, 0], limit: 2 });
      assert.deepEqual(query.points.map((p) => p.id), [1, 2]);
      await ok(child, 'POST', '/collections/hard/points/delete?wait=true', { points: [3] });
      assert.equal((await ok<{ count: number }>(child, 'POST', '/collections/hard/points/count', { exact: true })).count, 2);

      const snapshot = await call(child, 'POST', '/collections/hard/snapshots?wait=true');
      assert.equal(snapshot.status, 200, JSON.stringify(snapshot.body));

      assert.equal(await child.stop(), 0, `graceful shutdown exits 0:\n${child.output()}`);
      child = await startAsNobody(layout, readOnlyRoot);
      const scroll = await ok<PointsResult>(child, 'POST', '/collections/hard/points/scroll', { limit: 10, with_payload: true });
      assert.deepEqual(scroll.points.map((p) => p.id), [1, 2]);
      assert.deepEqual(scroll.points[1]?.payload, { color: 'green', size: 'L' });
      await ok(child, 'DELETE', '/collections/hard');
      assert.equal(await child.stop(), 0, child.output());

      assert.doesNotMatch(child.output(), /EACCES|EROFS|EPERM/);
      assert.ok(listTree(layout.storage).length > 0, 'the server wrote its storage');
      const allowed = [layout.storage, layout.snapshots, layout.temp, layout.audit, layout.tmp];
      const stray = listTree(layout.root)
        .filter((path) => path !== layout.home && !allowed.some((dir) => path === dir || path.startsWith(`${dir}/`)));
      assert.deepEqual(stray, [], 'only storage, snapshots, temp, audit (and the tsx cache in TMPDIR) are written; HOME stays empty');
      const tmpEntries = readdirSync(layout.tmp);
      assert.ok(tmpEntries.every((name) => name.startsWith('tsx-')), `TMPDIR holds only the tsx cache: ${tmpEntries.join(', ')}`);
      const outside = ownedByNobody([REPO, tmpdir(), '/var/tmp', '/dev/shm'], marker, join(tmpdir(), 'quiver-hardening-*'));
      assert.deepEqual(outside.map((p) => relative('/', p)), [], 'nothing owned by nobody outside the data dir');
    } finally {
      if (child !== undefined) await child.stop();
      rmSync(marker, { force: true });
      rmSync(layout.root, { recursive: true, force: true });
    }
  });
});
