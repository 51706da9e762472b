/** Test helpers: an in-process app on a temp data dir (driven with inject), and a real child-process server. */
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { spawn, type ChildProcess } from 'node:child_process';
import { createServer as netServer } from 'node:net';
import { loadConfig } from '../../src/config/load.js';
import type { Config } from '../../src/config/schema.js';
import { createServer, type RunningServer, type StartOptions } from '../../src/server.js';
import { pino } from 'pino';
import { EncryptionKey, isSealed } from '../../src/storage/encryption.js';

export function tempDir(prefix = 'quiver-test-'): string {
  return mkdtempSync(join(tmpdir(), prefix));
}

/** The variable holding the key of `QUIVER_TEST_ENCRYPTION=1` runs (one key per test process, handed to children). */
const TEST_KEY_ENV = 'QUIVER_TEST_ENCRYPTION_KEY';

/** Whether this run starts every test server with encryption at rest on (`QUIVER_TEST_ENCRYPTION=1`). */
export const ENCRYPTED_RUN = process.env['QUIVER_TEST_ENCRYPTION'] === '1';

/** Environment that keeps a test server's storage plain even in an encrypted run (tests of plain storage itself). */
export const PLAIN_STORAGE: Readonly<Record<string, string>> = { QDRANT__STORAGE__ENCRYPTION__KEY_ENV: '' };

/**
 * Environment turning encryption at rest on, with this process's test key: what `QUIVER_TEST_ENCRYPTION=1` adds to
 * every test server (in-process and child) whose own environment does not set `storage.encryption`. The key stays
 * the same for the whole test process, so a store reopened by a later server (or a child) opens.
 */
export function encryptedStorageEnv(): Record<string, string> {
  process.env[TEST_KEY_ENV] ??= EncryptionKey.generateText();
  return { QDRANT__STORAGE__ENCRYPTION__KEY_ENV: TEST_KEY_ENV, [TEST_KEY_ENV]: process.env[TEST_KEY_ENV] };
}

/**
 * `env` with encryption at rest added when this is an encrypted run and `env` says nothing about it — unless the
 * server started in `dir` (its working directory) finds a plain store there already: a fixture (a golden store
 * of an earlier version) stays plain, while every store a test server creates in the run is encrypted.
 */
export function withTestStorageEnv(env: Readonly<Record<string, string>>, dir?: string): Record<string, string> {
  if (!ENCRYPTED_RUN || Object.keys(env).some((k) => k.startsWith('QDRANT__STORAGE__ENCRYPTION'))) return { ...env };
  if (dir !== undefined) {
    const storage = resolve(dir, env['QDRANT__STORAGE__STORAGE_PATH'] ?? 'storage');
    if (existsSync(join(storage, 'quiver.mdb')) && !existsSync(join(storage, 'encryption.json'))) return { ...env };
  }
  return { ...encryptedStorageEnv(), ...env };
}

/**
 * `bytes` of a file a test server wrote, opened with this run's test key when they are sealed (an encrypted run
 * seals index images and other files; `QUIVER_TEST_ENCRYPTION=1`), as they are otherwise.
 */
export function openTestFile(bytes: Buffer): Buffer {
  if (!isSealed(bytes)) return bytes;
  const text = process.env[TEST_KEY_ENV];
  if (text === undefined) throw new Error('a sealed file, but this test process has no test encryption key');
  return EncryptionKey.parse(text, TEST_KEY_ENV).open(bytes);
}

/**
 * The LMDB page key of a store written by a test server started with `env` (through {@link withTestStorageEnv}),
 * for a test that opens the store itself; undefined when that server's storage is plain.
 */
export function testStoreLmdbKey(env: Readonly<Record<string, string>> = {}): string | undefined {
  const name = withTestStorageEnv(env)['QDRANT__STORAGE__ENCRYPTION__KEY_ENV'];
  if (name === undefined || name === '') return undefined;
  return EncryptionKey.parse(process.env[name] ?? '', name).lmdbKey;
}

/**
 * A configuration for an in-process test server. Brute-force throttling (on by default in a real server) is off
 * unless `env` turns it on: access matrices and fuzzers send thousands of deliberate failures from one address.
 * Its own tests (tests/unit/auth/throttle.test.ts, tests/integration/auth/throttle.test.ts) turn it on.
 */
