/**
 * Every snapshot safety rule, one test each: access decided before the body is read (nothing on disk), URL
 * recovery off by default and SSRF-checked when on, file locations confined to the snapshots directory, snapshot
 * names that cannot escape, unsafe archive entries refused, extraction bounded.
 */
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { request as httpRequest, createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { gzipSync } from 'node:zlib';
import { SignJWT } from 'jose';
import { PLAIN_STORAGE, startTestApp, type TestApp } from '../../support/app.js';
import { filesUnder, multipart, rawTar } from '../../support/snapshots.js';

const ADMIN = 'admin-key-0123456789abcdef0123456789abcdef';
const RO = 'read-only-key-0123456789abcdef0123456789';

async function jwt(claims: Record<string, unknown>): Promise<string> {
  return new SignJWT(claims).setProtectedHeader({ alg: 'HS256', typ: 'JWT' }).sign(new TextEncoder().encode(ADMIN));
}

describe('snapshot safety', () => {
  let app: TestApp;
  let snapshotsDir: string;
  let tempPath: string;
  let snapshot: Buffer;
  let snapshotName: string;
  const admin = { 'api-key': ADMIN };

  before(async () => {
    // Plain storage even in an encrypted run: the test takes snapshot archives apart and crafts its own.
    app = await startTestApp({ ...PLAIN_STORAGE, QDRANT__SERVICE__API_KEY: ADMIN, QDRANT__SERVICE__READ_ONLY_API_KEY: RO, QDRANT__SERVICE__JWT_RBAC: 'true' });
    snapshotsDir = join(app.dir, 'snapshots');
    tempPath = join(app.dir, 'storage', 'snapshots_temp');
    await app.request('PUT', '/collections/c', { vectors: { size: 2, distance: 'Dot' } }, admin);
    await app.request('PUT', '/collections/c/points?wait=true', { points: [{ id: 1, vector: [1, 2], payload: { a: 1 } }] }, admin);
    const created = await app.request('POST', '/collections/c/snapshots', undefined, admin);
    snapshotName = created.body.result.name;
    snapshot = (await app.app.inject({ method: 'GET', url: `/collections/c/snapshots/${snapshotName}`, headers: admin })).rawPayload;
  });
  after(async () => {
    await app.destroy();
  });

  const disk = (): string[] => [...filesUnder(snapshotsDir), ...filesUnder(tempPath)];

  async function upload(url: string, data: Buffer, headers: Record<string, string> = admin): Promise<{ status: number; body: any; text: string }> {
    const { body, contentType } = multipart(data);
    const r = await app.app.inject({ method: 'POST', url, payload: body, headers: { 'content-type': contentType, ...headers } });
    let parsed: unknown;
    try {
      parsed = JSON.parse(r.body);
    } catch {
      parsed = undefined;
    }
    return { status: r.statusCode, body: parsed, text: r.body };
  }

  it('refuses uploads and recoveries from read-only and collection-scoped credentials, leaving zero bytes on disk', async () => {
    const before = disk();
    const creds: Array<[string, Record<string, string>, number]> = [
      ['no credential', {}, 401],
      ['read-only key', { 'api-key': RO }, 403],
      ['JWT r', { authorization: `Bearer ${await jwt({ access: 'r' })}` }, 403],
      ['JWT collection rw', { authorization: `Bearer ${await jwt({ access: [{ collection: 'c', access: 'rw' }] })}` }, 403],
      ['JWT collection rw on the target', { authorization: `Bearer ${await jwt({ access: [{ collection: 'newc', access: 'rw' }] })}` }, 403],
    ];
    for (const [name, headers, status] of creds) {
      for (const url of ['/collections/newc/snapshots/upload', '/collections/c/shards/0/snapshots/upload']) {
        const r = await upload(url, snapshot, headers);
        assert.equal(r.status, status, `${name} ${url}: ${r.text}`);
        if (status === 403) assert.match(r.body.status.error, /^Forbidden: Global (manage )?access is required$/);
      }
      for (const url of ['/collections/newc/snapshots/recover', '/collections/c/shards/0/snapshots/recover']) {
        const r = await app.request('PUT', url, { location: `file://${join(snapshotsDir, 'c', snapshotName)}` }, headers);
        assert.equal(r.status, status, `${name} ${url}: ${r.text}`);
      }
    }
    assert.deepEqual(disk(), before);
    assert.equal((await app.request('GET', '/collections/newc', undefined, admin)).status, 404);
  });

  it('decides access before reading the body: a refused upload is answered while its body is still unsent', async () => {
    await app.app.listen({ host: '127.0.0.1', port: 0 });
    const port = (app.app.server.address() as AddressInfo).port;
    const before = disk();
    const status = await new Promise<number>((resolve, reject) => {
      const req = httpRequest({
        host: '127.0.0.1',
        port,
        method: 'POST',
        path: '/collections/newc/snapshots/upload',
        headers: { 'api-key': RO, 'content-type': 'multipart/form-data; boundary=x', 'content-length': String(1024 * 1024 * 1024) },
      });
      req.on('response', (res) => {
        res.resume();
        resolve(res.statusCode ?? 0);
        req.destroy();
      });
      req.on('error', (e) => (e.message.includes('socket hang up') || e.message.includes('ECONNRESET') ? undefined : reject(e)));
      // 64 KiB of a declared 1 GiB body, then nothing: only a decision taken before the body can answer.
      req.write(Buffer.alloc(64 * 1024));
    });
    assert.equal(status, 403);
    assert.deepEqual(disk(), before);
  });

  it('refuses http(s) locations while URL recovery is disabled (the default)', async () => {
    const r = await app.request('PUT', '/collections/newc/snapshots/recover', { location: 'https://example.com/c.snapshot' }, admin);
    assert.equal(r.status, 403);
    assert.equal(r.body.status.error, 'Forbidden: snapshot recovery from URLs is disabled (service.enable_snapshot_url_recovery)');
    const shard = await app.request('PUT', '/collections/c/shards/0/snapshots/recover', { location: 'http://example.com/c.snapshot' }, admin);
    assert.equal(shard.status, 403);
  });

  it('refuses file locations outside the snapshots directory: /etc/passwd, `..`, symlink escapes', async () => {
    writeFileSync(join(app.dir, 'outside.snapshot'), snapshot);
    mkdirSync(join(snapshotsDir, 'links'), { recursive: true });
    symlinkSync(join(app.dir, 'outside.snapshot'), join(snapshotsDir, 'links', 'escape.snapshot'));
    for (const location of [
      'file:///etc/passwd',
      `file://${snapshotsDir}/../outside.snapshot`,
      `file://${snapshotsDir}/c/%2e%2e/%2e%2e/outside.snapshot`,
      `file://${join(snapshotsDir, 'links', 'escape.snapshot')}`,
    ]) {
      const r = await app.request('PUT', '/collections/newc/snapshots/recover', { location }, admin);
      assert.equal(r.status, 403, `${location}: ${r.text}`);
      assert.match(r.body.status.error, /^Forbidden: snapshot file .* is outside the snapshots directory \(storage\.snapshots_path\)$/);
    }
    for (const location of ['/etc/passwd', '../../outside.snapshot', '../../../outside.snapshot']) {
      const r = await app.request('PUT', '/collections/c/shards/0/snapshots/recover', { location }, admin);
      assert.equal(r.status, 403, `${location}: ${r.text}`);
    }
    assert.equal((await app.request('GET', '/collections/newc', undefined, admin)).status, 404);
  });

  it('never lets a snapshot name leave its directory', async () => {
    writeFileSync(join(app.dir, 'storage', 'x.snapshot'), 'secret');
    // (A bare `..` or `%2e%2e` segment is a dot segment the URL parser removes before routing: not a name.)
    const names = ['..%2F..%2Fstorage%2Fx.snapshot', '..%2Fx.snapshot', 'a%00.snapshot', '%2Fetc%2Fpasswd', '..%5Cx.snapshot', '%2e%2e%2fx.snapshot'];
    for (const n of names) {
      for (const [method, url] of [
        ['GET', `/collections/c/snapshots/${n}`],
        ['DELETE', `/collections/c/snapshots/${n}`],
        ['GET', `/snapshots/${n}`],
        ['DELETE', `/snapshots/${n}`],
        ['GET', `/collections/c/shards/0/snapshots/${n}`],
      ] as const) {
        const r = await app.request(method, url, undefined, admin);
        assert.ok(r.status === 400 || r.status === 404, `${method} ${url}: ${r.status} ${r.text}`);
        assert.doesNotMatch(r.text, /secret/);
      }
    }
    // A symlink planted in a snapshot directory is not followed.
    symlinkSync(join(app.dir, 'storage', 'x.snapshot'), join(snapshotsDir, 'c', 'planted.snapshot'));
    const planted = await app.request('GET', '/collections/c/snapshots/planted.snapshot', undefined, admin);
    assert.equal(planted.status, 404);
    assert.ok(!(await app.request('GET', '/collections/c/snapshots', undefined, admin)).body.result.some((d: { name: string }) => d.name === 'planted.snapshot'));
  });

  it('refuses archives with absolute paths, `..`, links or device files, and creates nothing', async () => {
    const before = disk();
    const manifest = JSON.stringify({ format: 'quiver-snapshot', version: 1 });
    const archives: Array<[string, Buffer, RegExp]> = [
      ['absolute path', rawTar([{ path: '/tmp/evil', data: 'x' }]), /absolute path/],
      ['parent reference', rawTar([{ path: 'manifest.json', data: manifest }, { path: '../../../evil', data: 'x' }]), /parent directory/],
      ['symlink', rawTar([{ path: 'manifest.json', type: 'SymbolicLink', linkpath: '/etc/passwd' }]), /symbolic link/],
      ['hard link', rawTar([{ path: 'points.ndjson', type: 'Link', linkpath: '/etc/shadow' }]), /hard link/],
      ['device', rawTar([{ path: 'points.ndjson', type: 'CharacterDevice' }]), /device file/],
      ['unexpected name', rawTar([{ path: 'manifest.json', data: manifest }, { path: 'segments/0/x', data: 'x' }]), /unexpected entry/],
      ['qdrant snapshot', rawTar([{ path: '0/segments/x.tar', data: 'x' }]), /unexpected entry|not a Quiver snapshot/],
      ['gzip', gzipSync(snapshot), /gzip-compressed/],
    ];
    for (const [what, data, pattern] of archives) {
      const r = await upload('/collections/evil/snapshots/upload', data);
      assert.equal(r.status, 400, `${what}: ${r.text}`);
      assert.match(r.body.status.error, pattern, what);
    }
    assert.equal((await app.request('GET', '/collections/evil', undefined, admin)).status, 404);
    assert.deepEqual(disk(), before);
  });

  it('bounds the size of what it reads', async () => {
    app.deps.snapshots.overrideLimits({ maxArchiveBytes: 2048 });
    try {
      const before = disk();
      const r = await upload('/collections/big/snapshots/upload', Buffer.concat([snapshot, Buffer.alloc(8192)]));
      assert.equal(r.status, 400);
      assert.equal(r.body.status.error, 'Bad request: the snapshot is larger than the limit of 2048 bytes');
      assert.deepEqual(disk(), before);
    } finally {
      app.deps.snapshots.overrideLimits({});
    }
  });
});

describe('snapshot recovery from URLs (enabled)', () => {
  let source: Server;
  let base: string;
  let app: TestApp;
  let served: Buffer;
  before(async () => {
    const origin = await startTestApp();
    await origin.request('PUT', '/collections/c', { vectors: { size: 2, distance: 'Dot' } });
    await origin.request('PUT', '/collections/c/points?wait=true', { points: [{ id: 1, vector: [1, 2] }, { id: 2, vector: [3, 4] }] });
    const name = (await origin.request('POST', '/collections/c/snapshots')).body.result.name;
    served = (await origin.app.inject({ method: 'GET', url: `/collections/c/snapshots/${name}` })).rawPayload;
    await origin.destroy();
    source = createServer((req, res) => {
      if (req.url === '/snapshots/c.snapshot') res.end(served);
      else if (req.url === '/snapshots/redirect-out') res.writeHead(302, { location: `http://localhost:${(source.address() as AddressInfo).port}/snapshots/c.snapshot` }).end();
      else res.writeHead(404).end();
    });
    await new Promise<void>((r) => source.listen(0, '127.0.0.1', r));
    base = `http://127.0.0.1:${(source.address() as AddressInfo).port}`;
    app = await startTestApp({ QDRANT__SERVICE__ENABLE_SNAPSHOT_URL_RECOVERY: 'true', QDRANT__SERVICE__SNAPSHOT_URL_ALLOWLIST: JSON.stringify([`${base}/snapshots/`]) });
  });
  after(async () => {
    source.closeAllConnections();
    source.close();
    await app.destroy();
  });

  it('refuses a loopback URL that is not allow-listed', async () => {
    const port = (source.address() as AddressInfo).port;
    for (const location of [`http://localhost:${port}/snapshots/c.snapshot`, `http://[::1]:${port}/snapshots/c.snapshot`, `${base}/other/c.snapshot`]) {
      const r = await app.request('PUT', '/collections/d/snapshots/recover', { location });
      assert.equal(r.status, 403, `${location}: ${r.text}`);
      assert.match(r.body.status.error, /^Forbidden: snapshot URL host .* resolves to a loopback address/);
    }
    assert.equal((await app.request('GET', '/collections/d')).status, 404);
  });

  it('recovers from an allow-listed URL', async () => {
    const r = await app.request('PUT', '/collections/d/snapshots/recover', { location: `${base}/snapshots/c.snapshot`, priority: 'snapshot' });
    assert.equal(r.status, 200, r.text);
    assert.equal((await app.request('POST', '/collections/d/points/count', {})).body.result.count, 2);
  });

  it('re-checks redirects: an allow-listed URL redirecting to a refused one is refused', async () => {
    const r = await app.request('PUT', '/collections/e/snapshots/recover', { location: `${base}/snapshots/redirect-out` });
    assert.equal(r.status, 403, r.text);
    assert.match(r.body.status.error, /`localhost` resolves to a loopback address/);
    assert.equal((await app.request('GET', '/collections/e')).status, 404);
  });
});
