/**
 * The access matrix over gRPC: every RPC × every credential kind, expected from the same oracle as the REST
 * matrix (tests/support/access-oracle.ts, docs/security.md's table by hand). Credentials travel as `api-key` /
 * `authorization` metadata; refusals are UNAUTHENTICATED / PERMISSION_DENIED with the REST texts, and change
 * nothing stored. Also: the RPC → operation table covers exactly the served RPCs, health RPCs are open, and every
 * decision is audited with `api` naming the RPC.
 */
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { credentials as grpcCredentials, Metadata, status, type Client, type ServiceError } from '@grpc/grpc-js';
import { startTestApp, tempDir, type TestApp } from '../../support/app.js';
import { ADMIN, OPEN, credentials, matrixEnv, matrixState, oracle, type Credential } from '../../support/access-oracle.js';
import { contract, servedRpcPaths, servedServices } from '../../../src/api/grpc/proto.js';
import { RPC_OPERATIONS, checkRpcTable } from '../../../src/api/grpc/rpc-table.js';
import { MemoryAuditSink } from '../../../src/auth/audit-event.js';

const ids = { ids: [{ num: 1 }] };
const sel = { points: ids };
const nearest = { nearest: { dense: { data: [1, 2] } } };

/** A valid request for each RPC, on collection `c` (2-dim Dot, points 1 and 2). */
const REQUESTS: Record<string, Record<string, unknown>> = {
  '/qdrant.Qdrant/HealthCheck': {},
  '/grpc.health.v1.Health/Check': {},
  '/qdrant.Collections/Get': { collection_name: 'c' },
  '/qdrant.Collections/List': {},
  '/qdrant.Collections/Create': { collection_name: 'c', vectors_config: { params: { size: 2, distance: 'Dot' } } },
  '/qdrant.Collections/Update': { collection_name: 'c', optimizers_config: { indexing_threshold: 1000 } },
  '/qdrant.Collections/Delete': { collection_name: 'c' },
  '/qdrant.Collections/UpdateAliases': { actions: [{ create_alias: { collection_name: 'c', alias_name: 'c_new_alias' } }] },
  '/qdrant.Collections/ListCollectionAliases': { collection_name: 'c' },
  '/qdrant.Collections/ListAliases': {},
  '/qdrant.Collections/CollectionClusterInfo': { collection_name: 'c' },
  '/qdrant.Collections/CollectionExists': { collection_name: 'c' },
  '/qdrant.Collections/UpdateCollectionClusterSetup': { collection_name: 'c', move_shard: { shard_id: 0, from_peer_id: 1, to_peer_id: 2 } },
  '/qdrant.Collections/CreateShardKey': { collection_name: 'c', request: { shard_key: { keyword: 'k' } } },
  '/qdrant.Collections/DeleteShardKey': { collection_name: 'c', request: { shard_key: { keyword: 'k' } } },
  '/qdrant.Collections/ListShardKeys': { collection_name: 'c' },
  '/qdrant.Points/Upsert': { collection_name: 'c', wait: true, points: [{ id: { num: 7 }, vectors: { vector: { dense: { data: [1, 2] } } } }] },
  '/qdrant.Points/Delete': { collection_name: 'c', wait: true, points: sel },
  '/qdrant.Points/Get': { collection_name: 'c', ...ids },
  '/qdrant.Points/UpdateVectors': { collection_name: 'c', wait: true, points: [{ id: { num: 1 }, vectors: { vector: { dense: { data: [3, 3] } } } }] },
  '/qdrant.Points/DeleteVectors': { collection_name: 'c', wait: true, points_selector: sel, vectors: { names: [''] } },
  '/qdrant.Points/SetPayload': { collection_name: 'c', wait: true, payload: { a: { integer_value: 1 } }, points_selector: sel },
  '/qdrant.Points/OverwritePayload': { collection_name: 'c', wait: true, payload: { a: { integer_value: 1 } }, points_selector: sel },
  '/qdrant.Points/DeletePayload': { collection_name: 'c', wait: true, keys: ['f'], points_selector: sel },
  '/qdrant.Points/ClearPayload': { collection_name: 'c', wait: true, points: sel },
  '/qdrant.Points/CreateFieldIndex': { collection_name: 'c', wait: true, field_name: 'f', field_type: 'FieldTypeKeyword' },
  '/qdrant.Points/DeleteFieldIndex': { collection_name: 'c', wait: true, field_name: 'f' },
  '/qdrant.Points/CreateVectorName': { collection_name: 'c', wait: true, vector_name: 'v2', dense_config: { size: 2, distance: 'Dot' } },
  '/qdrant.Points/DeleteVectorName': { collection_name: 'c', wait: true, vector_name: 'v2' },
  '/qdrant.Points/Search': { collection_name: 'c', vector: [1, 2], limit: 1 },
  '/qdrant.Points/SearchBatch': { collection_name: 'c', search_points: [{ collection_name: 'c', vector: [1, 2], limit: 1 }] },
  '/qdrant.Points/SearchGroups': { collection_name: 'c', vector: [1, 2], group_by: 'f', limit: 1, group_size: 1 },
  '/qdrant.Points/Scroll': { collection_name: 'c', limit: 1 },
  '/qdrant.Points/Recommend': { collection_name: 'c', positive: [{ num: 1 }], limit: 1 },
  '/qdrant.Points/RecommendBatch': { collection_name: 'c', recommend_points: [{ collection_name: 'c', positive: [{ num: 1 }], limit: 1 }] },
  '/qdrant.Points/RecommendGroups': { collection_name: 'c', positive: [{ num: 1 }], group_by: 'f', limit: 1, group_size: 1 },
  '/qdrant.Points/Discover': { collection_name: 'c', target: { single: { id: { num: 1 } } }, context: [{ positive: { id: { num: 1 } }, negative: { id: { num: 2 } } }], limit: 1 },
  '/qdrant.Points/DiscoverBatch': {
    collection_name: 'c',
    discover_points: [{ collection_name: 'c', target: { single: { id: { num: 1 } } }, context: [{ positive: { id: { num: 1 } }, negative: { id: { num: 2 } } }], limit: 1 }],
  },
  '/qdrant.Points/Count': { collection_name: 'c' },
  '/qdrant.Points/UpdateBatch': { collection_name: 'c', wait: true, operations: [{ delete_points: { points: sel } }] },
  '/qdrant.Points/Query': { collection_name: 'c', query: nearest },
  '/qdrant.Points/QueryBatch': { collection_name: 'c', query_points: [{ collection_name: 'c', query: nearest }] },
  '/qdrant.Points/QueryGroups': { collection_name: 'c', query: nearest, group_by: 'f' },
  '/qdrant.Points/Facet': { collection_name: 'c', key: 'f' },
  '/qdrant.Points/SearchMatrixPairs': { collection_name: 'c', sample: 2, limit: 1 },
  '/qdrant.Points/SearchMatrixOffsets': { collection_name: 'c', sample: 2, limit: 1 },
  '/qdrant.Snapshots/Create': { collection_name: 'c' },
  '/qdrant.Snapshots/List': { collection_name: 'c' },
  '/qdrant.Snapshots/Delete': { collection_name: 'c', snapshot_name: 's.snapshot' },
  '/qdrant.Snapshots/CreateFull': {},
  '/qdrant.Snapshots/ListFull': {},
  '/qdrant.Snapshots/DeleteFull': { snapshot_name: 's.snapshot' },
  '/qdrant.ShardSnapshots/Create': { collection_name: 'c', shard_id: 0 },
  '/qdrant.ShardSnapshots/List': { collection_name: 'c', shard_id: 0 },
  '/qdrant.ShardSnapshots/Delete': { collection_name: 'c', shard_id: 0, snapshot_name: 's.snapshot' },
  '/qdrant.ShardSnapshots/Recover': { collection_name: 'c', shard_id: 0, snapshot_location: { path: '/nonexistent.snapshot' } },
};