export function testConfig(dir: string, env: Record<string, string> = {}): Config {
  return loadConfig({
    cwd: dir,
    env: {
      QDRANT__STORAGE__STORAGE_PATH: join(dir, 'storage'),
      QDRANT__STORAGE__SNAPSHOTS_PATH: join(dir, 'snapshots'),
      QDRANT__SERVICE__AUTH_THROTTLE__ENABLED: 'false',
      ...withTestStorageEnv({ QDRANT__STORAGE__STORAGE_PATH: join(dir, 'storage'), ...env }, dir),
    },
    warn: () => undefined,
  });
}

export interface TestApp extends RunningServer {
  readonly dir: string;
  /** Closes the server and removes its data directory. */
  destroy(): Promise<void>;
  request(method: string, url: string, body?: unknown, headers?: Record<string, string>): Promise<{ status: number; body: any; text: string; headers: Record<string, unknown> }>;
}

export async function startTestApp(env: Record<string, string> = {}, options: StartOptions = {}, dir = tempDir()): Promise<TestApp> {
  const config = testConfig(dir, env);
  const server = await createServer(config, { logger: pino({ level: 'silent' }), ...options });
  return {
    ...server,
    dir,
    async destroy() {
      await server.close();
      rmSync(dir, { recursive: true, force: true });
    },
    async request(method, url, body, headers = {}) {
      const res = await server.app.inject({
        method: method as 'GET',
        url,
        headers: body === undefined ? headers : { 'content-type': 'application/json', ...headers },
        ...(body === undefined ? {} : { payload: typeof body === 'string' ? body : JSON.stringify(body) }),
      });
      let parsed: unknown;
      try {
        parsed = JSON.parse(res.body);
      } catch {
        parsed = undefined;
      }
      return { status: res.statusCode, body: parsed, text: res.body, headers: res.headers };
    },
  };
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = netServer();
    s.listen(0, '127.0.0.1', () => {
      const a = s.address();
      const port = typeof a === 'object' && a !== null ? a.port : 0;
      s.close(() => resolve(port));
    });
    s.on('error', reject);
  });
}

export interface ChildServer {
  readonly url: string;
  readonly port: number;
  /** The gRPC port (`service.grpc_port`), unless the environment given disabled or chose it. */
  readonly grpcPort: number;
  readonly proc: ChildProcess;
  readonly output: () => string;
  stop(signal?: NodeJS.Signals): Promise<number | null>;
}

const MAIN = join(import.meta.dirname, '..', '..', 'src', 'main.ts');
/** tsx resolved from the repository, so a child started in a temp directory still finds it. */
const TSX = import.meta.resolve('tsx');

export interface ChildOptions {
  /** `https` for a server started with TLS (then `probe` must be given: fetch does not trust the test CA). */
  readonly scheme?: 'http' | 'https';
  /** Readiness check against the base URL (default: GET /readyz answers 2xx). */
  readonly probe?: (url: string) => Promise<boolean>;
  /** A built JavaScript entry to run with plain node (e.g. the package's `bin`) instead of `src/main.ts` through tsx. */
  readonly entry?: string;
  /** Options for node itself, before the entry (e.g. `--cpu-prof`, which NODE_OPTIONS does not take). */
  readonly nodeArgs?: readonly string[];
  /** Called with the child's output so far each time it writes (e.g. to signal it at a given point of startup). */
  readonly onOutput?: (output: string, proc: ChildProcess) => void;
}

/**
 * Starts `src/main.ts` in a child process (through tsx) and waits until it answers /readyz. A port this helper chose
 * (see {@link freePort}) can be taken by another process between the probe and the child's bind; a child that exits
 * with EADDRINUSE on such a port is started again on fresh ports (up to 3 attempts).
 */
