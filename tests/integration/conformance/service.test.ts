/**
 * Service endpoints as a standalone Qdrant 1.19 node answers them: `GET /` is exactly Qdrant's
 * VersionInfo (Quiver's own version moves to the `x-quiver-version` header and /telemetry), and
 * `GET/POST /logger` reads and changes the runtime log level with global read / manage access.
 */
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startTestApp, type TestApp } from '../../support/app.js';
import { QUIVER_VERSION } from '../../../src/version.js';
import { assertResponseMatchesSpec } from '../../support/openapi.js';
import { credentials, Metadata } from '@grpc/grpc-js';
import { contract } from '../../../src/api/grpc/proto.js';

const ADMIN = 'admin-key-for-service-conformance-0123456789';
const RO = 'read-only-key-for-service-conformance-012345';
/** Series names Qdrant 1.19 exports (src/common/metrics). */
const QDRANT_SERIES = /^(app_info|app_status_recovery_mode|collections_total|collections_vector_total|collection_(vectors|active_replicas_min|active_replicas_max|running_optimizations|points|dead_replicas|shard_transfer_incoming|shard_transfer_outgoing|update_queue_length|update_queue_deferred_points)|snapshot_(creation_running|recovery_running|created_total)|cluster_enabled|(rest|grpc)_responses_(total|avg_duration_seconds|min_duration_seconds|max_duration_seconds|duration_seconds_(bucket|sum|count))|memory_(active|allocated|metadata|resident|retained)_bytes|quota_exceeded)$/;

