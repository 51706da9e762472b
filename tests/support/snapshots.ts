/** Test helpers for snapshots: multipart bodies, hand-made (malicious) tar archives, child servers with flags. */
import { spawn } from 'node:child_process';
import { readdirSync, statSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { createHash } from 'node:crypto';
import { Header } from 'tar';
import { freePort, stopChild, waitForReady, withTestStorageEnv, type ChildServer } from './app.js';

/** A multipart/form-data body with one file field. */
export function multipart(data: Buffer, field = 'snapshot', filename = 'upload.snapshot'): { body: Buffer; contentType: string } {
  const boundary = `----quiver${Math.random().toString(16).slice(2)}`;
  const body = Buffer.concat([
    Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="${field}"; filename="${filename}"\r\nContent-Type: application/octet-stream\r\n\r\n`),
    data,
    Buffer.from(`\r\n--${boundary}--\r\n`),
  ]);
  return { body, contentType: `multipart/form-data; boundary=${boundary}` };
}

export interface RawTarEntry {
  readonly path: string;
  readonly type?: 'File' | 'SymbolicLink' | 'Link' | 'CharacterDevice' | 'BlockDevice' | 'Directory' | 'FIFO' | 'ExtendedHeader';
  readonly data?: Buffer | string;
  readonly linkpath?: string;
  /** Size written in the header (defaults to the data length). */
  readonly size?: number;
}

/** A tar archive built byte by byte, so tests can make the entries a safe writer never would. */
export function rawTar(entries: readonly RawTarEntry[], end = true): Buffer {
  const parts: Buffer[] = [];
  for (const e of entries) {
    const data = e.data === undefined ? Buffer.alloc(0) : Buffer.from(e.data);
    const h = new Header({ path: e.path, mode: 0o644, uid: 0, gid: 0, size: e.size ?? data.length, mtime: new Date(0), type: e.type ?? 'File', linkpath: e.linkpath ?? '', uname: '', gname: '', devmaj: 1, devmin: 3 });
    h.encode();
    parts.push(h.block!, data, Buffer.alloc((512 - (data.length % 512)) % 512));
  }
  if (end) parts.push(Buffer.alloc(1024));
  return Buffer.concat(parts);
}

/** Every file under `dir` (recursive), with sizes: to show that nothing was written. */
export function filesUnder(dir: string): string[] {
  if (!existsSync(dir)) return [];
  const out: string[] = [];
  const walk = (d: string): void => {
    for (const name of readdirSync(d)) {
      const p = join(d, name);
      const st = statSync(p);
      if (st.isDirectory()) walk(p);
      else out.push(`${p}:${st.size}`);
    }
  };
  walk(dir);
  return out.sort();
}

const MAIN = join(import.meta.dirname, '..', '..', 'src', 'main.ts');
const TSX = import.meta.resolve('tsx');

/**
 * Starts `src/main.ts` with extra command-line arguments. Resolves once it answers /readyz, or with the exit code
 * and output when it exits first (startup refused).
 */
export async function startChildWithArgs(dir: string, args: readonly string[], env: Record<string, string> = {}): Promise<{ server?: ChildServer; exitCode?: number | null; output: string }> {
  const port = await freePort();
  const grpcPort = await freePort();
  let out = '';
  const proc = spawn(process.execPath, ['--import', TSX, MAIN, ...args], {
    cwd: dir,
    env: { PATH: process.env['PATH'] ?? '', QDRANT__SERVICE__HTTP_PORT: String(port), QDRANT__SERVICE__GRPC_PORT: String(grpcPort), QDRANT__LOG_LEVEL: 'WARN', QDRANT__STORAGE__STORAGE_PATH: join(dir, 'storage'), QDRANT__STORAGE__SNAPSHOTS_PATH: join(dir, 'snapshots'), ...withTestStorageEnv({ QDRANT__STORAGE__STORAGE_PATH: join(dir, 'storage'), ...env }, dir) },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  proc.stdout?.on('data', (d: Buffer) => (out += d.toString()));
  proc.stderr?.on('data', (d: Buffer) => (out += d.toString()));
  const url = `http://127.0.0.1:${port}`;
  if (!(await waitForReady(proc, url, () => out, 60_000))) return { exitCode: proc.exitCode, output: out };
  const server: ChildServer = {
    url,
    port,
    grpcPort,
    proc,
    output: () => out,
    stop: (signal: NodeJS.Signals = 'SIGTERM') => stopChild(proc, signal),
  };
  return { server, output: out };
}

/** A Quiver snapshot archive built by hand (valid hashes), for feeding crafted content past the integrity checks. */
export function quiverArchive(manifest: Record<string, unknown>, points: string): Buffer {
  const data = Buffer.from(points);
  const full = { ...manifest, entries: { 'points.ndjson': { size: data.length, sha256: sha256(data) } } };
  return rawTar([
    { path: 'manifest.json', data: JSON.stringify(full) },
    { path: 'points.ndjson', data },
  ]);
}

export function sha256(data: Buffer): string {
  return createHash('sha256').update(data).digest('hex');
}

/** What a collection looks like to a client: config, payload schema, shard keys, every point, a few query answers. */
export async function dumpCollection(request: (method: string, url: string, body?: unknown) => Promise<{ status: number; body: any }>, name: string, queries: ReadonlyArray<Record<string, unknown>> = []): Promise<unknown> {
  /** Every read of the dump must answer 200: a dump of an error is no evidence of equal state. */
  const read = async (method: string, url: string, body?: unknown): Promise<any> => {
    const r = await request(method, url, body);
    if (r.status !== 200) throw new Error(`state dump: ${method} ${url} answered ${r.status}: ${JSON.stringify(r.body)}`);
    return r.body.result;
  };
  const info = await read('GET', `/collections/${name}`);
  const points: unknown[] = [];
  let offset: unknown = null;
  do {
    const page = await read('POST', `/collections/${name}/points/scroll`, { limit: 1000, with_vector: true, with_payload: true, ...(offset === null ? {} : { offset }) });
    points.push(...(page.points as unknown[]));
    offset = page.next_page_offset;
  } while (offset !== null && offset !== undefined);
  const answers: unknown[] = [];
  for (const q of queries) answers.push(await read('POST', `/collections/${name}/points/query`, q));
  const { config, payload_schema, points_count } = info;
  const shards = await read('GET', `/collections/${name}/shards`);
  return { config, payload_schema, points_count, shards, points, answers };
}

/** The file entries of an uncompressed tar archive, in order (for tests that take a snapshot apart). */
export function tarEntries(archive: Buffer): Array<{ path: string; data: Buffer }> {
  const out: Array<{ path: string; data: Buffer }> = [];
  for (let at = 0; at + 512 <= archive.length;) {
    const header = archive.subarray(at, at + 512);
    if (header.every((b) => b === 0)) break;
    const h = new Header(header);
    const size = h.size ?? 0;
    out.push({ path: h.path ?? '', data: Buffer.from(archive.subarray(at + 512, at + 512 + size)) });
    at += 512 + Math.ceil(size / 512) * 512;
  }
  return out;
}
