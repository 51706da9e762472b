/**
 * The dashboard over HTTP, without a browser: the static files' security headers, path traversal (Qdrant's
 * `/dashboard/%2f..` advisory, over a real socket so no client normalises the path), the
 * `service.enable_static_content` / `static_content_dir` switches, and the dashboard API — session, token
 * signing, named keys, audit verification — for each kind of credential, with their audit lines.
 */
import { strict as assert } from 'node:assert';
import { mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { decodeJwt, SignJWT } from 'jose';
import { startTestApp, tempDir, testConfig, type TestApp } from '../../support/app.js';
import { ACCESS_TABLE } from '../../../src/auth/access-table.js';
import { readKeysFile, writeKeysFile } from '../../../src/auth/keys-file.js';
import { bundledDashboardDir, safeRelativePath, staticContentDir } from '../../../src/api/dashboard/static.js';

const ADMIN = 'dashboard-http-admin-key-0123456789abcdef';
const RO = 'dashboard-http-read-only-key-0123456789ab';
const SECRET = 'TOP-SECRET-OUTSIDE-THE-STATIC-ROOT';

/** A static root with an index, an asset and a dotfile, next to a file that must never be served. */
function staticFixture(): string {
  const dir = tempDir('quiver-static-');
  const root = join(dir, 'ui');
  mkdirSync(join(root, 'assets'), { recursive: true });
  writeFileSync(join(root, 'index.html'), '<!doctype html><title>fixture ui</title><script type="module" src="/dashboard/assets/app.js"></script>');
  writeFileSync(join(root, 'assets', 'app.js'), 'console.log("fixture");');
  writeFileSync(join(root, 'assets', 'style.css'), 'body{}');
  writeFileSync(join(root, '.env'), SECRET);
  writeFileSync(join(dir, 'secret.txt'), SECRET);
  return root;
}

/** A raw GET whose path goes on the wire exactly as written. */
function rawGet(port: number, path: string): Promise<{ status: number; body: string; headers: Record<string, unknown> }> {
  return new Promise((resolve, reject) => {
    const req = httpRequest({ host: '127.0.0.1', port, path, method: 'GET' }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8'), headers: res.headers }));
    });
    req.on('error', reject);
    req.end();
  });
}

async function jwt(claims: Record<string, unknown>, secret = ADMIN): Promise<string> {
  return new SignJWT(claims).setProtectedHeader({ alg: 'HS256', typ: 'JWT' }).sign(new TextEncoder().encode(secret));
}

function auditLines(dir: string): Array<Record<string, unknown>> {
  return readdirSync(dir)
    .filter((f) => f.endsWith('.log'))
    .sort()
    .flatMap((f) => readFileSync(join(dir, f), 'utf8').split('\n').filter((l) => l !== ''))
    .map((l) => JSON.parse(l) as Record<string, unknown>);
}

