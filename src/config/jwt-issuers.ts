/**
 * The validator of `service.jwt_issuers` (**Quiver**): external identity providers whose asymmetric JWTs are
 * accepted. From the environment it is given as JSON: `QDRANT__SERVICE__JWT_ISSUERS='[{"issuer": …}]'`.
 * The shape is checked here; role values are parsed by the auth layer (the `access` claim format).
 */
import { INVALID, isMapping, objectList } from './spec.js';
import type { Invalid, LeafSpec } from './spec.js';

/** Asymmetric algorithms an issuer may use. HMAC is never accepted from an issuer (only HS256 with the API key). */
export const ISSUER_ALGORITHMS = ['RS256', 'PS256', 'ES256', 'EdDSA'] as const;
export type IssuerAlgorithm = (typeof ISSUER_ALGORITHMS)[number];

/** One trusted identity provider. */
export interface JwtIssuerConfig {
  /** Exact `iss` of its tokens; also how a token is routed to this issuer. */
  readonly issuer: string;
  /** Accepted `aud` values (a token must name one). */
  readonly audience: readonly string[];
  /** A JWKS file (resolved against the working directory), or null. Exactly one of `keys_file`, `jwks_url`. */
  readonly keys_file: string | null;
  /** An http(s) JWKS URL, fetched through the SSRF guard, or null. */
  readonly jwks_url: string | null;
  /** Accepted algorithms (default `[RS256]`); each key is pinned to one of them. */
  readonly algorithms: readonly IssuerAlgorithm[];
  /** Dot path of the claim holding the access (default `access`, Quiver's format; e.g. `realm_access.roles`). */
  readonly access_claim: string;
  /**
   * Role name → access (`"m"`, `"r"` or a list of grants). When set, the access claim is a list of role names and
   * the first role of this map (in its order) that the token carries decides; no known role means no access.
   */
  readonly roles: Readonly<Record<string, unknown>> | null;
  /** Claim copied to the audit `subject` (default `sub`). */
  readonly subject_claim: string;
  /** Allow a `jwks_url` that resolves to a loopback or private address (metadata endpoints are always refused). */
  readonly jwks_allow_private: boolean;
  /** Seconds a fetched key set is used before it is fetched again (default 300). */
  readonly jwks_cache_sec: number;
  /** Least seconds between two fetches, e.g. on an unknown `kid` (default 30). */
  readonly jwks_min_refresh_sec: number;
}

const FIELDS = new Set([
  'issuer', 'audience', 'keys_file', 'jwks_url', 'algorithms', 'access_claim', 'roles', 'subject_claim',
  'jwks_allow_private', 'jwks_cache_sec', 'jwks_min_refresh_sec',
]);

function nonEmpty(v: unknown): v is string {
  return typeof v === 'string' && v.trim() !== '';
}

function seconds(v: unknown, fallback: number): number | Invalid {
  if (v === undefined || v === null) return fallback;
  return Number.isSafeInteger(v) && (v as number) >= 0 ? (v as number) : INVALID;
}

function parseIssuer(raw: unknown): JwtIssuerConfig | Invalid {
  if (!isMapping(raw) || !Object.keys(raw).every((k) => FIELDS.has(k))) return INVALID;
  const { issuer, audience, keys_file: keysFile, jwks_url: jwksUrl, algorithms, access_claim: accessClaim, roles, subject_claim: subjectClaim, jwks_allow_private: allowPrivate } = raw;
  if (!nonEmpty(issuer)) return INVALID;
  const audiences = typeof audience === 'string' ? [audience] : audience;
  if (!Array.isArray(audiences) || audiences.length === 0 || !audiences.every(nonEmpty)) return INVALID;
  const file = keysFile ?? null;
  const url = jwksUrl ?? null;
  if ((file === null) === (url === null)) return INVALID;
  if (file !== null && !nonEmpty(file)) return INVALID;
  if (url !== null && (!nonEmpty(url) || !/^https?:\/\//.test(url) || !URL.canParse(url))) return INVALID;
  const algs = algorithms ?? ['RS256'];
  if (!Array.isArray(algs) || algs.length === 0 || !algs.every((a) => (ISSUER_ALGORITHMS as readonly unknown[]).includes(a))) return INVALID;
  if (accessClaim !== undefined && accessClaim !== null && !nonEmpty(accessClaim)) return INVALID;
  if (subjectClaim !== undefined && subjectClaim !== null && !nonEmpty(subjectClaim)) return INVALID;
  if (roles !== undefined && roles !== null && !isMapping(roles)) return INVALID;
  if (allowPrivate !== undefined && allowPrivate !== null && typeof allowPrivate !== 'boolean') return INVALID;
  const cacheSec = seconds(raw['jwks_cache_sec'], 300);
  const minRefreshSec = seconds(raw['jwks_min_refresh_sec'], 30);
  if (cacheSec === INVALID || minRefreshSec === INVALID) return INVALID;
  return {
    issuer,
    audience: audiences,
    keys_file: file,
    jwks_url: url,
    algorithms: [...new Set(algs as IssuerAlgorithm[])],
    access_claim: typeof accessClaim === 'string' ? accessClaim : 'access',
    roles: isMapping(roles) ? { ...roles } : null,
    subject_claim: typeof subjectClaim === 'string' ? subjectClaim : 'sub',
    jwks_allow_private: allowPrivate === true,
    jwks_cache_sec: cacheSec,
    jwks_min_refresh_sec: minRefreshSec,
  };
}

/** `service.jwt_issuers`: a list of issuers (JSON text from the environment); issuers must be distinct. */
export function jwtIssuers(): LeafSpec<JwtIssuerConfig[]> {
  return objectList(
    'a list of {issuer, audience, keys_file | jwks_url, algorithms: [RS256 | PS256 | ES256 | EdDSA], access_claim, roles, subject_claim}',
    (item, accepted: readonly JwtIssuerConfig[]) => {
      const parsed = parseIssuer(item);
      return parsed === INVALID || accepted.some((o) => o.issuer === parsed.issuer) ? INVALID : parsed;
    },
  );
}
