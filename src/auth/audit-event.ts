/**
 * Audit events (Qdrant's `AuditEvent` fields) and the sink they go to. One event per access decision
 * (written by `authorize()`) and one per failed authentication (written by the request hook through
 * {@link auditAuthFailure}). Events never carry a key, a token or a request body.
 *
 * The sink is injected; the default is {@link NoopAuditSink}. The file sink (rotation, retention, hash
 * chain) lives with the server wiring, not here.
 */
import type { AuthFailure } from './auth-failure.js';

/**
 * How the request was authenticated: `None` when no key is configured (and for failed authentication);
 * **Quiver** `Certificate` for a client certificate mapped by `service.tls_client_access`.
 */
export type AuthType = 'None' | 'ApiKey' | 'Jwt' | 'Certificate';

/** One line of the audit log. Empty fields are omitted, never written as `null` or `""`. */
export interface AuditEvent {
  /** RFC 3339, UTC. */
  readonly timestamp: string;
  /** Operation name (`upsert_points`). Absent only when a failed authentication hit no known route. */
  readonly method?: string;
  /** The route pattern, e.g. `/collections/{collection_name}/points`. */
  readonly api: string;
  readonly auth_type: AuthType;
  /** The JWT `subject` claim. */
  readonly subject?: string;
  /** **Quiver:** the named API key used. */
  readonly key_name?: string;
  /** Peer IP, or the address the last trusted proxy saw (`service.trusted_proxies`; decided by the caller). */
  readonly remote?: string;
  readonly collection?: string;
  readonly tracing_id?: string;
  readonly result: 'ok' | 'denied';
  /** Why access was denied, e.g. `Forbidden: Global access is required`. */
  readonly error?: string;
}

/**
 * Where audit events go. Contract: `write` resolves once the event is accepted (durably, for a file sink).
 * A sink that rejects makes the request fail (fail-closed); a sink configured to fail open must catch and
 * report its own errors instead of rejecting.
 */
export interface AuditSink {
  write(event: AuditEvent): Promise<void>;
  /** True when every event is dropped (audit off): callers may skip building events on the request path. */
  readonly discards?: boolean;
}

/** Drops every event: the default when audit logging is off. */
export class NoopAuditSink implements AuditSink {
  readonly discards = true;

  write(_event: AuditEvent): Promise<void> {
    return Promise.resolve();
  }
}

/** Keeps events in memory, in order. For tests. */
export class MemoryAuditSink implements AuditSink {
  readonly events: AuditEvent[] = [];

  write(event: AuditEvent): Promise<void> {
    this.events.push(event);
    return Promise.resolve();
  }
}

/** Request facts for an audit event, gathered by the HTTP layer. */
export interface AuditRequestInfo {
  /** The route pattern. */
  readonly api: string;
  readonly remote?: string;
  /** From {@link tracingId}. */
  readonly tracingId?: string;
}

/** Tracing ids longer than this are cut (Qdrant). */
export const MAX_TRACING_ID_CHARS = 256;

const TRACING_HEADERS = ['x-request-id', 'x-tracing-id', 'traceparent'] as const;

/**
 * The request's tracing id: the first present of `x-request-id`, `x-tracing-id`, `traceparent`, cut to 256
 * characters (code points, so a surrogate pair is never split).
 * @param headers - lower-cased header names, as Node gives them
 */
export function tracingId(headers: Readonly<Record<string, string | readonly string[] | undefined>>): string | undefined {
  for (const name of TRACING_HEADERS) {
    const raw = headers[name];
    const value = typeof raw === 'string' ? raw : raw?.[0];
    if (value !== undefined && value !== '') {
      const chars = Array.from(value);
      return chars.length > MAX_TRACING_ID_CHARS ? chars.slice(0, MAX_TRACING_ID_CHARS).join('') : value;
    }
  }
  return undefined;
}

/** The parts of an event; `undefined` and `""` fields are dropped. */
export interface AuditEventParts {
  readonly now: Date;
  readonly method?: string | undefined;
  readonly request: AuditRequestInfo;
  readonly authType: AuthType;
  readonly subject?: string | undefined;
  readonly keyName?: string | undefined;
  readonly collection?: string | undefined;
  readonly error?: string | undefined;
}

type OptionalField = 'method' | 'subject' | 'key_name' | 'remote' | 'collection' | 'tracing_id' | 'error';

/** Builds an event, omitting empty fields. `result` is `denied` exactly when there is an `error`. */
export function auditEvent(parts: AuditEventParts): AuditEvent {
  const event: { -readonly [K in keyof AuditEvent]: AuditEvent[K] } = {
    timestamp: parts.now.toISOString(),
    api: parts.request.api,
    auth_type: parts.authType,
    result: parts.error === undefined ? 'ok' : 'denied',
  };
  const optional: Record<OptionalField, string | undefined> = {
    method: parts.method,
    subject: parts.subject,
    key_name: parts.keyName,
    remote: parts.request.remote,
    collection: parts.collection,
    tracing_id: parts.request.tracingId,
    error: parts.error,
  };
  for (const field of Object.keys(optional) as OptionalField[]) {
    const value = optional[field];
    if (value !== undefined && value !== '') event[field] = value;
  }
  return event;
}

/**
 * Records a failed authentication (called by the request hook when `authenticate()` throws).
 * `auth_type` is `None`: the credential was not accepted, so nothing about it is trusted or recorded.
 * @param method - the route's operation, when the route is known
 */
export function auditAuthFailure(
  sink: AuditSink,
  failure: AuthFailure,
  request: AuditRequestInfo & { readonly method?: string },
  now: Date = new Date(),
): Promise<void> {
  return sink.write(auditEvent({ now, method: request.method, request, authType: 'None', error: failure.auditText() }));
}
