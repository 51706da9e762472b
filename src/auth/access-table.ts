/**
 * THE access table: one row per operation, keyed by Qdrant's operationId (the same string is the route's
 * `operation`, the audit `method` and the name in Qdrant's audit log). `authorize()` is its only reader.
 *
 * Scopes:
 * - `open`: no credential needed (health probes). Never audited.
 * - `list`: any authenticated caller; the answer is filtered to what the caller may see.
 * - `global`: needs global access (`r` or `m`, per `need`); a collection-scoped token is refused.
 * - `collection`: needs a grant on the path collection (aliases resolved) and on every collection in `alsoReads`.
 *
 * Rows follow docs/security.md, which follows Qdrant 1.19 except telemetry (global only, as the user docs say).
 * `satisfies Record<OperationName, AccessRule>`: an operation without a row does not compile, and neither does
 * a row for an unknown operation.
 */
import { MANAGE, READ, READ_EXTRAS, WRITE, WRITE_EXTRAS, type Requirement } from './access.js';
import { isObject, type JsonRecord } from '../json.js';

/**
 * Every operation Quiver serves: the 77 operationIds of Qdrant's 1.19 OpenAPI spec plus the legacy operations of
 * its 1.18 spec that 1.19 still serves (search / recommend / discover), then Quiver's extras.
 */
export const OPERATION_NAMES = [
  // service
  'root', 'healthz', 'livez', 'readyz', 'telemetry', 'metrics', 'get_issues', 'clear_issues',
  // cluster
  'cluster_status', 'cluster_telemetry', 'recover_current_peer', 'remove_peer',
  // collections and aliases
  'get_collections', 'get_collection', 'create_collection', 'update_collection', 'delete_collection',
  'collection_exists', 'get_optimizations', 'update_aliases', 'get_collection_aliases', 'get_collections_aliases',
  'collection_cluster_info', 'update_collection_cluster',
  'create_shard_key', 'list_shard_keys', 'delete_shard_key',
  'create_field_index', 'delete_field_index', 'create_vector_name', 'delete_vector_name',
  // snapshots
  'list_snapshots', 'create_snapshot', 'delete_snapshot', 'get_snapshot',
  'recover_from_uploaded_snapshot', 'recover_from_snapshot',
  'list_full_snapshots', 'create_full_snapshot', 'delete_full_snapshot', 'get_full_snapshot',
  'list_shard_snapshots', 'create_shard_snapshot', 'delete_shard_snapshot', 'get_shard_snapshot',
  'stream_shard_snapshot', 'recover_shard_from_uploaded_snapshot', 'recover_shard_from_snapshot',
  // points
  'get_point', 'get_points', 'upsert_points', 'delete_points', 'update_vectors', 'delete_vectors',
  'set_payload', 'overwrite_payload', 'delete_payload', 'clear_payload', 'batch_update',
  'scroll_points', 'count_points', 'facet',
  // search (legacy: in the 1.18 document only, still served by 1.19)
  'search_points', 'search_batch_points', 'search_point_groups',
  'recommend_points', 'recommend_batch_points', 'recommend_point_groups',
  'discover_points', 'discover_batch_points',
  'query_points', 'query_batch_points', 'query_points_groups',
  'search_matrix_pairs', 'search_matrix_offsets',
  // quotas (new in 1.19)
  'get_quotas', 'update_quotas',
  // Quiver extras, not in Qdrant's spec: POST /audit/logs, and restoring a full snapshot at runtime:
  // PUT /snapshots/recover, POST /snapshots/upload
  'get_audit_logs', 'recover_full_snapshot', 'recover_full_from_uploaded_snapshot',
  // Served by Qdrant but absent from its spec: GET /logger, POST /logger (names of Qdrant's handlers)
  'get_logger_config', 'update_logger_config',
  // Quiver's dashboard: its static files, then GET /dashboard/api/session, POST /dashboard/api/tokens,
  // GET|POST /dashboard/api/keys, DELETE /dashboard/api/keys/{key_name}, GET /audit/verify
  'dashboard', 'dashboard_session', 'create_access_token', 'list_api_keys', 'create_api_key', 'delete_api_key', 'verify_audit_logs',
] as const;

/** An operation name: a key of {@link ACCESS_TABLE}. */
export type OperationName = (typeof OPERATION_NAMES)[number];

/** Where an operation's access is checked; see the module comment. */
export type Scope = 'open' | 'list' | 'global' | 'collection';

