/**
 * Granular access tokens (Qdrant's JWT RBAC): HS256 only, signed with `service.api_key` (or `alt_api_key`
 * during a rotation), `exp` optional with 30 s leeway, claims `access`, `value_exists`, `subject`.
 *
 * The signature is checked with jose's `compactVerify` pinned to HS256; the claims are checked here rather
 * than by `jwtVerify`, because Qdrant's rules differ from jose's defaults: `nbf`, `iat`, `aud`, `iss` are not
 * checked, `exp` must be an unsigned integer and expires only when `exp < now - 30` (jose expires at `<=`).
 */
import type { webcrypto } from 'node:crypto';
import { compactVerify, errors, SignJWT } from 'jose';
import { accessToClaim, fullAccess, parseAccessClaim, type Access } from './access.js';
import { AuthFailure } from './auth-failure.js';
import { isObject } from '../json.js';
import { hasDuplicateKeys } from './json-duplicate-keys.js';

/** Clock-skew allowance on `exp`, in seconds (Qdrant's `validation.leeway`). */
export const JWT_LEEWAY_SECONDS = 30;

/** The only accepted algorithm. Any other `alg`, `none` included, is refused before the signature is read. */
const ALGORITHMS = ['HS256'];

/** A payload value a `value_exists` match can require (Qdrant `ValueVariants`: string, integer, bool). */
export type MatchValue = string | number | boolean;

/** `value_exists`: the token is valid only while some point of `collection` has all these payload values. */
export interface ValueExistsClaim {
  readonly collection: string;
  readonly matches: ReadonlyArray<{ readonly key: string; readonly value: MatchValue }>;
}

/** The claims of a verified token, as Quiver uses them. */
export interface VerifiedClaims {
  readonly access: Access;
  /** Copied into audit events. Not used for authorization (neither is `sub`). */
  readonly subject?: string;
  readonly valueExists?: ValueExistsClaim;
}

/** A verification key: a non-extractable WebCrypto HMAC key. */
export type JwtKey = webcrypto.CryptoKey;

const encoder = new TextEncoder();

/**
 * Imports an API key as a non-extractable HMAC-SHA-256 verification key: the credential store keeps this
 * object instead of the key's text.
 */
export async function importJwtSecret(secret: string): Promise<JwtKey> {
  const raw = encoder.encode(secret);
  try {
    return await crypto.subtle.importKey('raw', raw, { name: 'HMAC', hash: 'SHA-256' }, false, ['verify']);
  } finally {
    raw.fill(0);
  }
}

function invalid(): AuthFailure {
  return new AuthFailure('AUTH_INVALID');
}

function isMatchValue(v: unknown): v is MatchValue {
  return typeof v === 'string' || typeof v === 'boolean' || Number.isSafeInteger(v);
}

/** Parses `value_exists`; `undefined` when the claim is malformed. */
function parseValueExists(v: Record<string, unknown>): ValueExistsClaim | undefined {
  const { collection, matches } = v;
  if (typeof collection !== 'string' || !Array.isArray(matches)) return undefined;
  const parsed: Array<{ key: string; value: MatchValue }> = [];
  for (const m of matches) {
    if (!isObject(m) || typeof m['key'] !== 'string' || m['key'] === '' || !isMatchValue(m['value'])) return undefined;
    parsed.push({ key: m['key'], value: m['value'] });
  }
  return { collection, matches: parsed };
}

/**
 * True when each of the token's three segments is canonical base64url: the URL-safe alphabet, no `=` padding, zero
 * trailing bits — the one spelling of its bytes, so one token has one spelling.
 */
export function isCanonicalJwt(token: string): boolean {
  const parts = token.split('.');
  return parts.length === 3 && parts.every((p) => /^[A-Za-z0-9_-]*$/.test(p) && Buffer.from(p, 'base64url').toString('base64url') === p);
}

/** True when the protected header is JSON that repeats a key (`{"alg":"none","alg":"HS256"}`). */
export function headerRepeatsKey(token: string): boolean {
  const text = Buffer.from(token.slice(0, token.indexOf('.')), 'base64url').toString('utf8');
  try {
    JSON.parse(text);
  } catch {
    return false; // not JSON: jose refuses it
  }
  return hasDuplicateKeys(text);
}

/**
 * Checks the claims of a token whose signature is valid, the way Qdrant deserializes and validates them.
 * @throws AuthFailure 401 for malformed claims (including the deprecated `payload` grant), 403 when expired.
 */
