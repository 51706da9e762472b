/**
 * The gRPC twin of a REST point write, for suites that drive the same workload through both transports (the
 * crash and load suites): `PUT …/points` → `Points/Upsert`, `POST …/points/payload` → `SetPayload`, and so on,
 * with ids, vectors, payloads and `wait` carried over. Only the write shapes those suites send are translated
 * (integer ids, one unnamed dense vector, payloads of numbers, strings and booleans, `must` filters of
 * `match.value` conditions); anything else throws, so a new write shape cannot silently go untested. Also a
 * reader (`Points/Get`) that answers in the REST shape.
 */
import { credentials, Metadata, status, type Client, type ServiceError } from '@grpc/grpc-js';
import { contract } from '../../src/api/grpc/proto.js';

type Json = Record<string, unknown>;

/** A unary RPC of `qdrant.Points` and its request message (proto-loader's keepCase JSON form). */
export interface GrpcWrite {
  readonly method: string;
  readonly request: Json;
}

function value(v: unknown): Json {
  if (typeof v === 'number') return Number.isInteger(v) ? { integer_value: v } : { double_value: v };
  if (typeof v === 'string') return { string_value: v };
  if (typeof v === 'boolean') return { bool_value: v };
  throw new Error(`grpc-writes: payload value ${JSON.stringify(v)} is not translated`);
}

function payload(p: unknown): Json {
  return Object.fromEntries(Object.entries(p as Json).map(([k, v]) => [k, value(v)]));
}

function ids(list: unknown): Json {
  return { ids: (list as number[]).map((num) => ({ num })) };
}

function condition(c: Json): Json {
  const match = (c['match'] as { value?: unknown } | undefined)?.value;
  if (typeof c['key'] !== 'string' || match === undefined) throw new Error(`grpc-writes: condition ${JSON.stringify(c)} is not translated`);
  return { field: { key: c['key'], match: typeof match === 'number' ? { integer: match } : typeof match === 'string' ? { keyword: match } : { boolean: match } } };
}

/** `{points: [...]}` or `{filter: {must: [...]}}` → a `PointsSelector`. */
function selector(body: Json): Json {
  if (body['points'] !== undefined) return { points: ids(body['points']) };
  const must = (body['filter'] as { must?: Json[] } | undefined)?.must;
  if (must === undefined) throw new Error(`grpc-writes: selector ${JSON.stringify(body)} is not translated`);
  return { filter: { must: must.map(condition) } };
}

function pointStruct(p: Json): Json {
  return { id: { num: p['id'] }, vectors: { vector: { dense: { data: p['vector'] } } }, payload: payload(p['payload'] ?? {}) };
}

function pointVectors(p: Json): Json {
  return { id: { num: p['id'] }, vectors: { vector: { dense: { data: p['vector'] } } } };
}

/** One operation of a REST `points/batch` body → a `PointsUpdateOperation`. */
function batchOperation(op: Json): Json {
  const [[kind, arg]] = Object.entries(op) as [[string, Json]];
  switch (kind) {
    case 'upsert':
      return { upsert: { points: (arg['points'] as Json[]).map(pointStruct) } };
    case 'set_payload':
      return { set_payload: { payload: payload(arg['payload']), points_selector: selector(arg) } };
    case 'delete':
      return { delete_points: { points: selector(arg) } };
    default:
      throw new Error(`grpc-writes: batch operation ${kind} is not translated`);
  }
}

/**
 * The gRPC twin of the REST point write `method path` with `body`.
 * @throws Error for a write shape it does not translate
 */
export function grpcWrite(method: string, path: string, body: unknown): GrpcWrite {
  const m = /^\/collections\/([^/]+)\/points(\/[a-z/]+)?(?:\?wait=(true|false))?$/.exec(path);
  if (m === null) throw new Error(`grpc-writes: ${method} ${path} is not translated`);
  const base = { collection_name: decodeURIComponent(m[1]!), wait: m[3] === 'true' };
  const b = body as Json;
  switch (`${method} ${m[2] ?? ''}`) {
    case 'PUT ':
      return { method: 'Upsert', request: { ...base, points: (b['points'] as Json[]).map(pointStruct) } };
    case 'POST /payload':
      return { method: 'SetPayload', request: { ...base, payload: payload(b['payload']), points_selector: selector(b) } };
    case 'PUT /payload':
      return { method: 'OverwritePayload', request: { ...base, payload: payload(b['payload']), points_selector: selector(b) } };
    case 'POST /payload/delete':
      return { method: 'DeletePayload', request: { ...base, keys: b['keys'], points_selector: selector(b) } };
    case 'POST /delete':
      return { method: 'Delete', request: { ...base, points: selector(b) } };
    case 'PUT /vectors':
      return { method: 'UpdateVectors', request: { ...base, points: (b['points'] as Json[]).map(pointVectors) } };
    case 'POST /batch':
      return { method: 'UpdateBatch', request: { ...base, operations: (b['operations'] as Json[]).map(batchOperation) } };
    default:
      throw new Error(`grpc-writes: ${method} ${path} is not translated`);
  }
}

