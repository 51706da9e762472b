/**
 * One unary call, start to end: client address allow-list → authenticate (metadata `api-key`, else
 * `authorization: Bearer …`) → authorize (the operation of the RPC's row, the same `authorize()` and pass types as
 * REST, one audit event per decision with `api` = the RPC path) → the handler → `time` → the reply. Every
 * failure becomes a status through `toGrpcStatus()`.
 */
import type { IncomingHttpHeaders } from 'node:http2';
import type { handleUnaryCall } from '@grpc/grpc-js';
import { ANONYMOUS, OPEN_OPERATIONS, type Auth } from '../../auth/authenticate.js';
import { authenticateThrottled } from '../../auth/throttled-authenticate.js';
import type { CollectionPass, GlobalPass, Pass } from '../../auth/authorize.js';
import { authorizeAudited } from '../../auth/audited-decision.js';
import { ACCESS_TABLE, type OperationName } from '../../auth/access-table.js';
import { auditEvent, tracingId, type AuditRequestInfo } from '../../auth/audit-event.js';
import { allows, deniedReason } from '../../auth/ip-allowlist.js';
import { AppError } from '../../errors.js';
import type { GrpcDeps } from './deps.js';
import { RPC_OPERATIONS, type RpcPath } from './rpc-table.js';
import { toGrpcStatus } from './status.js';
import type { UnaryCall, UnaryHandler } from './wire/http2-server.js';
import type { StreamCall } from './wire/stream-call.js';

/** What a handler receives besides the request message. */
export interface RpcContext {
  readonly pass: Pass;
  readonly deps: GrpcDeps;
  /** The collection the request names (`collection_name`), as the client named it. */
  readonly collection: string | undefined;
}

/** A handler and what the access check reads from its request. */
export interface RpcImpl<Req, Res> {
  run(req: Req, ctx: RpcContext): Res | Promise<Res>;
  /** The collection the request targets; default: its `collection_name` field. */
  collection?(req: Req): string | undefined;
  /**
   * The other collections a read touches, in the shape `ACCESS_TABLE[op].alsoReads` reads
   * (`{lookup_from: {collection}, prefetch, with_lookup}` or `{searches: […]}`).
   */
  accessBody?(req: Req): unknown;
}

/** The handlers of a generated service interface, as {@link RpcImpl}s with its request and reply types. */
export type Impls<H> = { [K in keyof H as string extends K ? never : K]: H[K] extends handleUnaryCall<infer Req, infer Res> ? RpcImpl<Req, Res> : never };

/** A metadata value sent as text: the first one, when it is printable ASCII (grpc-js dropped any other). */
function metadataValue(headers: IncomingHttpHeaders, name: string): string | undefined {
  const h = headers[name];
  const v = Array.isArray(h) ? h[0] : h;
  return typeof v === 'string' && PRINTABLE.test(v) ? v : undefined;
}

const PRINTABLE = /^[ -~]*$/;

function requestInfo(path: string, headers: IncomingHttpHeaders, remote: string | undefined): AuditRequestInfo {
  const info: { api: string; remote?: string; tracingId?: string } = { api: path };
  if (remote !== undefined) info.remote = remote;
  const t = tracingId({ 'x-request-id': metadataValue(headers, 'x-request-id'), 'x-tracing-id': metadataValue(headers, 'x-tracing-id'), traceparent: metadataValue(headers, 'traceparent') });
  if (t !== undefined) info.tracingId = t;
  return info;
}

function collectionNameOf(req: unknown): string | undefined {
  if (typeof req !== 'object' || req === null) return undefined;
  const name = (req as { collection_name?: unknown }).collection_name;
  return typeof name === 'string' ? name : undefined;
}

/**
 * Client address restrictions come first on every RPC: a refused address learns nothing, not even whether it
 * needs a key. The refusal is audited.
 * @throws AppError FORBIDDEN for an address outside `service.allowed_client_ips`
 */
async function checkAddress(operation: string, info: AuditRequestInfo, remote: string | undefined, deps: GrpcDeps): Promise<void> {
  if (allows(deps.allowList, remote)) return;
  const reason = deniedReason(remote);
  await deps.audit().write(auditEvent({ now: new Date(), method: operation, request: info, authType: 'None', error: reason }));
  throw new AppError('FORBIDDEN', [reason]);
}

