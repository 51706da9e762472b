/**
 * **Quiver:** certificate identities (`service.tls_client_access`). With mTLS on, a client certificate the TLS
 * layer verified against `tls.ca_cert` can be the credential: its common name (`CN=…`) or one of its subject
 * alternative names (`DNS:…`, `URI:…` such as a SPIFFE id, `email:…`, `IP:…`) is looked up in the configured
 * list, in order, and the first entry that matches gives the access. The matched identity is the audit `subject`.
 * A request that also sends an API key or a token is judged by that credential, not by its certificate.
 */
import type { TlsClientAccessEntry } from '../config/tls-client-access.js';
import { parseAccessClaim, type Access } from './access.js';

/** The parts of a verified peer certificate that identify it (Node's `PeerCertificate` fields). */
export interface PeerIdentity {
  readonly subject?: { readonly CN?: string | readonly string[] } | undefined;
  /** Node's form: `DNS:a.example, URI:spiffe://x/y, IP Address:10.0.0.1, email:a@b`. */
  readonly subjectaltname?: string | undefined;
}

/** A configured mapping, parsed. */
export interface CertAccess {
  readonly identity: string;
  readonly access: Access;
}

/**
 * Parses the configured entries.
 * @throws Error naming the entry when its access is not valid
 */
export function parseCertAccess(entries: readonly TlsClientAccessEntry[]): CertAccess[] {
  return entries.map((e) => {
    try {
      return { identity: e.identity, access: parseAccessClaim(e.access) };
    } catch (err) {
      throw new Error(`service.tls_client_access ${e.identity}: ${err instanceof Error ? err.message : String(err)}`, { cause: err });
    }
  });
}

/** Every identity a certificate presents, in the configuration's spelling (`CN=x`, `DNS:x`, `IP:x`, …). */
export function certIdentities(peer: PeerIdentity): string[] {
  const out: string[] = [];
  const cn = peer.subject?.CN;
  for (const name of typeof cn === 'string' ? [cn] : cn ?? []) out.push(`CN=${name}`);
  for (const part of (peer.subjectaltname ?? '').split(', ')) {
    if (part === '') continue;
    out.push(part.startsWith('IP Address:') ? `IP:${part.slice('IP Address:'.length)}` : part);
  }
  return out;
}

/** The first configured entry matching one of the certificate's identities. */
export function matchCertificate(map: readonly CertAccess[], peer: PeerIdentity): CertAccess | undefined {
  if (map.length === 0) return undefined;
  const presented = new Set(certIdentities(peer));
  return map.find((m) => presented.has(m.identity));
}
