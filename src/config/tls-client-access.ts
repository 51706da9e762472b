/**
 * The validator of `service.tls_client_access` (**Quiver**): client certificate identities mapped to access, so
 * that with mTLS on a certificate is the credential. From the environment it is given as JSON:
 * `QDRANT__SERVICE__TLS_CLIENT_ACCESS='[{"identity": "CN=ingest", "access": "r"}]'`. The `access` value is
 * parsed by the auth layer (the `access` claim format).
 */
import { INVALID, isMapping, objectList } from './spec.js';
import type { LeafSpec } from './spec.js';

/** One mapping: a certificate identity and what it may do. */
export interface TlsClientAccessEntry {
  /** `CN=<common name>`, or a subject alternative name: `DNS:<name>`, `URI:<uri>`, `email:<address>`, `IP:<address>`. */
  readonly identity: string;
  /** `"m"`, `"r"` or a list of grants, as in a JWT's `access` claim. */
  readonly access: unknown;
}

const IDENTITY = /^(CN=|DNS:|URI:|email:|IP:)\S/;

/** `service.tls_client_access`: a list of `{identity, access}`; identities must be distinct. */
export function tlsClientAccess(): LeafSpec<TlsClientAccessEntry[]> {
  return objectList('a list of {identity: "CN=…" | "DNS:…" | "URI:…" | "email:…" | "IP:…", access}', (item, accepted: readonly TlsClientAccessEntry[]) => {
    if (!isMapping(item) || Object.keys(item).some((k) => k !== 'identity' && k !== 'access')) return INVALID;
    const { identity, access } = item;
    if (typeof identity !== 'string' || !IDENTITY.test(identity) || access === undefined || accepted.some((o) => o.identity === identity)) return INVALID;
    return { identity, access };
  });
}