describe('dashboard static files', () => {
  let app: TestApp;
  let port: number;
  const root = staticFixture();

  before(async () => {
    app = await startTestApp({ QDRANT__SERVICE__API_KEY: ADMIN, QDRANT__SERVICE__STATIC_CONTENT_DIR: root });
    await app.app.listen({ port: 0, host: '127.0.0.1' });
    port = (app.app.server.address() as { port: number }).port;
  });
  after(async () => app.destroy());

  it('serves the index at /dashboard without a credential, with a strict CSP and nosniff', async () => {
    for (const path of ['/dashboard', '/dashboard/']) {
      const r = await rawGet(port, path);
      assert.equal(r.status, 200, path);
      assert.match(r.body, /fixture ui/);
      assert.match(String(r.headers['content-type']), /^text\/html/);
      const csp = String(r.headers['content-security-policy']);
      assert.match(csp, /default-src 'none'/);
      assert.match(csp, /script-src 'self'(;|$)/);
      assert.match(csp, /frame-ancestors 'none'/);
      assert.match(csp, /connect-src 'self'/);
      assert.doesNotMatch(csp, /unsafe-inline|unsafe-eval|\*/);
      assert.equal(r.headers['x-content-type-options'], 'nosniff');
      assert.equal(r.headers['x-frame-options'], 'DENY');
      assert.equal(r.headers['referrer-policy'], 'no-referrer');
      assert.equal(r.headers['cache-control'], 'no-cache');
    }
  });

  it('serves assets with their content type, cached as immutable', async () => {
    const js = await rawGet(port, '/dashboard/assets/app.js');
    assert.equal(js.status, 200);
    assert.match(String(js.headers['content-type']), /javascript/);
    assert.equal(js.headers['x-content-type-options'], 'nosniff');
    assert.match(String(js.headers['cache-control']), /immutable/);
    const css = await rawGet(port, '/dashboard/assets/style.css');
    assert.match(String(css.headers['content-type']), /^text\/css/);
  });

  it('refuses path traversal in every encoding (Qdrant /dashboard/%2f.. advisory), dotfiles and listings', async () => {
    const attempts = [
      '/dashboard/../secret.txt',
      '/dashboard/%2e%2e/secret.txt',
      '/dashboard/%2E%2E/secret.txt',
      '/dashboard/..%2fsecret.txt',
      '/dashboard/..%2Fsecret.txt',
      '/dashboard/%2e%2e%2fsecret.txt',
      '/dashboard/%2f..%2fsecret.txt',
      '/dashboard/%2f%2e%2e%2fsecret.txt',
      '/dashboard/assets/..%2f..%2fsecret.txt',
      '/dashboard/assets/%2e%2e/%2e%2e/secret.txt',
      '/dashboard/..%5csecret.txt',
      '/dashboard/%5c..%5csecret.txt',
      '/dashboard/%252e%252e%252fsecret.txt',
      '/dashboard/.%2e/secret.txt',
      '/dashboard//secret.txt',
      '/dashboard/%2fetc%2fpasswd',
      '/dashboard/.env',
      '/dashboard/%2eenv',
      '/dashboard/assets/',
      '/dashboard/assets',
      '/dashboard/index.html%00.js',
      '/dashboard/nonexistent.js',
    ];
    for (const path of attempts) {
      const r = await rawGet(port, path);
      assert.ok(r.status === 404 || r.status === 400, `${path}: ${r.status}`);
      assert.doesNotMatch(r.body, new RegExp(SECRET), path);
      assert.doesNotMatch(r.body, /root:x:0/, path);
      const body = JSON.parse(r.body) as { status: { error: string }; time: number };
      assert.equal(typeof body.status.error, 'string', `${path}: Qdrant-format error`);
    }
  });

  it('accepts only plain relative names', () => {
    assert.equal(safeRelativePath(''), 'index.html');
    assert.equal(safeRelativePath('assets/index-1a2b.js'), 'assets/index-1a2b.js');
    for (const bad of ['../x', 'a/../../x', 'a//b', '/etc/passwd', '.env', 'a/.git/config', 'a\\..\\b', 'x\0.js', 'assets/', '.', '..']) {
      assert.equal(safeRelativePath(bad), undefined, bad);
    }
  });

  it('keeps the API authenticated: the dashboard API needs a credential like any route', async () => {
    const r = await rawGet(port, '/dashboard/api/session');
    assert.equal(r.status, 401);
    const keys = await rawGet(port, '/dashboard/api/keys');
    assert.equal(keys.status, 401);
  });
});

describe('service.enable_static_content / static_content_dir', () => {
  it('false: /dashboard is not served at all', async () => {
    const app = await startTestApp({ QDRANT__SERVICE__ENABLE_STATIC_CONTENT: 'false', QDRANT__SERVICE__STATIC_CONTENT_DIR: staticFixture() });
    try {
      for (const path of ['/dashboard', '/dashboard/index.html', '/dashboard/assets/app.js']) {
        const r = await app.request('GET', path);
        assert.equal(r.status, 404, path);
        assert.match(r.body.status.error, /^Not found/);
      }
    } finally {
      await app.destroy();
    }
  });

  it('a directory of the user\'s choice is served instead (a drop-in UI)', async () => {
    const root = staticFixture();
    writeFileSync(join(root, 'index.html'), '<!doctype html><title>another ui</title>');
    const app = await startTestApp({ QDRANT__SERVICE__STATIC_CONTENT_DIR: root });
    try {
      const r = await app.request('GET', '/dashboard');
      assert.equal(r.status, 200);
      assert.match(r.text, /another ui/);
    } finally {
      await app.destroy();
    }
  });

  it('null (the default) is the bundled build in dist/dashboard; the keys are documented like Qdrant\'s', () => {
    const dir = tempDir();
    const config = testConfig(dir);
    assert.equal(config.service.enable_static_content, true);
    assert.equal(config.service.static_content_dir, null);
    assert.equal(staticContentDir(config), bundledDashboardDir());
    assert.match(bundledDashboardDir(), /[/\\]dist[/\\]dashboard$/);
    assert.equal(staticContentDir(testConfig(dir, { QDRANT__SERVICE__ENABLE_STATIC_CONTENT: 'false' })), null);
    assert.equal(staticContentDir(testConfig(dir, { QDRANT__SERVICE__STATIC_CONTENT_DIR: './ui' })), join(dir, 'ui'));
  });
});

