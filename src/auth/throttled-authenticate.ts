/**
 * Authentication behind the brute-force throttle, the one sequence both transports run: a blocked address is
 * refused (429, audited) before any key is compared or any token verified; a success clears the address's count;
 * a failure that presented a credential counts towards a block (one that presented none is not a guess); every
 * failure is audited.
 */
import { auditAuthFailure, auditEvent, type AuditRequestInfo, type AuditSink } from './audit-event.js';
import { authenticate, isAuthFailure, type Auth, type CredentialHeaders } from './authenticate.js';
import type { CredentialStore } from './credentials.js';
import { ThrottledFailure, type AuthThrottle } from './throttle.js';

export interface ThrottledAuthenticationDeps {
  readonly credentials: CredentialStore;
  /** Undefined when `service.auth_throttle` is off. */
  readonly throttle: AuthThrottle | undefined;
  readonly onThrottle?: ((event: 'refused' | 'blocked') => void) | undefined;
  readonly audit: AuditSink;
  /** The request as audited, with `method` = the operation when the route is known; built only on a failure. */
  readonly requestInfo: () => AuditRequestInfo & { readonly method?: string };
}

/**
 * @param remote - the client address the throttle counts by; asked at most once, and only while the throttle tracks
 *   some address or on a failure (an address's text costs an IP parse, and a server with no failed logins needs none)
 * @throws ThrottledFailure (429) for a blocked address; the AuthFailure of {@link authenticate} otherwise
 */
export async function authenticateThrottled(headers: CredentialHeaders, remote: () => string | undefined, deps: ThrottledAuthenticationDeps): Promise<Auth> {
  const throttle = deps.throttle;
  let asked: { readonly address: string | undefined } | undefined;
  const address = (): string | undefined => (asked ??= { address: remote() }).address;
  const wait = throttle?.tracking === true ? throttle.retryAfter(address()) : undefined;
  if (wait !== undefined) {
    deps.onThrottle?.('refused');
    const refused = new ThrottledFailure(wait);
    const request = deps.requestInfo();
    await deps.audit.write(auditEvent({ now: new Date(), method: request.method, request, authType: 'None', error: `Too Many Requests: ${refused.message}` }));
    throw refused;
  }
  try {
    const auth = await authenticate(headers, deps.credentials);
    if (throttle?.tracking === true) throttle.recordSuccess(address());
    return auth;
  } catch (e) {
    if (isAuthFailure(e)) {
      if (throttle !== undefined && e.code !== 'AUTH_MISSING' && throttle.recordFailure(address()) !== undefined) deps.onThrottle?.('blocked');
      await auditAuthFailure(deps.audit, e, deps.requestInfo());
    }
    throw e;
  }
}
