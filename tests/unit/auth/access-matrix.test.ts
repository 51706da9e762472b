/**
 * Every operation × every kind of credential, through authenticate() + authorize(), against an oracle
 * transcribed by hand from docs/security.md ("The access table" and "Status codes and bodies"). The oracle is
 * deliberately NOT derived from ACCESS_TABLE: the two are written independently and must agree.
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { AppError, KIND_STATUS } from '../../../src/errors.js';
import { OPERATION_NAMES, type OperationName } from '../../../src/auth/access-table.js';
import { authenticate, AuthFailure, OPEN_OPERATIONS, type CredentialHeaders } from '../../../src/auth/authenticate.js';
import { authorize } from '../../../src/auth/authorize.js';
import { CredentialStore } from '../../../src/auth/credentials.js';
import {
  ADMIN_KEY, ALT_KEY, EXPIRED_NAMED_KEY, NAMED_KEY, NOW, NOW_S, RO_KEY,
  algNone, deps, fullStore, hs256, hs512, rs256, tempDir,
} from './fixtures.js';

// ---------------------------------------------------------------------------------------------------------
// The oracle: docs/security.md's access table, row by row. Columns: m, r, crw, cr, cprw. 'open' = no credential.
// ---------------------------------------------------------------------------------------------------------
const Y = true;
const N = false;
type Row = readonly [ops: readonly string[], m: boolean, r: boolean, crw: boolean, cr: boolean, cprw: boolean];

const ORACLE: readonly Row[] = [
  // list collections, list aliases (filtered for collection tokens)
  [['get_collections', 'get_collections_aliases'], Y, Y, Y, Y, Y],
  // get collection, exists, optimizations, collection aliases, list shard keys
  [['get_collection', 'collection_exists', 'get_optimizations', 'get_collection_aliases', 'list_shard_keys'], Y, Y, Y, Y, Y],
  // collection cluster info: same row, but ❌ for cprw
  [['collection_cluster_info'], Y, Y, Y, Y, N],
  // create / delete / update collection, update aliases, create / delete shard key, collection cluster setup
  [['create_collection', 'delete_collection', 'update_collection', 'update_aliases', 'create_shard_key',
    'delete_shard_key', 'update_collection_cluster'], Y, N, N, N, N],
  // create / delete payload index, create / delete vector name
  [['create_field_index', 'delete_field_index', 'create_vector_name', 'delete_vector_name'], Y, N, Y, N, N],
  // list / download collection snapshots
  [['list_snapshots', 'get_snapshot'], Y, Y, Y, Y, N],
  // create / delete collection snapshot; create / delete / stream shard snapshot
  [['create_snapshot', 'delete_snapshot', 'create_shard_snapshot', 'delete_shard_snapshot', 'stream_shard_snapshot'],
    Y, N, Y, N, N],
  // list / download shard snapshots
  [['list_shard_snapshots', 'get_shard_snapshot'], Y, Y, Y, Y, N],
  // upload / recover collection or shard snapshot
  [['recover_from_uploaded_snapshot', 'recover_from_snapshot', 'recover_shard_from_uploaded_snapshot',
    'recover_shard_from_snapshot'], Y, N, N, N, N],
  // list / download full snapshots
  [['list_full_snapshots', 'get_full_snapshot'], Y, Y, N, N, N],
  // create / delete full snapshot
  [['create_full_snapshot', 'delete_full_snapshot'], Y, N, N, N, N],
  // get cluster, metrics, get quotas, get the log level
  [['cluster_status', 'metrics', 'get_quotas', 'get_logger_config'], Y, Y, N, N, N],
  // recover raft state, delete peer, update quotas, clear issues, set the log level
  [['recover_current_peer', 'remove_peer', 'update_quotas', 'clear_issues', 'update_logger_config'], Y, N, N, N, N],
  // telemetry, cluster telemetry: global credentials only
  [['telemetry', 'cluster_telemetry'], Y, Y, N, N, N],
  // get issues
  [['get_issues'], Y, Y, Y, Y, Y],
  // point reads
  [['get_point', 'get_points', 'scroll_points', 'count_points', 'query_points', 'query_batch_points',
    'query_points_groups', 'search_points', 'search_batch_points', 'search_point_groups', 'recommend_points',
    'recommend_batch_points', 'recommend_point_groups', 'discover_points', 'discover_batch_points',
    'search_matrix_pairs', 'search_matrix_offsets', 'facet'], Y, Y, Y, Y, Y],
  // point writes
  [['upsert_points', 'batch_update', 'delete_points', 'update_vectors', 'delete_vectors', 'set_payload',
    'overwrite_payload', 'delete_payload', 'clear_payload'], Y, N, Y, N, Y],
  // POST /audit/logs
  [['get_audit_logs', 'recover_full_snapshot', 'recover_full_from_uploaded_snapshot'], Y, N, N, N, N],
  // The dashboard's session (who am I): any authenticated caller
  [['dashboard_session'], Y, Y, Y, Y, Y],
  // The dashboard's token signing, named keys and audit verification: manage only
  [['create_access_token', 'list_api_keys', 'create_api_key', 'delete_api_key', 'verify_audit_logs'], Y, N, N, N, N],
];
/** `/`, `/healthz`, `/livez`, `/readyz` and the dashboard's static files: open. */
const OPEN = ['root', 'healthz', 'livez', 'readyz', 'dashboard'];
/** Rows that need no grant on a particular collection (answers filtered): allowed to any authenticated caller. */
const ANY_AUTHENTICATED = ['get_collections', 'get_collections_aliases', 'get_issues', 'dashboard_session'];