/** One row of the access table. */
export interface AccessRule {
  readonly scope: Scope;
  readonly need: Requirement;
  /**
   * Other collections a read touches (`lookup_from`, `with_lookup`, nested `prefetch`), as named in the
   * request body; each needs read access too (Qdrant `check_access` of the request types).
   * Must not throw on any JSON value: a malformed body simply names no collection.
   */
  readonly alsoReads?: (body: unknown) => string[];
  /**
   * **Quiver (tenant tokens):** a point operation. A grant with a `tenant_filter` may run it, confined to the
   * filter's points; every other operation needs a grant without one.
   */
  readonly rowLevel?: true;
}

function asRecord(v: unknown): JsonRecord | undefined {
  return isObject(v) ? v : undefined;
}

/** `lookup_from.collection` of one search-like request. */
function lookupFrom(request: JsonRecord): string[] {
  const collection = asRecord(request['lookup_from'])?.['collection'];
  return typeof collection === 'string' ? [collection] : [];
}

/** `with_lookup` of a groups request: a collection name, or `{collection, …}`. */
function withLookup(request: JsonRecord): string[] {
  const v = request['with_lookup'];
  if (typeof v === 'string') return [v];
  const collection = asRecord(v)?.['collection'];
  return typeof collection === 'string' ? [collection] : [];
}

/**
 * `lookup_from` of a query and of its `prefetch` tree, at any depth; `prefetch` is one object or a list.
 * Walks with an explicit stack so a deeply nested body cannot overflow the call stack.
 */
function queryLookups(request: JsonRecord): string[] {
  const out: string[] = [];
  const stack: JsonRecord[] = [request];
  for (let node = stack.pop(); node !== undefined; node = stack.pop()) {
    out.push(...lookupFrom(node));
    const prefetch = node['prefetch'];
    for (const p of Array.isArray(prefetch) ? prefetch : [prefetch]) {
      const child = asRecord(p);
      if (child !== undefined) stack.push(child);
    }
  }
  return out;
}

/** Applies a per-request extractor to a single-request body. */
function single(extract: (request: JsonRecord) => string[]): (body: unknown) => string[] {
  return (body) => {
    const request = asRecord(body);
    return request === undefined ? [] : extract(request);
  };
}

/** Applies a per-request extractor to every entry of a batch body `{searches: [...]}`. */
function batch(extract: (request: JsonRecord) => string[]): (body: unknown) => string[] {
  return (body) => {
    const searches = asRecord(body)?.['searches'];
    if (!Array.isArray(searches)) return [];
    return searches.flatMap((s) => {
      const request = asRecord(s);
      return request === undefined ? [] : extract(request);
    });
  };
}

const queryGroupsLookups = (request: JsonRecord): string[] => [...queryLookups(request), ...withLookup(request)];
const recommendGroupsLookups = (request: JsonRecord): string[] => [...lookupFrom(request), ...withLookup(request)];

const open = { scope: 'open', need: READ } as const;
const list = { scope: 'list', need: READ } as const;
const globalRead = { scope: 'global', need: READ } as const;
const globalManage = { scope: 'global', need: MANAGE } as const;
const read = { scope: 'collection', need: READ } as const;
const readExtras = { scope: 'collection', need: READ_EXTRAS } as const;
const write = { scope: 'collection', need: WRITE } as const;
const writeExtras = { scope: 'collection', need: WRITE_EXTRAS } as const;
/** Point reads and writes: open to tenant grants, confined to their points. */
const pointRead = { ...read, rowLevel: true } as const;
const pointWrite = { ...write, rowLevel: true } as const;

