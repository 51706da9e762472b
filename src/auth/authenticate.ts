/**
 * Request headers → {@link Auth}: who is calling and what they may do. Runs in `onRequest`, before the body
 * is read. Deciding whether a given operation is allowed is `authorize()`'s job, not this module's.
 */
import { fullAccess, readOnlyAccess, type Access } from './access.js';
import { OPERATION_NAMES, ACCESS_TABLE, type OperationName } from './access-table.js';
import type { AuthType } from './audit-event.js';
import { AuthFailure } from './auth-failure.js';
import type { CredentialStore } from './credentials.js';
import { verifyJwt, type ValueExistsClaim } from './jwt.js';
import { matchCertificate, type PeerIdentity } from './cert-identity.js';

export { AuthFailure, isAuthFailure } from './auth-failure.js';

/** An authenticated caller. */
export interface Auth {
  readonly type: AuthType;
  readonly access: Access;
  /** JWT `subject` claim, for audit only. */
  readonly subject?: string;
  /** **Quiver:** the named API key used. */
  readonly keyName?: string;
  /** JWT `value_exists`, checked by `authorize()` on every request. */
  readonly valueExists?: ValueExistsClaim;
}

/** The credential headers, as received (`api-key`, `authorization`). */
export interface CredentialHeaders {
  readonly apiKey?: string | undefined;
  readonly authorization?: string | undefined;
  /** **Quiver:** the client certificate, only when mTLS is on and the TLS layer verified it. */
  readonly certificate?: PeerIdentity | undefined;
}

/**
 * Operations that need no credential (Qdrant's whitelist: `/`, `/healthz`, `/livez`, `/readyz`): the request
 * hook skips `authenticate()` for them. Matched on the resolved route's operation, never on the raw URL.
 */
export const OPEN_OPERATIONS: ReadonlySet<OperationName> = new Set(
  OPERATION_NAMES.filter((op) => ACCESS_TABLE[op].scope === 'open'),
);

/**
 * The caller of an open operation (health probes): no credential was looked at, and it grants nothing. Only
 * `authenticate()` with no key configured gives full access (`type: 'None'`, manage).
 */
export const ANONYMOUS: Auth = Object.freeze({ type: 'None', access: Object.freeze({ kind: 'collections', grants: [] }) });

const BEARER = 'Bearer ';

/** The presented credential: `api-key` first, else `Authorization` with the exact prefix `Bearer `. */
function presentedCredential(headers: CredentialHeaders): string | undefined {
  if (headers.apiKey !== undefined) return headers.apiKey;
  const authorization = headers.authorization;
  return authorization?.startsWith(BEARER) === true ? authorization.slice(BEARER.length) : undefined;
}

/**
 * Authenticates a request.
 *
 * Order (Qdrant's, plus Quiver's named keys): api_key / alt_api_key → manage; read_only_api_key → global
 * read; a named key → its access; then a JWT whose `iss` names one of `service.jwt_issuers` (**Quiver**), verified
 * with that issuer's keys; else, if `jwt_rbac` is on, a JWT verified with api_key, then alt_api_key.
 * With no key configured at all, every request gets full access with `type: 'None'`.
 *
 * @param now - the clock for `exp` and named-key expiry
 * @throws AuthFailure 401 `Must provide an API key or an Authorization bearer token` (no credential),
 *   401 `Invalid API key or JWT` (unknown or expired key, malformed or non-HS256 token, JWT with `jwt_rbac`
 *   off), 403 `InvalidSignature`, 403 `ExpiredSignature`. Messages never contain the credential.
 */
export async function authenticate(headers: CredentialHeaders, store: CredentialStore, now: Date = new Date()): Promise<Auth> {
  const credentials = store.snapshot();
  if (credentials.open) return { type: 'None', access: fullAccess('No API key is configured') };

  const presented = presentedCredential(headers);
  if (presented === undefined) {
    const cert = headers.certificate === undefined ? undefined : matchCertificate(credentials.certAccess, headers.certificate);
    if (cert !== undefined) return { type: 'Certificate', access: cert.access, subject: cert.identity };
    throw new AuthFailure('AUTH_MISSING');
  }

  const match = credentials.match(presented, now);
  switch (match.kind) {
    case 'manage':
      return { type: 'ApiKey', access: fullAccess('api_key or alt_api_key') };
    case 'read':
      return { type: 'ApiKey', access: readOnlyAccess('read_only_api_key') };
    case 'named':
      return { type: 'ApiKey', access: match.access, keyName: match.name };
    case 'expired_named':
      throw new AuthFailure('AUTH_INVALID');
    case 'none':
      break;
  }

  // A token naming a configured external issuer is verified with that issuer's keys only (never the API key).
  // With jwt_rbac off there are no JWT keys and verifyJwt answers 401 `Invalid API key or JWT`.
  const claims = (await credentials.issuers?.verify(presented, now)) ?? (await verifyJwt(presented, credentials.jwtKeys, now));
  return {
    type: 'Jwt',
    access: claims.access,
    ...(claims.subject === undefined ? {} : { subject: claims.subject }),
    ...(claims.valueExists === undefined ? {} : { valueExists: claims.valueExists }),
  };
}