type Column = 'm' | 'r' | 'crw' | 'cr' | 'cprw';
const oracle = new Map<string, Record<Column, boolean>>();
for (const [ops, ...cells] of ORACLE) {
  for (const op of ops) {
    assert.ok(!oracle.has(op), `oracle lists ${op} twice`);
    oracle.set(op, { m: cells[0], r: cells[1], crw: cells[2], cr: cells[3], cprw: cells[4] });
  }
}

// ---------------------------------------------------------------------------------------------------------
// Expected outcomes. Denial reasons follow Qdrant's checks: a global operation refuses collection tokens with
// "Global access is required"; global r is refused writes with "Global manage access is required"; a
// collection token is refused: without a grant "Access to collection c is required", prw on extras
// "Only points access …", r on writes "Write access …".
// ---------------------------------------------------------------------------------------------------------
type Outcome =
  | { kind: 'ok' }
  | { kind: 'forbidden'; message: string }
  | { kind: 'auth'; status: number; message: string };

const OK: Outcome = { kind: 'ok' };
const forbidden = (reason: string): Outcome => ({ kind: 'forbidden', message: `Forbidden: ${reason}` });

function expectedFor(column: Column | 'other', op: string): Outcome {
  if (OPEN.includes(op)) return OK;
  const row = oracle.get(op)!;
  if (column === 'other') {
    if (ANY_AUTHENTICATED.includes(op)) return OK;
    return row.crw ? forbidden('Access to collection c is required') : forbidden('Global access is required');
  }
  if (row[column]) return OK;
  switch (column) {
    case 'm':
      throw new Error(`oracle denies ${op} to manage`);
    case 'r':
      return forbidden('Global manage access is required');
    case 'crw':
      return forbidden('Global access is required');
    case 'cr':
      return row.crw ? forbidden('Write access to collection c is required') : forbidden('Global access is required');
    case 'cprw':
      return row.crw ? forbidden('Only points access is allowed for collection c') : forbidden('Global access is required');
  }
}

const authFailure = (status: number, message: string): Outcome => ({ kind: 'auth', status, message });

interface Credential {
  readonly name: string;
  readonly headers: () => Promise<CredentialHeaders>;
  /** A column of the oracle, 'other' (a token for another collection), or a fixed failure for every op. */
  readonly expect: Column | 'other' | Outcome;
}

const bearer = async (token: Promise<string> | string): Promise<CredentialHeaders> => ({ authorization: `Bearer ${await token}` });
const apiKey = (key: string) => (): Promise<CredentialHeaders> => Promise.resolve({ apiKey: key });
const grant = (access: string) => [{ collection: 'c', access }];
const users = (value: string, collection = 'users') => ({ collection, matches: [{ key: 'user', value }] });

