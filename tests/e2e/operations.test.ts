/**
 * What an operator sees of a running server (issue 15): the startup banner, the access log (request id, never a
 * key), slow-request warnings, warnings for settings without effect, JSON or text logs, the log file, and the
 * metrics listener on its own port without authentication, with Quiver-only series prefixed `quiver_`.
 */
import { strict as assert } from 'node:assert';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { ENCRYPTED_RUN, freePort, removeDir, startChildServer, tempDir } from '../support/app.js';

const KEY = 'operations-test-key-0123456789abcdef0123456789';

/** Polls until `output()` matches `pattern` (log lines are written asynchronously). */
async function waitFor(output: () => string, pattern: RegExp): Promise<string> {
  const deadline = Date.now() + 10_000;
  while (!pattern.test(output())) {
    if (Date.now() > deadline) throw new Error(`no ${pattern} in:\n${output()}`);
    await new Promise((r) => setTimeout(r, 20));
  }
  return output();
}

describe('operating a server', () => {
  it('logs a banner, an access log without keys, slow requests and inert settings as JSON; serves metrics on its own port', async () => {
    const dir = tempDir('quiver-ops-');
    const metricsPort = await freePort();
    const grpcPort = await freePort();
    const server = await startChildServer(dir, {
      QDRANT__LOG_LEVEL: 'INFO',
      QDRANT__LOGGER__FORMAT: 'json',
      QDRANT__LOGGER__SLOW_REQUEST_SECS: '0',
      QDRANT__LOGGER__ON_DISK__ENABLED: 'true',
      QDRANT__LOGGER__ON_DISK__LOG_FILE: join(dir, 'logs', 'quiver.log'),
      QDRANT__LOGGER__ON_DISK__FORMAT: 'text',
      QDRANT__SERVICE__API_KEY: KEY,
      QDRANT__SERVICE__METRICS_PORT: String(metricsPort),
      QDRANT__SERVICE__METRICS_PREFIX: 'qq_',
      QDRANT__SERVICE__GRPC_PORT: String(grpcPort),
      QDRANT__SERVICE__MAX_WORKERS: '3',
    });
    try {
      const r = await fetch(`${server.url}/collections`, { headers: { 'api-key': KEY, 'x-request-id': 'req-42' } });
      assert.equal(r.status, 200);
      assert.equal(r.headers.get('x-request-id'), 'req-42');
      const generated = await fetch(`${server.url}/collections/nope`, { headers: { 'api-key': KEY } });
      assert.match(generated.headers.get('x-request-id') ?? '', /^[0-9a-f-]{36}$/);

      const out = await waitFor(server.output, /"route":"\/collections\/:collection_name"/);
      const lines = out.split('\n').filter((l) => l.startsWith('{')).map((l) => JSON.parse(l) as Record<string, unknown>);
      const msgs = lines.map((l) => String(l['msg']));
      assert.ok(msgs.some((m) => /^Quiver \d+\.\d+\.\d+ \(Qdrant API 1\.19\.0\)/.test(m)), 'version line');
      assert.ok(msgs.includes('security: api key on, read-only key off, named keys off, JWT off, TLS off, mTLS off, audit off, IP allow-list off'), msgs.join('\n'));
      assert.ok(msgs.some((m) => m.startsWith(`listening on http://127.0.0.1:${server.port} (REST), http://127.0.0.1:${metricsPort}/metrics`) && m.includes(`127.0.0.1:${grpcPort} (gRPC)`)), msgs.join('\n'));
      assert.ok(msgs.some((m) => m.startsWith(`storage ${join(dir, 'storage')}: 0 collection(s)`)));
      assert.ok(msgs.includes('config: service.max_workers is set to 3 but has no effect (requests are served on the event loop; searches go to the storage.performance.max_search_threads workers)'), msgs.join('\n'));
      const access = lines.find((l) => l['request_id'] === 'req-42');
      assert.ok(access !== undefined);
      assert.deepEqual({ method: access['method'], route: access['route'], status: access['status'], level: access['level'] }, { method: 'GET', route: '/collections', status: 200, level: 40 });
      assert.match(String(access['msg']), /^slow request: GET \/collections → 200 in [\d.]+ ms/);
      assert.equal(typeof access['duration_ms'], 'number');
      assert.ok(!out.includes(KEY), 'the API key never appears in the log');

      // The metrics listener answers without a key; the API port still requires one.
      const m = await fetch(`http://127.0.0.1:${metricsPort}/metrics`);
      assert.equal(m.status, 200);
      const text = await m.text();
      for (const series of ['qq_app_info', 'qq_quiver_build_info', 'qq_collections_total', 'qq_collections_vector_total', 'qq_cluster_enabled', 'qq_memory_resident_bytes', 'qq_quiver_process_cpu_user_seconds_total', 'qq_quiver_nodejs_heap_size_used_bytes']) {
        assert.match(text, new RegExp(`^${series}[ {]`, 'm'), series);
      }
      for (const line of text.split('\n')) if (line !== '' && !line.startsWith('#')) assert.ok(line.startsWith('qq_'), line);
      assert.match(text, /^qq_quiver_build_info\{version="\d+\.\d+\.\d+",node="v\d+/m);
      assert.equal((await fetch(`http://127.0.0.1:${metricsPort}/readyz`)).status, 200);
      assert.equal((await fetch(`http://127.0.0.1:${metricsPort}/collections`)).status, 404, 'the metrics port serves no data');
      assert.equal((await fetch(`${server.url}/metrics`)).status, 401);

      // The log file gets the same lines, in its own (text) format.
      const logs = readdirSync(join(dir, 'logs'));
      assert.equal(logs.length, 1, logs.join());
      const file = readFileSync(join(dir, 'logs', logs[0]!), 'utf8');
      assert.match(file, /^\[\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d{3}\] INFO: Quiver \d/m);
      assert.ok(!file.includes(KEY));
    } finally {
      assert.equal(await server.stop(), 0);
      removeDir(dir);
    }
  });

  it('logs human-readable text by default', async () => {
    const dir = tempDir('quiver-ops-text-');
    const server = await startChildServer(dir, { QDRANT__LOG_LEVEL: 'INFO' });
    try {
      const out = await waitFor(server.output, /security: /);
      assert.match(out, /^\[\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d{3}\] INFO: Quiver \d+\.\d+\.\d+ \(Qdrant API 1\.19\.0\)/m);
      // An encrypted test run (QUIVER_TEST_ENCRYPTION=1) gives every server its storage key variable too.
      const encryption = ENCRYPTED_RUN ? ', QDRANT__STORAGE__ENCRYPTION__KEY_ENV' : '';
      assert.match(out, new RegExp(`^\\[[^\\]]+\\] INFO: config: no config file \\(built-in defaults\\); environment QDRANT__LOG_LEVEL, QDRANT__SERVICE__GRPC_PORT, QDRANT__SERVICE__HTTP_PORT${encryption}$`, 'm'));
    } finally {
      assert.equal(await server.stop(), 0);
      removeDir(dir);
    }
  });
});
