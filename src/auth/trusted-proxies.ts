/**
 * **Quiver:** the client address behind reverse proxies (`service.trusted_proxies`), for audit events. The
 * `X-Forwarded-For` header is read from the right: each proxy appends the address it saw, so the rightmost entry
 * written by a trusted proxy is reliable and the leftmost is whatever the client sent. Starting from the TCP peer,
 * trusted hops are skipped; the first untrusted address is the client. An untrusted peer's header is ignored.
 *
 * `audit.trust_forwarded_headers: true` (Qdrant's switch, which took the leftmost entry) maps to trusting a proxy
 * on this machine (`127.0.0.0/8`, `::1`) when `service.trusted_proxies` is empty.
 */
import { isIP } from 'node:net';
import { allows, parseAllowList, type AllowList } from './ip-allowlist.js';

/** A loopback reverse proxy: what `audit.trust_forwarded_headers: true` trusts on its own. */
export const LOOPBACK_PROXIES = ['127.0.0.0/8', '::1'] as const;

/**
 * The trusted proxies in effect: `service.trusted_proxies`, else the loopback proxies when
 * `audit.trust_forwarded_headers` is on, else none (undefined: `X-Forwarded-For` is never read).
 * @throws Error naming an invalid `service.trusted_proxies` entry
 */
export function trustedProxies(trustedList: readonly string[], trustForwardedHeaders: boolean): AllowList | undefined {
  if (trustedList.length > 0) return parseAllowList(trustedList, 'service.trusted_proxies');
  return trustForwardedHeaders ? parseAllowList(LOOPBACK_PROXIES) : undefined;
}

/**
 * The address the last trusted proxy saw.
 * @param peer - the TCP peer address
 * @param forwardedFor - the `X-Forwarded-For` header value(s)
 */
export function clientAddress(peer: string | undefined, forwardedFor: string | readonly string[] | undefined, trusted: AllowList | undefined): string | undefined {
  if (trusted === undefined || peer === undefined || forwardedFor === undefined || !allows(trusted, peer)) return peer;
  const hops = (typeof forwardedFor === 'string' ? [forwardedFor] : forwardedFor).join(',').split(',').map((h) => h.trim());
  let client = peer;
  for (let i = hops.length - 1; i >= 0; i--) {
    const hop = hops[i]!;
    // An entry that is not an address: the trusted proxy that wrote the header is the last reliable address.
    if (isIP(hop) === 0) return client;
    client = hop;
    if (!allows(trusted, hop)) return hop;
  }
  return client;
}