/** Operation → access rule. The table in docs/security.md, as data. */
export const ACCESS_TABLE = {
  // Health probes need no credential (Qdrant's whitelist).
  root: open,
  healthz: open,
  livez: open,
  readyz: open,

  // Telemetry and metrics: global credentials only (the user docs' table; stricter than Qdrant's filtering).
  telemetry: globalRead,
  cluster_telemetry: globalRead,
  metrics: globalRead,
  // Anyone authenticated; the answer lists only issues of collections the caller may see.
  get_issues: list,
  clear_issues: globalManage,

  cluster_status: globalRead,
  recover_current_peer: globalManage,
  remove_peer: globalManage,

  get_collections: list,
  get_collections_aliases: list,
  get_collection: read,
  collection_exists: read,
  get_optimizations: read,
  get_collection_aliases: read,
  list_shard_keys: read,
  // Cluster info is an extra: `r` and `rw` may read it, `prw` may not.
  collection_cluster_info: readExtras,
  create_collection: globalManage,
  update_collection: globalManage,
  delete_collection: globalManage,
  update_aliases: globalManage,
  create_shard_key: globalManage,
  delete_shard_key: globalManage,
  update_collection_cluster: globalManage,
  create_field_index: writeExtras,
  delete_field_index: writeExtras,
  create_vector_name: writeExtras,
  delete_vector_name: writeExtras,

  list_snapshots: readExtras,
  get_snapshot: readExtras,
  create_snapshot: writeExtras,
  delete_snapshot: writeExtras,
  // Recovery replaces a collection wholesale: global manage, checked before the upload body is read.
  recover_from_uploaded_snapshot: globalManage,
  recover_from_snapshot: globalManage,
  list_full_snapshots: globalRead,
  get_full_snapshot: globalRead,
  create_full_snapshot: globalManage,
  delete_full_snapshot: globalManage,
  list_shard_snapshots: readExtras,
  get_shard_snapshot: readExtras,
  create_shard_snapshot: writeExtras,
  delete_shard_snapshot: writeExtras,
  stream_shard_snapshot: writeExtras,
  recover_shard_from_uploaded_snapshot: globalManage,
  recover_shard_from_snapshot: globalManage,

  get_point: pointRead,
  get_points: pointRead,
  scroll_points: pointRead,
  count_points: pointRead,
  facet: pointRead,
  search_points: pointRead,
  search_batch_points: pointRead,
  search_point_groups: { ...pointRead, alsoReads: single(withLookup) },
  recommend_points: { ...pointRead, alsoReads: single(lookupFrom) },
  recommend_batch_points: { ...pointRead, alsoReads: batch(lookupFrom) },
  recommend_point_groups: { ...pointRead, alsoReads: single(recommendGroupsLookups) },
  discover_points: { ...pointRead, alsoReads: single(lookupFrom) },
  discover_batch_points: { ...pointRead, alsoReads: batch(lookupFrom) },
  query_points: { ...pointRead, alsoReads: single(queryLookups) },
  query_batch_points: { ...pointRead, alsoReads: batch(queryLookups) },
  query_points_groups: { ...pointRead, alsoReads: single(queryGroupsLookups) },
  search_matrix_pairs: pointRead,
  search_matrix_offsets: pointRead,

  upsert_points: pointWrite,
  delete_points: pointWrite,
  update_vectors: pointWrite,
  delete_vectors: pointWrite,
  set_payload: pointWrite,
  overwrite_payload: pointWrite,
  delete_payload: pointWrite,
  clear_payload: pointWrite,
  batch_update: pointWrite,

  // The runtime log level: reading it needs global read, changing it global manage (Qdrant's handlers
  // check nothing themselves; a process-wide setting is a manage action here).
  get_logger_config: globalRead,
  update_logger_config: globalManage,
  get_quotas: globalRead,
  update_quotas: globalManage,
  get_audit_logs: globalManage,
  // Restoring a full snapshot replaces any collection it names: manage, like recovering one collection.
  recover_full_snapshot: globalManage,
  recover_full_from_uploaded_snapshot: globalManage,

  // The dashboard's files are open (as Qdrant's); every call it makes is authorized like any client's.
  dashboard: open,
  // Who am I: any authenticated caller (it only describes the caller's own credential and this table).
  dashboard_session: list,
  // Signing a token or managing named keys hands out access: manage only.
  create_access_token: globalManage,
  list_api_keys: globalManage,
  create_api_key: globalManage,
  delete_api_key: globalManage,
  verify_audit_logs: globalManage,
} as const satisfies Record<OperationName, AccessRule>;

/** The scope of operation `O`, as a type (used to type the pass `authorize()` returns). */
export type ScopeOf<O extends OperationName> = (typeof ACCESS_TABLE)[O]['scope'];

/** The operations of scope `S` (`OperationOfScope<'collection'>`: every collection-scoped operation). */
export type OperationOfScope<S extends Scope> = { [O in OperationName]: ScopeOf<O> extends S ? O : never }[OperationName];

/** True when `name` is a known operation. */
export function isOperationName(name: string): name is OperationName {
  return Object.hasOwn(ACCESS_TABLE, name);
}