const CREDENTIALS: readonly Credential[] = [
  { name: 'admin key', headers: apiKey(ADMIN_KEY), expect: 'm' },
  { name: 'alt key', headers: apiKey(ALT_KEY), expect: 'm' },
  { name: 'admin key as Bearer', headers: () => bearer(ADMIN_KEY), expect: 'm' },
  { name: 'read-only key', headers: apiKey(RO_KEY), expect: 'r' },
  { name: 'JWT m', headers: () => bearer(hs256({ access: 'm' })), expect: 'm' },
  { name: 'JWT without access claim (= manage)', headers: () => bearer(hs256({})), expect: 'm' },
  { name: 'JWT r', headers: () => bearer(hs256({ access: 'r' })), expect: 'r' },
  { name: 'JWT r signed with alt key', headers: () => bearer(hs256({ access: 'r' }, ALT_KEY)), expect: 'r' },
  { name: 'JWT in api-key header', headers: async () => ({ apiKey: await hs256({ access: 'r' }) }), expect: 'r' },
  { name: 'JWT collection r', headers: () => bearer(hs256({ access: grant('r') })), expect: 'cr' },
  { name: 'JWT collection rw', headers: () => bearer(hs256({ access: grant('rw') })), expect: 'crw' },
  { name: 'JWT collection prw', headers: () => bearer(hs256({ access: grant('prw') })), expect: 'cprw' },
  // Quiver: prefix grants (issue 17 §3) — the pattern `c*` covers collection `c` exactly as a grant on `c` does.
  { name: 'JWT prefix r (c*)', headers: () => bearer(hs256({ access: [{ collection: 'c*', access: 'r' }] })), expect: 'cr' },
  { name: 'JWT prefix rw (c*)', headers: () => bearer(hs256({ access: [{ collection: 'c*', access: 'rw' }] })), expect: 'crw' },
  { name: 'JWT prefix prw (c*)', headers: () => bearer(hs256({ access: [{ collection: 'c*', access: 'prw' }] })), expect: 'cprw' },
  { name: 'JWT prefix on another prefix (cc*)', headers: () => bearer(hs256({ access: [{ collection: 'cc*', access: 'rw' }] })), expect: 'other' },
  { name: 'JWT exact r beats prefix rw', headers: () => bearer(hs256({ access: [{ collection: 'c*', access: 'rw' }, { collection: 'c', access: 'r' }] })), expect: 'cr' },
  { name: 'JWT prefix "*" alone', headers: () => bearer(hs256({ access: [{ collection: '*', access: 'r' }] })), expect: authFailure(401, 'Invalid API key or JWT') },
  { name: 'JWT pattern with an inner *', headers: () => bearer(hs256({ access: [{ collection: 'c*x', access: 'r' }] })), expect: authFailure(401, 'Invalid API key or JWT') },
  { name: 'JWT on another collection', headers: () => bearer(hs256({ access: [{ collection: 'other', access: 'rw' }] })), expect: 'other' },
  { name: 'JWT expired 40 s ago', headers: () => bearer(hs256({ access: 'm', exp: NOW_S - 40 })), expect: authFailure(403, 'ExpiredSignature') },
  { name: 'JWT expired 10 s ago (leeway)', headers: () => bearer(hs256({ access: 'm', exp: NOW_S - 10 })), expect: 'm' },
  { name: 'JWT collection r, not yet expired', headers: () => bearer(hs256({ access: grant('r'), exp: NOW_S + 3600 })), expect: 'cr' },
  { name: 'JWT bad signature', headers: () => bearer(hs256({ access: 'm' }, 'some-other-secret')), expect: authFailure(403, 'InvalidSignature') },
  { name: 'JWT signed with the read-only key', headers: () => bearer(hs256({ access: 'm' }, RO_KEY)), expect: authFailure(403, 'InvalidSignature') },
  { name: 'JWT alg none', headers: () => bearer(algNone({ access: 'm' })), expect: authFailure(401, 'Invalid API key or JWT') },
  { name: 'JWT HS512', headers: () => bearer(hs512({ access: 'm' })), expect: authFailure(401, 'Invalid API key or JWT') },
  { name: 'JWT RS256', headers: () => bearer(rs256({ access: 'm' })), expect: authFailure(401, 'Invalid API key or JWT') },
  { name: 'malformed token', headers: () => bearer('not.a.jwt'), expect: authFailure(401, 'Invalid API key or JWT') },
  { name: 'unknown key', headers: apiKey('no-such-key'), expect: authFailure(401, 'Invalid API key or JWT') },
  { name: 'JWT with deprecated payload claim', headers: () => bearer(hs256({ access: [{ collection: 'c', access: 'r', payload: { a: 1 } }] })), expect: authFailure(401, 'Invalid API key or JWT') },
  { name: 'JWT value_exists hit', headers: () => bearer(hs256({ access: 'm', value_exists: users('andrey') })), expect: 'm' },
  { name: 'JWT value_exists miss', headers: () => bearer(hs256({ access: 'm', value_exists: users('mallory') })), expect: authFailure(401, 'Invalid JWT, stateful validation failed') },
  { name: 'JWT value_exists missing collection', headers: () => bearer(hs256({ access: 'm', value_exists: users('andrey', 'gone') })), expect: authFailure(403, 'Invalid JWT, stateful validation failed') },
  { name: 'named key (c:rw)', headers: apiKey(NAMED_KEY), expect: 'crw' },
  { name: 'expired named key', headers: apiKey(EXPIRED_NAMED_KEY), expect: authFailure(401, 'Invalid API key or JWT') },
  { name: 'no credential', headers: () => Promise.resolve({}), expect: authFailure(401, 'Must provide an API key or an Authorization bearer token') },
  { name: 'Authorization without Bearer prefix', headers: () => Promise.resolve({ authorization: `Basic ${ADMIN_KEY}` }), expect: authFailure(401, 'Must provide an API key or an Authorization bearer token') },
];

