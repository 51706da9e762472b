/**
 * **Quiver:** the verification keys of one external issuer (`service.jwt_issuers[]`), from a JWKS file or URL.
 *
 * - Every key is pinned to one algorithm: its JWK `alg` (which must be among the issuer's `algorithms`), or, when
 *   absent, the only configured algorithm its key type can use (an RSA key without `alg` while both RS256 and PS256
 *   are configured is ambiguous and skipped). HMAC (`kty: oct`) keys are never imported: a public key can never be
 *   used as an HMAC secret.
 * - A URL set is fetched through the SSRF guard (`src/net/`), cached for `jwks_cache_sec`, fetched again on an
 *   unknown `kid` at most once per `jwks_min_refresh_sec`, and when a fetch fails the last good set stays in use.
 */
import { lookup as dnsLookup } from 'node:dns/promises';
import { isIP } from 'node:net';
import { importJWK, type JWK } from 'jose';
import type { IssuerAlgorithm, JwtIssuerConfig } from '../config/jwt-issuers.js';
import { classifyAddress } from '../net/url-guard.js';
import { pinnedGet } from '../net/pinned-get.js';
import { readFileIfExists } from '../storage/fs.js';

/** A verification key with the one algorithm it may verify. */
export interface PinnedKey {
  readonly kid: string | undefined;
  readonly alg: IssuerAlgorithm;
  readonly key: Awaited<ReturnType<typeof importJWK>>;
}

/** Largest JWKS document accepted, in bytes. */
const MAX_JWKS_BYTES = 1024 * 1024;
const FETCH_TIMEOUT_MS = 5000;

function pinnedAlgorithm(jwk: Record<string, unknown>, allowed: readonly IssuerAlgorithm[]): IssuerAlgorithm | undefined {
  if (jwk['use'] !== undefined && jwk['use'] !== 'sig') return undefined;
  const byType: readonly IssuerAlgorithm[] =
    jwk['kty'] === 'RSA' ? ['RS256', 'PS256']
      : jwk['kty'] === 'EC' && jwk['crv'] === 'P-256' ? ['ES256']
        : jwk['kty'] === 'OKP' && jwk['crv'] === 'Ed25519' ? ['EdDSA']
          : [];
  const usable = byType.filter((a) => allowed.includes(a));
  if (typeof jwk['alg'] === 'string') return usable.find((a) => a === jwk['alg']);
  return usable.length === 1 ? usable[0] : undefined;
}

/**
 * Imports the usable keys of a JWKS document (`{keys: [...]}`).
 * @returns the keys and a description of each key skipped (never key material)
 * @throws Error when the document is not a JWKS
 */