describe('conformance: service endpoints', () => {
  let app: TestApp;
  before(async () => {
    app = await startTestApp({ QDRANT__SERVICE__API_KEY: ADMIN, QDRANT__SERVICE__READ_ONLY_API_KEY: RO });
  });
  after(async () => {
    await app.destroy();
  });

  it('GET / is exactly {title, version, commit}; Quiver\'s version is a header and in /telemetry', async () => {
    const r = await app.request('GET', '/');
    assert.equal(r.status, 200);
    assert.deepEqual(r.body, { title: 'qdrant - vector search engine', version: '1.19.0', commit: null });
    assert.equal(r.headers['x-quiver-version'], QUIVER_VERSION);
    const t = await app.request('GET', '/telemetry', undefined, { 'api-key': ADMIN });
    assert.equal(t.status, 200, t.text);
    assert.equal(t.body.result.app.version, '1.19.0');
    assert.equal(t.body.result.app.quiver_version, QUIVER_VERSION);
  });

  it('GET /logger needs global read; POST /logger needs manage and changes the level', async () => {
    assert.equal((await app.request('GET', '/logger')).status, 401);
    const ro = await app.request('GET', '/logger', undefined, { 'api-key': RO });
    assert.equal(ro.status, 200, ro.text);
    assert.equal(typeof ro.body.result.log_level, 'string');
    const refused = await app.request('POST', '/logger', { log_level: 'debug' }, { 'api-key': RO });
    assert.equal(refused.status, 403, refused.text);
    const set = await app.request('POST', '/logger', { log_level: 'DEBUG' }, { 'api-key': ADMIN });
    assert.equal(set.status, 200, set.text);
    assert.equal(set.body.result, true);
    assert.equal((await app.request('GET', '/logger', undefined, { 'api-key': ADMIN })).body.result.log_level, 'DEBUG');
    const bad = await app.request('POST', '/logger', { log_level: 'loud' }, { 'api-key': ADMIN });
    assert.equal(bad.status, 400);
    assert.equal((await app.request('GET', '/logger', undefined, { 'api-key': ADMIN })).body.result.log_level, 'DEBUG', 'a refused level changes nothing');
  });

  it('cluster endpoints answer as a standalone node', async () => {
    const r = await app.request('GET', '/cluster', undefined, { 'api-key': ADMIN });
    assert.equal(r.status, 200);
    assert.deepEqual(r.body.result, { status: 'disabled' });
    const telemetry = await app.request('GET', '/cluster/telemetry', undefined, { 'api-key': ADMIN });
    assert.equal(telemetry.status, 500, telemetry.text);
    assert.equal(telemetry.body.status.error, 'Service internal error: Could not get telemetry from cluster');
    const recover = await app.request('POST', '/cluster/recover', undefined, { 'api-key': ADMIN });
    assert.equal(recover.status, 500, recover.text);
    assert.equal(recover.body.status.error, 'Service internal error: Qdrant is running in standalone mode');
    const remove = await app.request('DELETE', '/cluster/peer/1?force=true', undefined, { 'api-key': ADMIN });
    assert.equal(remove.status, 400, remove.text);
    assert.equal(remove.body.status.error, 'Bad request: Distributed mode disabled.');
  });

  it('/telemetry: Qdrant\'s shape by details_level, requests by route pattern, per_collection', async () => {
    const h = { 'api-key': ADMIN };
    assert.equal((await app.request('PUT', '/collections/tel', { vectors: { size: 2, distance: 'Dot' } }, h)).status, 200);
    assert.equal((await app.request('PUT', '/collections/tel/points?wait=true', { points: [{ id: 1, vector: [1, 0], payload: { a: 'xyz' } }, { id: 2, vector: [0, 1] }] }, h)).status, 200);
    assert.equal((await app.request('POST', '/collections/tel/points/search', { vector: [1, 0], limit: 1 }, h)).status, 200);
    assert.equal((await app.request('POST', '/collections/tel/points/search', { vector: [1, 0, 0], limit: 1 }, h)).status, 400);
    assert.equal((await app.request('POST', '/collections/tel/snapshots', undefined, h)).status, 200);

    const l0 = (await app.request('GET', '/telemetry', undefined, h)).body.result;
    assert.match(l0.id, /^[0-9a-f-]{36}$/);
    assert.deepEqual(Object.keys(l0).sort(), ['app', 'cluster', 'collections', 'id', 'quota', 'requests']);
    assert.deepEqual(Object.keys(l0.app).sort(), ['name', 'quiver_version', 'startup', 'version']);
    assert.deepEqual(l0.cluster, { enabled: false });
    assert.deepEqual(l0.collections, { number_of_collections: 1 });
    const search = l0.requests.rest.responses['POST /collections/{collection_name}/points/search'];
    assert.equal(search['200'].count, 1);
    assert.equal(search['400'].count, 1);
    assert.equal(typeof search['200'].avg_duration_micros, 'number');
    assert.equal(search['200'].min_duration_micros, undefined, 'min/max/total from level 1');
    assert.equal(l0.requests.rest.per_collection_responses, undefined);
    assert.deepEqual(l0.requests.grpc, { responses: {} });
    assert.deepEqual(l0.quota.exceeded, { resident_memory: null, disk_usage: null });

    const l1 = (await app.request('GET', '/telemetry?details_level=1', undefined, h)).body.result;
    assert.deepEqual(l1.app.features, { debug: false, service_debug_feature: false, recovery_mode: false, gpu: false, rocksdb: false, staging: false });
    assert.equal(typeof l1.app.system.cores, 'number');
    assert.equal(l1.app.system.cpu_endian, 'little');
    assert.deepEqual(l1.collections.collections, [{ vectors: 2, optimizers_status: 'ok', params: (await app.request('GET', '/collections/tel', undefined, h)).body.result.config.params }]);
    assert.deepEqual(l1.collections.snapshots, []);
    assert.ok(l1.memory.resident_bytes > 0);
    const s1 = l1.requests.rest.responses['POST /collections/{collection_name}/points/search']['200'];
    assert.equal(s1.total_duration_micros >= s1.min_duration_micros, true);
    assert.match(s1.last_responded, /^\d{4}-\d\d-\d\dT/);

    const l2Response = await app.request('GET', '/telemetry?details_level=3&per_collection=true', undefined, h);
    assertResponseMatchesSpec('telemetry', 200, l2Response.body);
    assertResponseMatchesSpec('telemetry', 200, (await app.request('GET', '/telemetry?details_level=1', undefined, h)).body);
    const l2 = l2Response.body.result;
    const full = l2.collections.collections[0];
    assert.equal(full.id, 'tel');
    assert.equal(full.config.params.vectors.size, 2);
    assert.equal(full.shards[0].local.num_points, 2);
    assert.equal(full.shards[0].local.vectors_size_bytes, 16, '2 vectors × 2 float32');
    assert.deepEqual(full.shards[0].local.num_vectors_by_name, { '': 2 });
    assert.deepEqual(l2.collections.snapshots, [{ id: 'tel', running_snapshots: 0, running_snapshot_recovery: 0, total_snapshot_creations: 1 }]);
    assert.equal(l2.requests.rest.per_collection_responses.tel['POST /collections/{collection_name}/points/search']['200'].count, 1);
    assert.equal(l2.requests.rest.per_collection_responses.tel['GET /telemetry'], undefined, 'only requests that name the collection');
  });

  it('gRPC responses are counted by method path and gRPC code (telemetry requests.grpc, grpc_responses_*)', async () => {
    const port = (await app.startGrpc('127.0.0.1', 0)).port;
    const client = new (contract().qdrant.Points)(`127.0.0.1:${port}`, credentials.createInsecure());
    const md = new Metadata();
    md.set('api-key', ADMIN);
    const count = (collection: string): Promise<number> =>
      new Promise((resolve) => {
        (client as unknown as Record<string, (r: unknown, m: Metadata, cb: (e: { code: number } | null) => void) => void>)['Count']!.call(client, { collection_name: collection }, md, (e) => resolve(e === null ? 0 : e.code));
      });
    assert.equal(await count('tel'), 0);
    assert.equal(await count('missing'), 5, 'NOT_FOUND');
    client.close();
    const grpc = (await app.request('GET', '/telemetry?per_collection=true', undefined, { 'api-key': ADMIN })).body.result.requests.grpc;
    assert.equal(grpc.responses['/qdrant.Points/Count']['0'].count, 1);
    assert.equal(grpc.responses['/qdrant.Points/Count']['5'].count, 1);
    assert.equal(grpc.per_collection_responses.tel['/qdrant.Points/Count']['0'].count, 1);
    const text = (await app.request('GET', '/metrics', undefined, { 'api-key': ADMIN })).text;
    assert.match(text, /^grpc_responses_total\{endpoint="\/qdrant.Points\/Count",status="0"\} 1$/m);
    assert.match(text, /^grpc_responses_duration_seconds_count\{endpoint="\/qdrant.Points\/Count",status="5"\} 1$/m);
  });

  it('/metrics: Qdrant\'s names and labels, whitelisted endpoints, 200-only timings, per_collection mode', async () => {
    const h = { 'api-key': ADMIN };
    const text = (await app.request('GET', '/metrics', undefined, h)).text;
    assert.match(text, /^collection_points\{id="tel"\} 2$/m);
    assert.match(text, /^collection_vectors\{collection="tel",vector=""\} 2$/m);
    assert.match(text, /^collections_vector_total 2$/m);
    assert.match(text, /^snapshot_created_total\{id="tel"\} 1$/m);
    assert.match(text, /^cluster_enabled 0$/m);
    assert.match(text, /^rest_responses_total\{method="POST",endpoint="\/collections\/\{collection_name\}\/points\/search",status="200"\} 1$/m);
    assert.match(text, /^rest_responses_total\{method="POST",endpoint="\/collections\/\{collection_name\}\/points\/search",status="400"\} 1$/m);
    assert.match(text, /^rest_responses_duration_seconds_bucket\{method="POST",endpoint="\/collections\/\{collection_name\}\/points\/search",status="200",le="0.001"\} \d+$/m);
    assert.match(text, /^rest_responses_duration_seconds_count\{method="POST",endpoint="\/collections\/\{collection_name\}\/points\/search",status="200"\} 1$/m);
    assert.doesNotMatch(text, /rest_responses_avg_duration_seconds\{[^}]*status="400"/, 'timings only for 200');
    assert.doesNotMatch(text, /endpoint="\/telemetry"/, 'not a whitelisted endpoint');
    assert.doesNotMatch(text, /rest_responses_fail_total|collections_points_total/);
    assert.ok(text.split('\n').filter((l) => l.startsWith('rest_responses_')).every((l) => !l.includes('collection="')), 'global mode has no collection label on request series');
    for (const line of text.split('\n')) {
      if (line === '' || line.startsWith('#')) continue;
      const name = /^[a-z_]+/.exec(line)![0];
      assert.ok(name.startsWith('quiver_') || QDRANT_SERIES.test(name), `unexpected series ${name}`);
    }
    const per = (await app.request('GET', '/metrics?per_collection=true', undefined, h)).text;
    assert.match(per, /^rest_responses_total\{method="POST",endpoint="\/collections\/\{collection_name\}\/points\/search",status="200",collection="tel"\} 1$/m);
    const requestLines = per.split('\n').filter((l) => l.startsWith('rest_responses_'));
    assert.ok(requestLines.length > 0);
    assert.ok(requestLines.every((l) => l.includes('collection="tel"')), 'per-collection mode renders no global request series');
  });
});