function checkClaims(payload: Uint8Array, now: Date): VerifiedClaims {
  let claims: unknown;
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(payload);
    claims = JSON.parse(text);
  } catch {
    throw invalid();
  }
  // A repeated claim is refused, not resolved last-wins: one token has one meaning.
  if (!isObject(claims) || hasDuplicateKeys(text)) throw invalid();
  const { exp, sub, subject, access, value_exists: valueExists } = claims;

  if (exp !== undefined && exp !== null) {
    if (!Number.isSafeInteger(exp) || (exp as number) < 0) throw invalid();
    if ((exp as number) < Math.floor(now.getTime() / 1000) - JWT_LEEWAY_SECONDS) {
      throw new AuthFailure('JWT_EXPIRED');
    }
  }
  // `sub` is not used, but Qdrant rejects a token whose `sub` is not a string.
  if (sub !== undefined && sub !== null && typeof sub !== 'string') throw invalid();
  if (subject !== undefined && subject !== null && typeof subject !== 'string') throw invalid();

  let parsedAccess: Access;
  try {
    parsedAccess = access === undefined ? fullAccess('JWT without an access claim means manage') : parseAccessClaim(access);
  } catch {
    throw invalid();
  }

  let parsedValueExists: ValueExistsClaim | undefined;
  if (valueExists !== undefined && valueExists !== null) {
    parsedValueExists = isObject(valueExists) ? parseValueExists(valueExists) : undefined;
    if (parsedValueExists === undefined) throw invalid();
  }

  return {
    access: parsedAccess,
    ...(typeof subject === 'string' ? { subject } : {}),
    ...(parsedValueExists === undefined ? {} : { valueExists: parsedValueExists }),
  };
}

/**
 * Verifies a JWT against each key in order (api_key, then alt_api_key) and returns its claims.
 * @param keys - from {@link importJwtSecret}; empty means JWTs are not accepted
 * @throws AuthFailure 401 `Invalid API key or JWT` for no keys, a malformed token, any `alg` but HS256, or bad
 *   claims; 403 `InvalidSignature` when no key verifies it; 403 `ExpiredSignature` past `exp` + 30 s.
 */
export async function verifyJwt(token: string, keys: readonly JwtKey[], now: Date = new Date()): Promise<VerifiedClaims> {
  if (keys.length === 0 || !isCanonicalJwt(token) || headerRepeatsKey(token)) throw invalid();
  for (const key of keys) {
    let payload: Uint8Array;
    try {
      ({ payload } = await compactVerify(token, key, { algorithms: ALGORITHMS }));
    } catch (e) {
      if (e instanceof errors.JWSSignatureVerificationFailed) continue;
      // Not a JWS, a refused alg, or a header jose cannot use: the same answer for every key.
      throw invalid();
    }
    return checkClaims(payload, now);
  }
  throw new AuthFailure('JWT_BAD_SIGNATURE');
}

/** What {@link mintJwt} puts in a token. */
export interface MintOptions {
  /** Omitted: the claim is left out, which means manage. */
  readonly access?: Access;
  /** Lifetime from `now`, in seconds. Omitted: the token never expires. */
  readonly expSeconds?: number;
  readonly subject?: string;
  readonly valueExists?: ValueExistsClaim;
}

/**
 * Mints an HS256 token signed with `secret` (the configured `service.api_key`).
 * @example await mintJwt(apiKey, { access: { kind: 'global', level: 'r' }, expSeconds: 3600 })
 */
export async function mintJwt(secret: string, options: MintOptions, now: Date = new Date()): Promise<string> {
  const claims: Record<string, unknown> = {};
  if (options.access !== undefined) claims['access'] = accessToClaim(options.access);
  if (options.subject !== undefined) claims['subject'] = options.subject;
  if (options.valueExists !== undefined) {
    claims['value_exists'] = {
      collection: options.valueExists.collection,
      matches: options.valueExists.matches.map((m) => ({ key: m.key, value: m.value })),
    };
  }
  if (options.expSeconds !== undefined) claims['exp'] = Math.floor(now.getTime() / 1000) + Math.floor(options.expSeconds);
  const key = encoder.encode(secret);
  try {
    return await new SignJWT(claims).setProtectedHeader({ alg: 'HS256', typ: 'JWT' }).sign(key);
  } finally {
    key.fill(0);
  }
}