export async function importKeySet(doc: unknown, allowed: readonly IssuerAlgorithm[]): Promise<{ keys: PinnedKey[]; skipped: string[] }> {
  const list = typeof doc === 'object' && doc !== null ? (doc as { keys?: unknown }).keys : undefined;
  if (!Array.isArray(list)) throw new Error('not a JWKS document (no "keys" list)');
  const keys: PinnedKey[] = [];
  const skipped: string[] = [];
  for (const [i, raw] of (list as unknown[]).entries()) {
    if (typeof raw !== 'object' || raw === null) continue;
    const jwk = raw as Record<string, unknown>;
    const kid = typeof jwk['kid'] === 'string' ? jwk['kid'] : undefined;
    const alg = pinnedAlgorithm(jwk, allowed);
    if (alg === undefined || 'd' in jwk) {
      skipped.push(`key ${kid ?? `#${i}`}: no single configured algorithm fits it (or it is private or not a signing key)`);
      continue;
    }
    try {
      keys.push({ kid, alg, key: await importJWK({ ...(jwk as JWK), alg }, alg) });
    } catch {
      skipped.push(`key ${kid ?? `#${i}`}: cannot be imported as ${alg}`);
    }
  }
  return { keys, skipped };
}

/**
 * Fetches a JWKS URL: the host's addresses must all be public (or loopback / private with `allowPrivate`; cloud
 * metadata, link-local and reserved addresses never), the connection goes to the checked address, no redirects,
 * at most 1 MiB within 5 s.
 */
export async function fetchJwks(url: URL, allowPrivate: boolean): Promise<unknown> {
  const host = url.hostname.replace(/^\[|\]$/g, '');
  const literal = isIP(host);
  const addresses = literal !== 0 ? [{ address: host, family: literal }] : await dnsLookup(host, { all: true, verbatim: true });
  const first = addresses[0];
  if (first === undefined) throw new Error(`cannot resolve ${host}`);
  for (const a of addresses) {
    const cls = classifyAddress(a.address);
    if (cls !== 'public' && !(allowPrivate && (cls === 'loopback' || cls === 'private'))) {
      throw new Error(`the JWKS host ${host} resolves to a ${cls} address (jwks_allow_private allows loopback and private ones)`);
    }
  }
  const signal = AbortSignal.timeout(FETCH_TIMEOUT_MS);
  const res = await pinnedGet(url, first, { accept: 'application/json', 'user-agent': 'quiver-jwks' }, undefined, signal);
  try {
    if (res.statusCode !== 200) throw new Error(`the JWKS URL answered HTTP ${res.statusCode ?? 0}`);
    const chunks: Buffer[] = [];
    let n = 0;
    for await (const chunk of res) {
      n += (chunk as Buffer).length;
      if (n > MAX_JWKS_BYTES) throw new Error('the JWKS document is larger than 1 MiB');
      chunks.push(chunk as Buffer);
    }
    return JSON.parse(Buffer.concat(chunks).toString('utf8')) as unknown;
  } finally {
    res.destroy();
  }
}

/** What a key source needs from outside; tests substitute the clock and the fetch. */
export interface KeySourceDeps {
  readonly now: () => number;
  readonly fetch: (url: URL, allowPrivate: boolean) => Promise<unknown>;
  readonly warn: (message: string) => void;
}

/** The keys of one issuer, loaded lazily and refreshed as described above. */
export class KeySource {
  readonly #config: JwtIssuerConfig;
  readonly #deps: KeySourceDeps;
  #keys: readonly PinnedKey[] = [];
  #fetchedAt = -Infinity;
  #attemptedAt = -Infinity;
  #inflight: Promise<void> | undefined;

  constructor(config: JwtIssuerConfig, deps: KeySourceDeps) {
    this.#config = config;
    this.#deps = deps;
  }

  /** Fetches performed so far (for tests and diagnostics). */
  fetches = 0;

  /** The key for a token header, refreshing the set when it is stale or the `kid` is unknown (rate-limited). */
  async keyFor(kid: string | undefined, alg: string): Promise<PinnedKey | undefined> {
    const now = this.#deps.now();
    const stale = now - this.#fetchedAt > this.#config.jwks_cache_sec * 1000;
    let found = this.#find(kid, alg);
    if (found === undefined || stale) {
      if (now - this.#attemptedAt >= this.#config.jwks_min_refresh_sec * 1000 || this.#fetchedAt === -Infinity) await this.#refresh();
      found = this.#find(kid, alg);
    }
    return found;
  }

  #find(kid: string | undefined, alg: string): PinnedKey | undefined {
    // A token without `kid` is accepted only when the issuer has exactly one key for its algorithm.
    const candidates = this.#keys.filter((k) => k.alg === alg && (kid === undefined || k.kid === kid));
    return kid === undefined && candidates.length !== 1 ? undefined : candidates[0];
  }

  #refresh(): Promise<void> {
    this.#inflight ??= this.#load().finally(() => {
      this.#inflight = undefined;
    });
    return this.#inflight;
  }

  async #load(): Promise<void> {
    this.#attemptedAt = this.#deps.now();
    const c = this.#config;
    const where = c.jwks_url ?? c.keys_file ?? '';
    try {
      this.fetches += 1;
      let doc: unknown;
      if (c.jwks_url !== null) doc = await this.#deps.fetch(new URL(c.jwks_url), c.jwks_allow_private);
      else {
        const bytes = readFileIfExists(c.keys_file ?? '');
        if (bytes === undefined) throw new Error('the file does not exist');
        doc = JSON.parse(bytes.toString('utf8')) as unknown;
      }
      const { keys, skipped } = await importKeySet(doc, c.algorithms);
      for (const s of skipped) this.#deps.warn(`jwt_issuers ${c.issuer}: ${where}: ${s}`);
      this.#keys = keys;
      this.#fetchedAt = this.#deps.now();
    } catch (e) {
      // The last good set stays in use.
      this.#deps.warn(`jwt_issuers ${c.issuer}: cannot load keys from ${where}: ${e instanceof Error ? e.message : String(e)}; keeping the last good set (${this.#keys.length} keys)`);
    }
  }
}
