/**
 * The seam between HTTP and access control. `authenticate` runs in `onRequest`, before the body is
 * read; `authorize` runs once the body is validated and is the only source of a pass. Both delegate to
 * `src/auth`; this file only adapts Fastify requests (refusals are registry errors, answered by `toHttpError`).
 */
import type { FastifyRequest } from 'fastify';
import { AppError } from '../../errors.js';
import { ANONYMOUS, OPEN_OPERATIONS, type Auth } from '../../auth/authenticate.js';
import { authenticateThrottled } from '../../auth/throttled-authenticate.js';
import type { PassFor, ValueExistsOutcome } from '../../auth/authorize.js';
import { authorizeAudited } from '../../auth/audited-decision.js';
import type { OperationName } from '../../auth/access-table.js';
import { tracingId, type AuditRequestInfo, type AuditSink } from '../../auth/audit-event.js';
import type { CredentialStore } from '../../auth/credentials.js';
import type { ValueExistsClaim } from '../../auth/jwt.js';
import type { TLSSocket } from 'node:tls';
import type { PeerIdentity } from '../../auth/cert-identity.js';
import type { AuthThrottle } from '../../auth/throttle.js';

declare module 'fastify' {
  interface FastifyRequest {
    auth: Auth | undefined;
    /**
     * The durable write of this request's audit event, when it may still be in flight: the response must
     * not be sent before it settles (see `settleAudit`).
     */
    auditPending: Promise<void> | undefined;
  }
}

/**
 * Waits for the request's audit event to be durable. Reads start their audit write when access is decided
 * and wait for it only here, just before the response is sent, so the fsync overlaps the handler; the
 * line is still on disk before the client hears anything.
 * @throws the sink's error (fail-closed: AuditWriteError → 503)
 */
export async function settleAudit(request: FastifyRequest): Promise<void> {
  const pending = request.auditPending;
  request.auditPending = undefined;
  if (pending !== undefined) await pending;
}

export interface AccessGate {
  /** Sets `request.auth` (the anonymous caller for open operations), or throws the `AuthFailure`. */
  /** `operation` is undefined for a path no route matches (it needs a credential like any other). */
  authenticate(request: FastifyRequest, operation: OperationName | undefined): Promise<void>;
  /**
   * The pass for `operation`.
   * @throws AppError `SERVICE_ERROR` when `request.auth` is unset (authentication did not run): fails closed.
   */
  authorize<O extends OperationName>(request: FastifyRequest, operation: O, collection: string | undefined, body: unknown): Promise<PassFor<O>>;
}

export interface GateDeps {
  readonly credentials: CredentialStore;
  readonly audit: () => AuditSink;
  readonly resolveAlias: (name: string) => string;
  readonly valueExists: (claim: ValueExistsClaim) => Promise<ValueExistsOutcome>;
  readonly remoteOf: (request: FastifyRequest) => string | undefined;
  /** Brute-force throttling of failed authentications; absent = none. */
  readonly throttle?: AuthThrottle;
  /** Called once per request refused by the throttle and once per block it starts (metrics). */
  readonly onThrottle?: (event: 'refused' | 'blocked') => void;
}

/** The client certificate, when the connection is TLS and the certificate was verified (mTLS). */
function verifiedPeer(request: FastifyRequest): PeerIdentity | undefined {
  const socket = request.socket as Partial<TLSSocket>;
  if (socket.authorized !== true || typeof socket.getPeerCertificate !== 'function') return undefined;
  const peer = socket.getPeerCertificate();
  return Object.keys(peer).length === 0 ? undefined : { subject: peer.subject, subjectaltname: peer.subjectaltname };
}

function header(request: FastifyRequest, name: string): string | undefined {
  const v = request.headers[name];
  return Array.isArray(v) ? v[0] : v;
}

export function requestInfo(request: FastifyRequest, remoteOf: (r: FastifyRequest) => string | undefined): AuditRequestInfo {
  const info: { api: string; remote?: string; tracingId?: string } = { api: `${request.method} ${request.routeOptions.url ?? request.url.split('?')[0] ?? ''}` };
  const remote = remoteOf(request);
  if (remote !== undefined) info.remote = remote;
  const t = tracingId(request.headers);
  if (t !== undefined) info.tracingId = t;
  return info;
}

/** The request facts passed when the sink discards every event (never written anywhere). */
const UNAUDITED: AuditRequestInfo = { api: '' };

export function createGate(deps: GateDeps): AccessGate {
  return {
    async authenticate(request, operation) {
      request.auth = undefined;
      if (operation !== undefined && OPEN_OPERATIONS.has(operation)) {
        request.auth = ANONYMOUS;
        return;
      }
      request.auth = await authenticateThrottled({ apiKey: header(request, 'api-key'), authorization: header(request, 'authorization'), certificate: verifiedPeer(request) }, () => deps.remoteOf(request), {
        credentials: deps.credentials,
        throttle: deps.throttle,
        onThrottle: deps.onThrottle,
        audit: deps.audit(),
        requestInfo: () => ({ ...requestInfo(request, deps.remoteOf), ...(operation === undefined ? {} : { method: operation }) }),
      });
    },
    async authorize(request, operation, collection, body) {
      const auth = request.auth;
      // Fail closed: a request that skipped authentication is refused, never treated as unauthenticated-open.
      if (auth === undefined) throw new AppError('SERVICE_ERROR', [`${operation} reached access control without authentication`]);
      // The event's durable write starts now; a read's response waits for it in `settleAudit`.
      const audit = deps.audit();
      return authorizeAudited(auth, operation, { collection, body }, {
        resolveAlias: deps.resolveAlias,
        valueExists: deps.valueExists,
        audit,
        // Audit off: no event is built, so the request's audit facts (client address, tracing id) are not gathered.
        request: audit.discards === true ? UNAUDITED : requestInfo(request, deps.remoteOf),
      }, (durable) => {
        request.auditPending = durable;
      });
    },
  };
}
