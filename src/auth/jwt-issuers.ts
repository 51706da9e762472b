/**
 * **Quiver:** tokens from external identity providers (`service.jwt_issuers`). A token whose `iss` names a
 * configured issuer is verified here — never with the API key — and every other token goes to the HS256 path
 * (`jwt.ts`), so the two can never be confused: an issuer's token signed with HMAC, or an HS256 token claiming an
 * issuer, is refused.
 *
 * Checked with jose's `jwtVerify`: the signature with the key chosen by `kid` and pinned to one algorithm (`jwks.ts`),
 * `iss` exactly, `aud` among the configured audiences, `exp` / `nbf` with 30 s of leeway. The access comes from
 * `access_claim` (a dot path): Quiver's `access` format, or, with `roles`, a list of role names mapped in the
 * configured order. A token with no access there gets no access (never manage, unlike an HS256 token).
 */
import { decodeJwt, errors, jwtVerify, type JWTPayload, type ProtectedHeaderParameters } from 'jose';
import type { JwtIssuerConfig } from '../config/jwt-issuers.js';
import { parseAccessClaim, type Access } from './access.js';
import { AuthFailure } from './auth-failure.js';
import { hasDuplicateKeys } from './json-duplicate-keys.js';
import { fetchJwks, KeySource, type KeySourceDeps } from './jwks.js';
import { headerRepeatsKey, isCanonicalJwt, JWT_LEEWAY_SECONDS, type VerifiedClaims } from './jwt.js';

const NO_ACCESS: Access = { kind: 'collections', grants: [] };

function invalid(): AuthFailure {
  return new AuthFailure('AUTH_INVALID');
}

/** The value at a dot path (`realm_access.roles`) of the claims, own properties only. */
export function claimAt(claims: unknown, path: string): unknown {
  let value = claims;
  for (const part of path.split('.')) {
    if (typeof value !== 'object' || value === null || Array.isArray(value) || !Object.hasOwn(value, part)) return undefined;
    value = (value as Record<string, unknown>)[part];
  }
  return value;
}

/**
 * The access a verified token's claims give under an issuer's mapping.
 * @throws AuthFailure 401 when the claim is present but malformed
 */
export function mapAccess(config: Pick<JwtIssuerConfig, 'access_claim' | 'roles'>, claims: JWTPayload, roleAccess: ReadonlyMap<string, Access>): Access {
  const value = claimAt(claims, config.access_claim);
  if (value === undefined || value === null) return NO_ACCESS;
  if (config.roles === null) {
    try {
      return parseAccessClaim(value);
    } catch {
      throw invalid();
    }
  }
  const held = new Set(typeof value === 'string' ? [value] : Array.isArray(value) ? value.filter((v): v is string => typeof v === 'string') : []);
  for (const [role, access] of roleAccess) if (held.has(role)) return access;
  return NO_ACCESS;
}

/** One configured issuer, ready to verify. */
interface Issuer {
  readonly config: JwtIssuerConfig;
  readonly keys: KeySource;
  readonly roles: ReadonlyMap<string, Access>;
}

/** The configured issuers. Build once per configuration; reuse across reloads to keep the key caches. */
export class IssuerSet {
  readonly #issuers: ReadonlyMap<string, Issuer>;
  /** The configuration it was built from, to reuse it when a reload does not change it. */
  readonly fingerprint: string;

  /**
   * @throws Error naming the issuer and role when a `roles` value is not a valid access
   */
  constructor(configs: readonly JwtIssuerConfig[], deps: Partial<KeySourceDeps> & Pick<KeySourceDeps, 'warn'>) {
    const full: KeySourceDeps = { now: Date.now, fetch: fetchJwks, ...deps };
    const issuers = new Map<string, Issuer>();
    for (const config of configs) {
      const roles = new Map<string, Access>();
      for (const [role, value] of Object.entries(config.roles ?? {})) {
        try {
          roles.set(role, parseAccessClaim(value));
        } catch (e) {
          throw new Error(`service.jwt_issuers ${config.issuer}: roles.${role}: ${e instanceof Error ? e.message : String(e)}`, { cause: e });
        }
      }
      issuers.set(config.issuer, { config, keys: new KeySource(config, full), roles });
    }
    this.#issuers = issuers;
    this.fingerprint = JSON.stringify(configs);
  }

  get size(): number {
    return this.#issuers.size;
  }

  /**
   * Verifies `token` when its `iss` names a configured issuer.
   * @returns the claims, or `undefined` when the token names no configured issuer (the HS256 path decides)
   * @throws AuthFailure 401 (malformed, wrong algorithm, unknown key, wrong `aud`, bad claims), 403
   *   `InvalidSignature`, 403 `ExpiredSignature`
   */
  async verify(token: string, now: Date): Promise<VerifiedClaims | undefined> {
    if (this.#issuers.size === 0) return undefined;
    let iss: unknown;
    try {
      iss = decodeJwt(token).iss;
    } catch {
      return undefined;
    }
    const issuer = typeof iss === 'string' ? this.#issuers.get(iss) : undefined;
    if (issuer === undefined) return undefined;
    if (!isCanonicalJwt(token) || headerRepeatsKey(token)) throw invalid();
    const payloadText = Buffer.from(token.split('.')[1] ?? '', 'base64url').toString('utf8');
    if (hasDuplicateKeys(payloadText)) throw invalid();
    const c = issuer.config;
    let payload: JWTPayload;
    try {
      ({ payload } = await jwtVerify(token, async (header: ProtectedHeaderParameters) => {
        const key = await issuer.keys.keyFor(header.kid, header.alg ?? '');
        if (key === undefined) throw new errors.JWKSNoMatchingKey();
        return key.key;
      }, { issuer: c.issuer, audience: [...c.audience], algorithms: [...c.algorithms], clockTolerance: JWT_LEEWAY_SECONDS, currentDate: now }));
    } catch (e) {
      if (e instanceof errors.JWSSignatureVerificationFailed) throw new AuthFailure('JWT_BAD_SIGNATURE');
      if (e instanceof errors.JWTExpired) throw new AuthFailure('JWT_EXPIRED');
      throw invalid();
    }
    // value_exists is an HS256 feature; an issuer's token carrying it is refused rather than half-honoured.
    if (payload['value_exists'] !== undefined) throw invalid();
    const subject = claimAt(payload, c.subject_claim);
    return {
      access: mapAccess(c, payload, issuer.roles),
      ...(typeof subject === 'string' && subject !== '' ? { subject } : {}),
    };
  }
}