export async function startChildServer(dir: string, env: Record<string, string> = {}, port?: number, args: readonly string[] = [], options: ChildOptions = {}): Promise<ChildServer> {
  for (let attempt = 1; ; attempt++) {
    const p = port ?? (await freePort());
    const grpcPort = await freePort();
    let out = '';
    const proc = spawn(process.execPath, [...(options.nodeArgs ?? []), ...(options.entry === undefined ? ['--import', TSX, MAIN] : [options.entry]), ...args], {
      cwd: dir,
      env: { PATH: process.env['PATH'] ?? '', QDRANT__SERVICE__HTTP_PORT: String(p), QDRANT__SERVICE__GRPC_PORT: String(grpcPort), QDRANT__LOG_LEVEL: 'WARN', ...withTestStorageEnv(env, dir) },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const onData = (d: Buffer): void => {
      out += d.toString();
      options.onOutput?.(out, proc);
    };
    proc.stdout?.on('data', onData);
    proc.stderr?.on('data', onData);
    const url = `${options.scheme ?? 'http'}://127.0.0.1:${p}`;
    if (await waitForReady(proc, url, () => out, 60_000, options.probe)) return childServer(url, p, grpcPort, proc, () => out);
    const ours = [...(port === undefined ? [p] : []), ...(env['QDRANT__SERVICE__GRPC_PORT'] === undefined ? [grpcPort] : [])];
    const raced = /EADDRINUSE/.test(out) && ours.some((q) => out.includes(`:${q}`));
    if (!raced || attempt >= 3) throw new Error(`server exited with ${proc.exitCode}: ${out}`);
  }
}

function childServer(url: string, p: number, grpcPort: number, proc: ChildProcess, output: () => string): ChildServer {
  return {
    url,
    port: p,
    grpcPort,
    proc,
    output,
    stop: (signal: NodeJS.Signals = 'SIGTERM') => stopChild(proc, signal),
  };
}

/**
 * Polls the child's `/readyz` until it answers: true when ready, false when the process exited first
 * (e.g. startup refused).
 * @throws after `timeoutMs`, having killed the child.
 */
export async function waitForReady(proc: ChildProcess, url: string, output: () => string, timeoutMs = 60_000, probe?: (url: string) => Promise<boolean>): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (proc.exitCode !== null || proc.signalCode !== null) return false;
    try {
      if (probe !== undefined) {
        if (await probe(url)) return true;
      } else {
        const r = await fetch(`${url}/readyz`);
        await r.arrayBuffer();
        if (r.ok) return true;
      }
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) {
      proc.kill('SIGKILL');
      throw new Error(`server did not start: ${output()}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** Signals the child (unless it already exited) and resolves with its exit code. */
export function stopChild(proc: ChildProcess, signal: NodeJS.Signals = 'SIGTERM'): Promise<number | null> {
  return new Promise((resolve) => {
    if (proc.exitCode !== null || proc.signalCode !== null) {
      resolve(proc.exitCode);
      return;
    }
    proc.once('exit', (code) => resolve(code));
    proc.kill(signal);
  });
}

export function removeDir(dir: string): void {
  rmSync(dir, { recursive: true, force: true });
}

/** Runs `src/main.ts` with `args` in `cwd` (empty environment besides PATH and `env`) until it exits. */
export function runQuiver(args: readonly string[], cwd: string, env: Record<string, string> = {}): Promise<{ code: number | null; out: string; err: string }> {
  return new Promise((resolve) => {
    const p = spawn(process.execPath, ['--import', TSX, MAIN, ...args], { cwd, env: { PATH: process.env['PATH'] ?? '', ...withTestStorageEnv(env, cwd) }, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    p.stdout?.on('data', (d: Buffer) => (out += d.toString()));
    p.stderr?.on('data', (d: Buffer) => (err += d.toString()));
    p.once('exit', (code) => resolve({ code, out, err }));
  });
}

export interface JsonReply {
  readonly status: number;
  readonly body: any;
  readonly text: string;
  readonly headers: Headers;
}

/** One JSON request to a listening server (a child process); the body is parsed when it is JSON. */
export async function httpJson(baseUrl: string, method: string, path: string, body?: unknown, headers: Record<string, string> = {}): Promise<JsonReply> {
  const r = await fetch(baseUrl + path, { method, headers: { ...(body === undefined ? {} : { 'content-type': 'application/json' }), ...headers }, ...(body === undefined ? {} : { body: JSON.stringify(body) }) });
  const text = await r.text();
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    parsed = undefined;
  }
  return { status: r.status, body: parsed, text, headers: r.headers };
}