describe('dashboard API', () => {
  let app: TestApp;
  let keysFile: string;
  let auditDir: string;
  const admin = { 'api-key': ADMIN };
  let tokens: Record<'r' | 'crw' | 'cr' | 'cprw', Record<string, string>>;

  before(async () => {
    const dir = tempDir();
    keysFile = join(dir, 'keys.yaml');
    auditDir = join(dir, 'audit');
    writeKeysFile(keysFile, []);
    app = await startTestApp(
      {
        QDRANT__SERVICE__API_KEY: ADMIN,
        QDRANT__SERVICE__READ_ONLY_API_KEY: RO,
        QDRANT__SERVICE__JWT_RBAC: 'true',
        QDRANT__SERVICE__API_KEYS_FILE: keysFile,
        QDRANT__AUDIT__ENABLED: 'true',
        QDRANT__AUDIT__DIR: auditDir,
      },
      {},
      dir,
    );
    await app.request('PUT', '/collections/c', { vectors: { size: 2, distance: 'Dot' } }, admin);
    const bearer = async (access: string): Promise<Record<string, string>> => ({ authorization: `Bearer ${await jwt({ access: [{ collection: 'c', access }] })}` });
    tokens = { r: { 'api-key': RO }, crw: await bearer('rw'), cr: await bearer('r'), cprw: await bearer('prw') };
  });
  after(async () => app.destroy());

  it('session: who the caller is, and the access table as data', async () => {
    const exp = Math.floor(Date.now() / 1000) + 3600;
    const token = await jwt({ access: [{ collection: 'c', access: 'r' }], subject: 'alice', exp });
    const r = await app.request('GET', '/dashboard/api/session', undefined, { authorization: `Bearer ${token}` });
    assert.equal(r.status, 200);
    const s = r.body.result;
    assert.equal(s.auth_type, 'Jwt');
    assert.deepEqual(s.access, [{ collection: 'c', access: 'r' }]);
    assert.equal(s.subject, 'alice');
    assert.equal(s.expires_at, new Date(exp * 1000).toISOString());
    assert.equal(s.server.jwt_rbac, true);
    assert.equal(s.server.api_keys_file, true);
    for (const [op, rule] of Object.entries(ACCESS_TABLE)) {
      assert.deepEqual(s.access_table[op], { scope: rule.scope, ...rule.need }, op);
    }
    assert.equal(Object.keys(s.access_table).length, Object.keys(ACCESS_TABLE).length);
    const adminSession = (await app.request('GET', '/dashboard/api/session', undefined, admin)).body.result;
    assert.equal(adminSession.access, 'm');
    assert.equal(adminSession.expires_at, null);
  });

  it('tokens: manage only, for every other kind of credential a 403 with Qdrant\'s reason', async () => {
    const body = { access: 'r' };
    for (const [kind, headers] of Object.entries(tokens)) {
      const r = await app.request('POST', '/dashboard/api/tokens', body, headers);
      assert.equal(r.status, 403, kind);
      assert.match(r.body.status.error, kind === 'r' ? /^Forbidden: Global manage access is required/ : /^Forbidden: Global access is required/, kind);
    }
    assert.equal((await app.request('POST', '/dashboard/api/tokens', body)).status, 401);
  });

  it('tokens: signed on the server, with the requested claims, and honoured by the server', async () => {
    const before = Math.floor(Date.now() / 1000);
    const r = await app.request('POST', '/dashboard/api/tokens', {
      access: [{ collection: 'c', access: 'r' }],
      expires_in: 600,
      subject: 'reader',
      value_exists: { collection: 'c', matches: [{ key: 'user', value: 'bob' }] },
    }, admin);
    assert.equal(r.status, 200, r.text);
    const { token, claims } = r.body.result;
    assert.deepEqual(decodeJwt(token), claims);
    assert.deepEqual(claims.access, [{ collection: 'c', access: 'r' }]);
    assert.equal(claims.subject, 'reader');
    assert.deepEqual(claims.value_exists, { collection: 'c', matches: [{ key: 'user', value: 'bob' }] });
    assert.ok(claims.exp >= before + 600 && claims.exp <= before + 602);
    // value_exists: refused while no point has user=bob, accepted once one does.
    const headers = { authorization: `Bearer ${token}` };
    assert.equal((await app.request('POST', '/collections/c/points/count', {}, headers)).status, 401);
    await app.request('PUT', '/collections/c/points?wait=true', { points: [{ id: 1, vector: [1, 0], payload: { user: 'bob' } }] }, admin);
    assert.equal((await app.request('POST', '/collections/c/points/count', {}, headers)).status, 200);
    const write = await app.request('PUT', '/collections/c/points?wait=true', { points: [{ id: 2, vector: [0, 1] }] }, headers);
    assert.equal(write.status, 403);
    assert.equal(write.body.status.error, 'Forbidden: Write access to collection c is required');
    const never = await app.request('POST', '/dashboard/api/tokens', { access: 'm', expires_in: null }, admin);
    assert.equal(never.body.result.claims.exp, undefined);
  });

  it('tokens: bad requests are 400s that name the field', async () => {
    const cases: Array<[unknown, RegExp]> = [
      [{}, /access: required/],
      [{ access: 'x' }, /access must be/],
      [{ access: [] }, /at least one collection/],
      [{ access: [{ collection: 'c', access: 'm' }] }, /access\[0\]\.access must be/],
      [{ access: 'r', expires_in: 0 }, /expires_in/],
      [{ access: 'r', expires_in: 1.5 }, /expires_in/],
      [{ access: 'r', expires_in: '60' }, /expires_in/],
      [{ access: 'r', subject: 7 }, /subject/],
      [{ access: 'r', value_exists: { collection: 'c', matches: [] } }, /value_exists\.matches/],
      [{ access: 'r', value_exists: { collection: 'c', matches: [{ key: 'k', value: 1.5 }] } }, /value_exists\.matches\[0\]\.value/],
      [{ access: 'r', admin: true }, /unknown field "admin"/],
      [[1, 2], /expected a JSON object/],
    ];
    for (const [body, message] of cases) {
      const r = await app.request('POST', '/dashboard/api/tokens', body, admin);
      assert.equal(r.status, 400, JSON.stringify(body));
      assert.match(r.body.status.error, message, JSON.stringify(body));
    }
  });

  it('tokens: refused when JWTs are off or there is no API key to sign with', async () => {
    const envs: Array<Record<string, string>> = [{ QDRANT__SERVICE__API_KEY: ADMIN }, { QDRANT__SERVICE__JWT_RBAC: 'true' }];
    for (const env of envs) {
      const other = await startTestApp(env);
      try {
        const r = await other.request('POST', '/dashboard/api/tokens', { access: 'r' }, { 'api-key': ADMIN });
        assert.equal(r.status, 400, JSON.stringify(env));
        assert.match(r.body.status.error, /JWT access tokens are not enabled/);
      } finally {
        await other.destroy();
      }
    }
  });

  it('named keys: create (shown once, only the hash stored), use at once, list, revoke', async () => {
    const created = await app.request('POST', '/dashboard/api/keys', { name: 'ci', access: [{ collection: 'c', access: 'rw' }], expires_at: '2099-01-01T00:00:00Z' }, admin);
    assert.equal(created.status, 200, created.text);
    const key = created.body.result.key as string;
    assert.match(key, /^qvk_/);
    assert.ok(!readFileSync(keysFile, 'utf8').includes(key), 'the key itself is never stored');
    assert.deepEqual(readKeysFile(keysFile).map((k) => k.name), ['ci']);
    // Usable immediately, with its access.
    assert.equal((await app.request('POST', '/collections/c/points/count', {}, { 'api-key': key })).status, 200);
    assert.equal((await app.request('DELETE', '/collections/c', undefined, { 'api-key': key })).status, 403);
    const session = (await app.request('GET', '/dashboard/api/session', undefined, { 'api-key': key })).body.result;
    assert.equal(session.key_name, 'ci');
    assert.equal(session.expires_at, '2099-01-01T00:00:00.000Z');

    const list = await app.request('GET', '/dashboard/api/keys', undefined, admin);
    assert.deepEqual(list.body.result.keys.map((k: any) => [k.name, k.access, k.expires_at, k.expired]), [['ci', [{ collection: 'c', access: 'rw' }], '2099-01-01T00:00:00.000Z', false]]);
    assert.ok(!JSON.stringify(list.body).includes('sha256:'), 'hashes are not listed');

    const dup = await app.request('POST', '/dashboard/api/keys', { name: 'ci', access: 'r' }, admin);
    assert.equal(dup.status, 400);
    for (const bad of [{ name: '../x', access: 'r' }, { name: 'ok', access: 'x' }, { name: 'ok', access: 'r', expires_at: '2000-01-01T00:00:00Z' }, { name: 'ok', access: 'r', expires_at: 'tomorrow' }]) {
      assert.equal((await app.request('POST', '/dashboard/api/keys', bad, admin)).status, 400, JSON.stringify(bad));
    }

    assert.equal((await app.request('DELETE', '/dashboard/api/keys/ci', undefined, admin)).status, 200);
    assert.equal((await app.request('POST', '/collections/c/points/count', {}, { 'api-key': key })).status, 401, 'a revoked key is refused at once');
    assert.equal((await app.request('DELETE', '/dashboard/api/keys/ci', undefined, admin)).status, 404);
    assert.deepEqual(readKeysFile(keysFile), []);
  });

  it('named keys and audit verification: manage only', async () => {
    const calls: Array<[string, string, unknown]> = [
      ['GET', '/dashboard/api/keys', undefined],
      ['POST', '/dashboard/api/keys', { name: 'sneaky', access: 'm' }],
      ['DELETE', '/dashboard/api/keys/ci', undefined],
      ['GET', '/audit/verify', undefined],
    ];
    for (const [method, path, body] of calls) {
      for (const [kind, headers] of Object.entries(tokens)) {
        const r = await app.request(method, path, body, headers);
        assert.equal(r.status, 403, `${kind} ${method} ${path}`);
      }
    }
    assert.deepEqual(readKeysFile(keysFile).map((k) => k.name).filter((n) => n === 'sneaky'), []);
  });

  it('audits every decision of the dashboard API, and never records a token or key', async () => {
    const issued = (await app.request('POST', '/dashboard/api/tokens', { access: 'r', subject: 'audited' }, admin)).body.result.token as string;
    await app.request('POST', '/dashboard/api/tokens', { access: 'r' }, tokens.cr);
    const lines = auditLines(auditDir);
    const ok = lines.filter((l) => l['method'] === 'create_access_token' && l['result'] === 'ok');
    const denied = lines.filter((l) => l['method'] === 'create_access_token' && l['result'] === 'denied');
    assert.ok(ok.length >= 1 && denied.length >= 1);
    assert.equal(denied.at(-1)!['error'], 'Forbidden: Global access is required');
    assert.equal(denied.at(-1)!['auth_type'], 'Jwt');
    const text = readdirSync(auditDir).filter((f) => f.endsWith('.log')).map((f) => readFileSync(join(auditDir, f), 'utf8')).join('');
    assert.ok(!text.includes(issued), 'the issued token is not in the audit log');
    assert.ok(!text.includes(ADMIN), 'the admin key is not in the audit log');
    for (const op of ['list_api_keys', 'create_api_key', 'delete_api_key', 'verify_audit_logs', 'dashboard_session']) {
      assert.ok(lines.some((l) => l['method'] === op), `${op} is audited`);
    }
  });

  it('audit verify: intact, then a single edited line is found', async () => {
    const good = await app.request('GET', '/audit/verify', undefined, admin);
    assert.equal(good.status, 200);
    assert.equal(good.body.result.ok, true);
    assert.ok(good.body.result.lines > 10);
    const file = readdirSync(auditDir).filter((f) => f.endsWith('.log')).sort()[0]!;
    const path = join(auditDir, file);
    const text = readFileSync(path, 'utf8');
    writeFileSync(path, text.replace('"result":"denied"', '"result":"ok"    '));
    const bad = await app.request('GET', '/audit/verify', undefined, admin);
    assert.equal(bad.status, 200);
    assert.equal(bad.body.result.ok, false);
    assert.equal(bad.body.result.file, file);
    assert.match(bad.body.result.reason, /hash mismatch/);
    writeFileSync(path, readFileSync(path, 'utf8').replace('"result":"ok"    ', '"result":"denied"'));
  });

  it('named keys: a keys file that does not parse is a 500 naming the file, never a crash or a lost file', async () => {
    const text = readFileSync(keysFile, 'utf8');
    writeFileSync(keysFile, 'keys: [unclosed');
    try {
      const r = await app.request('GET', '/dashboard/api/keys', undefined, admin);
      assert.equal(r.status, 500);
      assert.match(r.body.status.error, /^Service internal error: .*keys\.yaml.*not valid YAML/);
      const create = await app.request('POST', '/dashboard/api/keys', { name: 'x', access: 'r' }, admin);
      assert.equal(create.status, 500);
      assert.equal(readFileSync(keysFile, 'utf8'), 'keys: [unclosed', 'the broken file is left for the operator, not overwritten');
    } finally {
      writeFileSync(keysFile, text);
    }
  });

  it('audit verify: 400 when the audit log is off', async () => {
    const other = await startTestApp({ QDRANT__SERVICE__API_KEY: ADMIN });
    try {
      const r = await other.request('GET', '/audit/verify', undefined, { 'api-key': ADMIN });
      assert.equal(r.status, 400);
      assert.match(r.body.status.error, /Audit logging/);
    } finally {
      await other.destroy();
    }
  });
});