type Call = (path: string, request: unknown, headers: Record<string, string>) => Promise<{ code: status; details: string }>;

function caller(port: number): { call: Call; close(): void } {
  const clients = new Map<string, Client>();
  for (const [name, definition] of servedServices()) {
    const parts = name.split('.');
    let ctor: any = name.startsWith('grpc.') ? contract().health : contract().qdrant;
    ctor = ctor[parts[parts.length - 1]!];
    clients.set(name, new ctor(`127.0.0.1:${port}`, grpcCredentials.createInsecure()) as Client);
    void definition;
  }
  return {
    call: (path, request, headers) => {
      const [, service, method] = /^\/([^/]+)\/(.+)$/.exec(path)!;
      const client = clients.get(service!)! as unknown as Record<string, (req: unknown, md: Metadata, cb: (e: ServiceError | null) => void) => void>;
      const md = new Metadata();
      for (const [k, v] of Object.entries(headers)) md.set(k, v);
      const methodName = method!.charAt(0).toLowerCase() + method!.slice(1);
      return new Promise((resolve) => {
        client[methodName]!.call(client, request, md, (e) => resolve(e === null ? { code: status.OK, details: '' } : { code: e.code, details: e.details }));
      });
    },
    close: () => {
      for (const c of clients.values()) c.close();
    },
  };
}

