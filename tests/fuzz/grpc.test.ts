/**
 * Fuzz of the gRPC port: malformed protobuf bytes, messages of the wrong type, wrong field types, huge repeated
 * fields and deep filters, sent to every RPC. Every call must end with a gRPC status (never a hang or a crash),
 * and the server must keep answering. Seeded (QUIVER_FUZZ_SEED); QUIVER_FUZZ_RUNS sets the number of runs.
 */
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import protobuf from 'protobufjs';
import { credentials, Metadata, status, Client, type ServiceError } from '@grpc/grpc-js';
import { startTestApp, type TestApp } from '../support/app.js';
import { servedRpcPaths, PROTO_DIR } from '../../src/api/grpc/proto.js';

const RUNS = Number(process.env['QUIVER_FUZZ_RUNS'] ?? 150);
const SEED = Number(process.env['QUIVER_FUZZ_SEED'] ?? 20261201);
const PATHS = servedRpcPaths();

function varint(n: number): Buffer {
  const out: number[] = [];
  while (n > 0x7f) {
    out.push((n & 0x7f) | 0x80);
    n >>>= 7;
  }
  out.push(n);
  return Buffer.from(out);
}

describe('gRPC fuzz', () => {
  let app: TestApp;
  let client: Client;
  let root: protobuf.Root;

  /** Sends raw bytes to an RPC; resolves with the status code (OK when it answered). */
  function raw(path: string, bytes: Uint8Array, deadlineMs = 20_000): Promise<status> {
    return new Promise((resolve) => {
      client.makeUnaryRequest(path, (b: Buffer) => b, (b: Buffer) => b, Buffer.from(bytes), new Metadata(), { deadline: Date.now() + deadlineMs }, (e: ServiceError | null) => resolve(e === null ? status.OK : e.code));
    });
  }

  function encode(type: string, value: Record<string, unknown>): Uint8Array {
    const t = root.lookupType(type);
    return t.encode(t.fromObject(value)).finish();
  }

  async function stillServing(): Promise<void> {
    assert.equal(await raw('/qdrant.Qdrant/HealthCheck', new Uint8Array()), status.OK);
  }

  before(async () => {
    app = await startTestApp({ QDRANT__SERVICE__MAX_REQUEST_SIZE_MB: '8' });
    const g = await app.startGrpc('127.0.0.1', 0);
    client = new Client(`127.0.0.1:${g.port}`, credentials.createInsecure());
    root = await new protobuf.Root().load(['qdrant.proto', 'health_check.proto'].map((f) => `${PROTO_DIR}${f}`), { keepCase: true });
    await app.request('PUT', '/collections/c', { vectors: { size: 2, distance: 'Dot' } });
    await app.request('PUT', '/collections/c/points?wait=true', { points: [{ id: 1, vector: [1, 0], payload: { f: 'a' } }] });
  });
  after(async () => {
    client.close();
    await app.destroy();
  });

  it(`answers random bytes on every RPC with a status (${RUNS} runs, seed ${SEED})`, async () => {
    await fc.assert(
      fc.asyncProperty(fc.constantFrom(...PATHS), fc.uint8Array({ maxLength: 512 }), async (path, bytes) => {
        const code = await raw(path, bytes);
        assert.ok(code in status, `${path}: ${code}`);
      }),
      { numRuns: RUNS, seed: SEED },
    );
    await stillServing();
  });

  it('answers a message of another type (valid protobuf, wrong fields and wire types) with a status', async () => {
    const messages = [
      encode('qdrant.SearchPoints', { collection_name: 'zz', vector: [1, 2], limit: 3 }),
      encode('qdrant.CreateCollection', { collection_name: 'zz', vectors_config: { params: { size: 2, distance: 'Dot' } } }),
      encode('qdrant.UpsertPoints', { collection_name: 'zz', points: [{ id: { num: 9 }, vectors: { vector: { dense: { data: [1, 2] } } } }] }),
      encode('qdrant.Filter', { must: [{ field: { key: 'f', match: { keyword: 'a' } } }] }),
    ];
    for (const path of PATHS) {
      for (const m of messages) {
        const code = await raw(path, m);
        assert.ok(code in status, `${path}: ${code}`);
      }
    }
    // Messages that did not belong to the RPC that received them touched nothing else.
    const p = await app.request('POST', '/collections/c/points', { ids: [1], with_payload: true });
    assert.deepEqual(p.body.result[0].payload, { f: 'a' });
    await stillServing();
  });

  it('refuses huge repeated fields: beyond max_request_size_mb RESOURCE_EXHAUSTED, within it a normal answer', async () => {
    const huge = encode('qdrant.SearchPoints', { collection_name: 'c', vector: new Array(3_000_000).fill(0.5), limit: 1 });
    assert.ok(huge.length > 8 * 1024 * 1024);
    assert.equal(await raw('/qdrant.Points/Search', huge), status.RESOURCE_EXHAUSTED);
    const ids = encode('qdrant.GetPoints', { collection_name: 'c', ids: Array.from({ length: 200_000 }, (_, i) => ({ num: i })) });
    assert.equal(await raw('/qdrant.Points/Get', ids), status.OK);
    const wrongDim = encode('qdrant.SearchPoints', { collection_name: 'c', vector: new Array(1_000_000).fill(0.5), limit: 1 });
    assert.equal(await raw('/qdrant.Points/Search', wrongDim), status.INVALID_ARGUMENT);
    const conditions = encode('qdrant.CountPoints', { collection_name: 'c', filter: { should: Array.from({ length: 50_000 }, (_, i) => ({ field: { key: 'f', match: { integer: i } } })) } });
    assert.equal(await raw('/qdrant.Points/Count', conditions), status.OK);
    await stillServing();
  });

  it('answers deep filters and deep payload values with an error status, never a crash', async () => {
    // Nested by hand: protobufjs refuses to build such messages, a hostile client does not.
    const field = (no: number, bytes: Uint8Array): Uint8Array => Buffer.concat([varint((no << 3) | 2), varint(bytes.length), bytes]);
    const name = field(1, Buffer.from('c'));
    for (const depth of [100, 2_000, 20_000]) {
      let filter: Uint8Array = field(2, field(3, field(1, encode('qdrant.PointId', { num: 1 })))); // must: [has_id: [1]]
      for (let i = 0; i < depth; i++) filter = field(2, field(4, filter)); // must: [{filter}]
      const code = await raw('/qdrant.Points/Count', Buffer.concat([name, field(2, filter)]));
      assert.ok(code === status.INVALID_ARGUMENT || code === status.INTERNAL, `filter depth ${depth}: ${status[code]}`);
      let value: Uint8Array = field(4, Buffer.from('x')); // string_value
      for (let i = 0; i < depth; i++) value = field(7, field(1, value)); // list_value: {values: [value]}
      const entry = Buffer.concat([field(1, Buffer.from('deep')), field(2, value)]);
      const ids = field(5, field(1, field(1, encode('qdrant.PointId', { num: 1 })))); // points_selector: {points: {ids: [1]}}
      const c2 = await raw('/qdrant.Points/SetPayload', Buffer.concat([name, Buffer.from([0x10, 1]), field(3, entry), ids]));
      assert.ok(c2 === status.INVALID_ARGUMENT || c2 === status.INTERNAL, `payload depth ${depth}: ${status[c2]}`);
    }
    // The refused writes stored nothing.
    const p = await app.request('POST', '/collections/c/points', { ids: [1], with_payload: true });
    assert.deepEqual(p.body.result[0].payload, { f: 'a' });
    await stillServing();
  });
});