/** A `qdrant.Value` (as proto-loader decodes it: int64 as a decimal string) → JSON. */
function jsonOf(v: Json): unknown {
  switch (v['kind']) {
    case 'integer_value':
      return Number(v['integer_value']);
    case 'double_value':
      return v['double_value'];
    case 'string_value':
      return v['string_value'];
    case 'bool_value':
      return v['bool_value'];
    case 'null_value':
      return null;
    case 'list_value':
      return ((v['list_value'] as { values?: Json[] }).values ?? []).map(jsonOf);
    case 'struct_value':
      return Object.fromEntries(Object.entries((v['struct_value'] as { fields?: Record<string, Json> }).fields ?? {}).map(([k, x]) => [k, jsonOf(x)]));
    default:
      throw new Error(`grpc-writes: value ${JSON.stringify(v)} is not translated`);
  }
}

/** A call answered with a non-OK status. */
export class GrpcCallError extends Error {
  constructor(
    readonly code: status,
    readonly details: string,
    /** The `retry-after` trailing metadata of a rate-limit refusal. */
    readonly retryAfter?: string,
  ) {
    super(`${status[code]}: ${details}`);
  }
}

/** A `qdrant.Points` client on `127.0.0.1:port` (plaintext, one channel) that sends `metadata` with each call. */
export class GrpcPoints {
  readonly #client: Client;
  readonly #metadata: Readonly<Record<string, string>>;

  constructor(port: number, metadata: Readonly<Record<string, string>> = {}) {
    this.#client = new (contract().qdrant.Points)(`127.0.0.1:${port}`, credentials.createInsecure());
    this.#metadata = metadata;
  }

  /** Calls `method` (with `metadata` instead of the client's); rejects with {@link GrpcCallError} on a non-OK status. */
  call(method: string, request: unknown, metadata: Readonly<Record<string, string>> = this.#metadata): Promise<Json> {
    const md = new Metadata();
    for (const [k, v] of Object.entries(metadata)) md.set(k, v);
    const fn = (this.#client as unknown as Record<string, (req: unknown, md: Metadata, cb: (e: ServiceError | null, res?: Json) => void) => void>)[method];
    if (fn === undefined) return Promise.reject(new Error(`qdrant.Points has no ${method}`));
    return new Promise((resolve, reject) => {
      fn.call(this.#client, request, md, (e, res) => (e === null ? resolve(res ?? {}) : reject(new GrpcCallError(e.code, e.details, e.metadata?.get('retry-after')[0]?.toString()))));
    });
  }

  /** The REST write `method path body`, sent as its gRPC twin. */
  write(method: string, path: string, body: unknown): Promise<Json> {
    const w = grpcWrite(method, path, body);
    return this.call(w.method, w.request);
  }

  /** `Points/Get` with payloads and vectors, in the REST shape `{id, payload, vector}` (one unnamed dense vector). */
  async retrieve(collection: string, pointIds: readonly number[]): Promise<Array<{ id: number; payload: Json; vector: number[] }>> {
    const res = await this.call('Get', { collection_name: collection, ids: pointIds.map((num) => ({ num })), with_payload: { enable: true }, with_vectors: { enable: true } });
    return (res['result'] as Json[]).map((p) => ({
      id: Number((p['id'] as { num: string }).num),
      payload: Object.fromEntries(Object.entries((p['payload'] as Record<string, Json> | undefined) ?? {}).map(([k, v]) => [k, jsonOf(v)])),
      vector: ((p['vectors'] as { vector?: { dense?: { data?: number[] } } } | undefined)?.vector?.dense?.data ?? []).slice(),
    }));
  }

  close(): void {
    this.#client.close();
  }
}