/** What the request hook + preHandler do: skip open routes, authenticate, authorize on collection `c`. */
async function attempt(store: CredentialStore, headers: CredentialHeaders, op: OperationName): Promise<Outcome> {
  if (OPEN_OPERATIONS.has(op)) return OK;
  try {
    const auth = await authenticate(headers, store, NOW);
    await authorize(auth, op, { collection: 'c' }, deps());
    return OK;
  } catch (e) {
    if (e instanceof AuthFailure) return { kind: 'auth', status: KIND_STATUS[e.kind].http, message: e.message };
    if (e instanceof AppError && e.code === 'FORBIDDEN') return { kind: 'forbidden', message: e.message };
    throw e;
  }
}

describe('access matrix (docs/security.md oracle)', () => {
  let store: CredentialStore;
  const tmp = tempDir();
  before(async () => {
    store = await fullStore(join(tmp.dir, 'keys.yaml'));
  });
  after(tmp.cleanup);

  it('has exactly one oracle row per operation and nothing else', () => {
    const inOracle = [...oracle.keys(), ...OPEN].sort();
    assert.deepEqual(inOracle, [...OPERATION_NAMES].sort());
    assert.deepEqual([...OPEN_OPERATIONS].sort(), [...OPEN].sort());
  });

  for (const cred of CREDENTIALS) {
    it(`${cred.name}: every operation as docs/security.md says`, async () => {
      const headers = await cred.headers();
      const mismatches: string[] = [];
      for (const op of OPERATION_NAMES) {
        const expected = typeof cred.expect === 'string'
          ? expectedFor(cred.expect, op)
          : OPEN.includes(op) ? OK : cred.expect;
        const actual = await attempt(store, headers, op);
        if (JSON.stringify(actual) !== JSON.stringify(expected)) {
          mismatches.push(`${op}: expected ${JSON.stringify(expected)}, got ${JSON.stringify(actual)}`);
        }
      }
      assert.deepEqual(mismatches, []);
    });
  }

  it('prefix grants: aliases resolve first, so the collection behind an alias decides, never the alias name', async () => {
    // deps(): alias_c → c, alias_x → x.
    const onAliasNames = await authenticate(await bearer(hs256({ access: [{ collection: 'alias*', access: 'rw' }] })), store, NOW);
    await assert.rejects(authorize(onAliasNames, 'get_points', { collection: 'alias_x' }, deps()), { message: 'Forbidden: Access to collection alias_x is required' });
    await assert.rejects(authorize(onAliasNames, 'get_points', { collection: 'alias_c' }, deps()), { message: 'Forbidden: Access to collection alias_c is required' });
    const onX = await authenticate(await bearer(hs256({ access: [{ collection: 'x*', access: 'r' }] })), store, NOW);
    const pass = await authorize(onX, 'get_points', { collection: 'alias_x' }, deps());
    assert.equal(pass.collection, 'x');
    await assert.rejects(authorize(onX, 'upsert_points', { collection: 'alias_x' }, deps()), { message: 'Forbidden: Write access to collection alias_x is required' });
  });

  it('prefix grants filter list answers to matching collections, existing or future', async () => {
    const auth = await authenticate(await bearer(hs256({ access: [{ collection: 'team-a-*', access: 'r' }, { collection: 'shared', access: 'r' }] })), store, NOW);
    const pass = await authorize(auth, 'get_collections', {}, deps());
    assert.equal(pass.kind, 'list');
    assert.deepEqual(pass.visible(['team-a-docs', 'team-b-docs', 'team-a-', 'shared', 'shared-2', 'team-a-later']), ['team-a-docs', 'team-a-', 'shared', 'team-a-later']);
  });

  it('with no key configured, every operation is allowed with auth_type None', async () => {
    const open = await CredentialStore.create({});
    for (const op of OPERATION_NAMES) {
      assert.deepEqual(await attempt(open, {}, op), OK, op);
    }
    const auth = await authenticate({ apiKey: 'anything' }, open);
    assert.equal(auth.type, 'None');
  });
});
