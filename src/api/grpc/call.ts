/**
 * One unary call, start to end: client address allow-list → authenticate (metadata `api-key`, else
 * `authorization: Bearer …`) → authorize (the operation of the RPC's row, the same `authorize()` and pass types as
 * REST, one audit event per decision with `api` = the RPC path) → the handler → `time` → the reply. Every
 * failure becomes a status through `toGrpcStatus()`.
 */
import type { Metadata, ServerDuplexStream, ServerUnaryCall, sendUnaryData, handleUnaryCall } from '@grpc/grpc-js';
import { ANONYMOUS, OPEN_OPERATIONS, type Auth } from '../../auth/authenticate.js';
import type { PeerIdentity } from '../../auth/cert-identity.js';
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

function metadataValue(md: Metadata, name: string): string | undefined {
  const v = md.get(name)[0];
  return typeof v === 'string' ? v : undefined;
}

/** `ipv4:1.2.3.4:5`, `1.2.3.4:5` or `[::1]:5` → the bare address. */
function peerAddress(peer: string): string | undefined {
  const p = peer.replace(/^ipv[46]:/, '');
  if (p.startsWith('[')) return p.slice(1, p.indexOf(']'));
  const colon = p.lastIndexOf(':');
  return colon > 0 ? p.slice(0, colon) : p === '' ? undefined : p;
}

function requestInfo(path: string, md: Metadata, remote: string | undefined): AuditRequestInfo {
  const info: { api: string; remote?: string; tracingId?: string } = { api: path };
  if (remote !== undefined) info.remote = remote;
  const headers: Record<string, string | undefined> = {};
  for (const name of ['x-request-id', 'x-tracing-id', 'traceparent']) headers[name] = metadataValue(md, name);
  const t = tracingId(headers);
  if (t !== undefined) info.tracingId = t;
  return info;
}

function collectionNameOf(req: unknown): string | undefined {
  if (typeof req !== 'object' || req === null) return undefined;
  const name = (req as { collection_name?: unknown }).collection_name;
  return typeof name === 'string' ? name : undefined;
}

/** The client certificate, when the connection is TLS and grpc-js verified it against the CA (mTLS). */
function verifiedPeer(call: ServerUnaryCall<unknown, unknown>): PeerIdentity | undefined {
  // grpc-js answers `{}` unless the TLS socket is `authorized`, and leaves the certificate out when none was sent.
  const peer = call.getAuthContext().sslPeerCertificate;
  return peer === undefined ? undefined : { subject: peer.subject, subjectaltname: peer.subjectaltname };
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

async function decide(path: RpcPath, req: unknown, impl: RpcImpl<never, unknown>, call: ServerUnaryCall<unknown, unknown>, deps: GrpcDeps): Promise<{ pass: Pass; pending: Promise<unknown> }> {
  const operation = RPC_OPERATIONS[path];
  const md = call.metadata;
  const remote = peerAddress(call.getPeer());
  const info = requestInfo(path, md, remote);
  await checkAddress(operation, info, remote, deps);
  // Open RPCs (health) run as the anonymous caller: no credential is looked at, and nothing is granted.
  let auth: Auth = ANONYMOUS;
  if (!OPEN_OPERATIONS.has(operation)) {
    const headers = { apiKey: metadataValue(md, 'api-key'), authorization: metadataValue(md, 'authorization'), certificate: verifiedPeer(call) };
    auth = await authenticateThrottled(headers, remote, {
      credentials: deps.credentials,
      throttle: deps.throttle,
      onThrottle: deps.onThrottle,
      audit: deps.audit(),
      requestInfo: () => ({ ...info, method: operation }),
    });
  }
  const collection = impl.collection !== undefined ? impl.collection(req as never) : collectionNameOf(req);
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

/** Wraps a handler as a grpc-js unary handler for `path`. */
export function unary<Req, Res>(path: RpcPath, impl: RpcImpl<Req, Res>, deps: GrpcDeps): handleUnaryCall<Req, Res> {
  return (call: ServerUnaryCall<Req, Res>, callback: sendUnaryData<Res>) => {
    const startNs = process.hrtime.bigint();
    const run = async (): Promise<Res> => {
      const { pass, pending } = await decide(path, call.request, impl, call, deps);
      const collection = impl.collection !== undefined ? impl.collection(call.request) : collectionNameOf(call.request);
      const result = await impl.run(call.request, { pass, deps, collection });
      await pending;
      if (typeof result === 'object' && result !== null) (result as { time?: number }).time = elapsedSeconds(startNs);
      return result;
    };
    run().then(
      (res) => callback(null, res),
      (e: unknown) => callback(toGrpcStatus(e, (m, err) => deps.log.error(m, err)), null),
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
export function openStream<C extends ServerDuplexStream<unknown, unknown>>(path: string, handler: (call: C) => void, deps: GrpcDeps): (call: C) => void {
  return (call: C) => {
    const remote = peerAddress(call.getPeer());
    checkAddress(OPEN_STREAM_OPERATION, requestInfo(path, call.metadata, remote), remote, deps).then(
      () => handler(call),
      // grpc-js ends a stream that emits an `error` with that error's status.
      (e: unknown) => call.emit('error', toGrpcStatus(e, (m, err) => deps.log.error(m, err))),
    );
  };
}