describe('access matrix over gRPC', () => {
  let app: TestApp;
  let client: { call: Call; close(): void };
  const audit = new MemoryAuditSink();

  let reset: () => Promise<void>;
  let fingerprint: () => Promise<string>;

  before(async () => {
    const dir = tempDir();
    app = await startTestApp(matrixEnv(dir), { audit }, dir);
    ({ reset, fingerprint } = matrixState(app));
    const g = await app.startGrpc('127.0.0.1', 0);
    client = caller(g.port);
    REQUESTS['/qdrant.ShardSnapshots/Recover'] = { collection_name: 'c', shard_id: 0, snapshot_location: { path: join(dir, 'snapshots', 'nonexistent.snapshot') } };
    await reset();
  });
  after(async () => {
    client.close();
    await app.destroy();
  });

  it('maps exactly the served RPCs to operations, each with an oracle row and a sample request', () => {
    checkRpcTable(servedRpcPaths());
    assert.throws(() => checkRpcTable([...servedRpcPaths(), '/qdrant.Points/Teleport']), /Teleport/);
    assert.throws(() => checkRpcTable(servedRpcPaths().slice(1)), /unserved/);
    for (const [path, op] of Object.entries(RPC_OPERATIONS)) {
      assert.ok(OPEN.has(op) || oracle.has(op), `${path} (${op}) has no oracle row`);
      assert.ok(path in REQUESTS, `${path} has no sample request`);
    }
  });

  for (const [path, operation] of Object.entries(RPC_OPERATIONS)) {
    it(`${path} (${operation})`, async () => {
      const creds: Credential[] = await credentials();
      let before = await fingerprint();
      for (const cred of creds) {
        const r = await client.call(path, REQUESTS[path], cred.mint === undefined ? cred.headers : await cred.mint());
        const where = `${cred.name} → ${path}: ${status[r.code]} ${r.details.slice(0, 200)}`;
        let allowed: boolean;
        if (OPEN.has(operation)) allowed = true;
        else if (cred.expect.kind === 'deny') {
          assert.equal(r.code, cred.expect.status === 401 ? status.UNAUTHENTICATED : status.PERMISSION_DENIED, where);
          assert.equal(r.details, cred.expect.text, where);
          allowed = false;
        } else if (cred.expect.kind === 'other-collection') {
          allowed = ['get_collections', 'get_collections_aliases'].includes(operation);
        } else {
          allowed = oracle.get(operation)![cred.expect.column]!;
        }
        const after = await fingerprint();
        if (allowed) {
          assert.ok(r.code !== status.UNAUTHENTICATED && r.code !== status.PERMISSION_DENIED, `expected access: ${where}`);
        } else {
          if (cred.expect.kind !== 'deny') {
            assert.equal(r.code, status.PERMISSION_DENIED, where);
            assert.match(r.details, /^Forbidden: /, where);
          }
          assert.equal(after, before, `a denied request changed state: ${where}`);
        }
        if (after !== before) {
          await reset();
          before = await fingerprint();
        }
      }
    });
  }

  it('audits one event per decision with api = the RPC path and the operation as method', async () => {
    const token = { 'api-key': ADMIN, 'x-request-id': 'trace-1' };
    const from = audit.events.length;
    await client.call('/qdrant.Points/Count', { collection_name: 'c' }, token);
    await client.call('/qdrant.Points/Upsert', REQUESTS['/qdrant.Points/Upsert'], { 'api-key': 'wrong-key-0123456789abcdef0123456789' });
    await client.call('/qdrant.Qdrant/HealthCheck', {}, {});
    const events = audit.events.slice(from);
    assert.equal(events.length, 2, JSON.stringify(events));
    assert.equal(events[0]!.api, '/qdrant.Points/Count');
    assert.equal(events[0]!.method, 'count_points');
    assert.equal(events[0]!.result, 'ok');
    assert.equal(events[0]!.tracing_id, 'trace-1');
    assert.equal(events[0]!.collection, 'c');
    assert.equal(events[0]!.remote, '127.0.0.1');
    assert.equal(events[1]!.api, '/qdrant.Points/Upsert');
    assert.equal(events[1]!.result, 'denied');
  });

  it('reads credentials from `authorization: Bearer` as from `api-key`, and only with the exact prefix', async () => {
    assert.equal((await client.call('/qdrant.Points/Count', { collection_name: 'c' }, { authorization: `Bearer ${ADMIN}` })).code, status.OK);
    assert.equal((await client.call('/qdrant.Points/Count', { collection_name: 'c' }, { authorization: `bearer ${ADMIN}` })).code, status.UNAUTHENTICATED);
  });
});