async function decide(path: RpcPath, req: unknown, collection: string | undefined, impl: RpcImpl<never, unknown>, call: UnaryCall, deps: GrpcDeps): Promise<{ pass: Pass; pending: Promise<unknown> }> {
  const operation = RPC_OPERATIONS[path];
  const headers = call.headers;
  const remote = call.peer.remote;
  const info = requestInfo(path, headers, remote);
  await checkAddress(operation, info, remote, deps);
  // Open RPCs (health) run as the anonymous caller: no credential is looked at, and nothing is granted.
  let auth: Auth = ANONYMOUS;
  if (!OPEN_OPERATIONS.has(operation)) {
    const credentials = { apiKey: metadataValue(headers, 'api-key'), authorization: metadataValue(headers, 'authorization'), certificate: call.peer.certificate() };
    auth = await authenticateThrottled(credentials, () => remote, {
      credentials: deps.credentials,
      throttle: deps.throttle,
      onThrottle: deps.onThrottle,
      audit: deps.audit(),
      requestInfo: () => ({ ...info, method: operation }),
    });
  }
  if (ACCESS_TABLE[operation].scope === 'collection' && (collection === undefined || collection === '')) {
    // proto3 cannot send an empty string: the field was left out (Qdrant's validation answers the same).
    throw new AppError('BAD_INPUT', ['Validation error in request: collection_name: must not be empty']);
  }
  // Reads start their audit write now and wait for it just before replying; writes run only once it is durable.
  let pending: Promise<void> = Promise.resolve();
  try {
    const pass = await authorizeAudited(auth, operation, { collection, body: impl.accessBody?.(req as never) }, {
      resolveAlias: (name) => deps.toc.resolve(name),
      valueExists: deps.valueExists,
      audit: deps.audit(),
      request: info,
    }, (durable) => {
      pending = durable;
    });
    return { pass, pending };
  } catch (e) {
    await pending;
    throw e;
  }
}

/** The operation open streams (server reflection) are audited as when an address is refused: `/`'s. */
const OPEN_STREAM_OPERATION: OperationName = 'root';

function elapsedSeconds(startNs: bigint): number {
  return Number(process.hrtime.bigint() - startNs) / 1e9;
}

/** Wraps a handler as the unary handler of `path`. */
export function unary<Req, Res>(path: RpcPath, impl: RpcImpl<Req, Res>, deps: GrpcDeps): UnaryHandler {
  return (call: UnaryCall, done) => {
    const startNs = process.hrtime.bigint();
    const req = call.request as Req;
    const collection = impl.collection !== undefined ? impl.collection(req) : collectionNameOf(req);
    const run = async (): Promise<Res> => {
      const { pass, pending } = await decide(path, req, collection, impl, call, deps);
      const result = await impl.run(req, { pass, deps, collection });
      await pending;
      if (typeof result === 'object' && result !== null) (result as { time?: number }).time = elapsedSeconds(startNs);
      return result;
    };
    // Telemetry `requests.grpc`: per method path and gRPC code (0 = OK), with the request's collection.
    const named = collectionNameOf(req);
    const record = (code: number): void => deps.requests?.record(path, code, Number(process.hrtime.bigint() - startNs) / 1e3, named);
    run().then(
      (res) => {
        record(0);
        done(null, res);
      },
      (e: unknown) => {
        const status = toGrpcStatus(e, (m, err) => deps.log.error(m, err));
        record(status.code);
        done(status);
      },
    );
  };
}

/** The pass for the request's collection: the collection pass, or one issued by a global pass that names it. */
export function collectionPass(ctx: RpcContext): CollectionPass {
  if (ctx.pass.kind === 'collection') return ctx.pass;
  if (ctx.pass.kind === 'global' && ctx.collection !== undefined) return ctx.pass.issue(ctx.deps.toc.resolve(ctx.collection));
  throw new AppError('SERVICE_ERROR', [`RPC expected a collection pass, got ${ctx.pass.kind}`]);
}

/** The pass of a global RPC. */
export function globalPass(ctx: RpcContext): GlobalPass {
  if (ctx.pass.kind !== 'global') throw new AppError('SERVICE_ERROR', [`RPC expected a global pass, got ${ctx.pass.kind}`]);
  return ctx.pass;
}

/** Of `names`, those the caller may see (listings are filtered for collection-scoped credentials). */
export function visibleNames(ctx: RpcContext, names: readonly string[]): string[] {
  return ctx.pass.kind === 'list' ? ctx.pass.visible(names) : [...names];
}

/**
 * Wraps a streaming handler of an open service (server reflection) for `path`: like the health RPCs it runs as
 * the anonymous caller — no credential is read, nothing is granted, no access decision is audited — behind the
 * same client address allow-list as every other RPC.
 */
export function openStream(path: string, handler: (call: StreamCall) => void, deps: GrpcDeps): (call: StreamCall) => void {
  return (call: StreamCall) => {
    const remote = call.peer.remote;
    checkAddress(OPEN_STREAM_OPERATION, requestInfo(path, call.headers, remote), remote, deps).then(
      () => handler(call),
      (e: unknown) => call.fail(toGrpcStatus(e, (m, err) => deps.log.error(m, err))),
    );
  };
}
