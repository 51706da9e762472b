/**
 * What a credential may do (Qdrant's `Access`), the requirement an operation places on it (Qdrant's
 * `AccessRequirements`), and the one comparison between the two. Pure logic: no I/O, no HTTP.
 *
 * The model, unchanged from Qdrant: global `m` satisfies every requirement, global `r` only reads;
 * per collection `rw` reads, writes and touches extras (snapshots, payload indexes, vector names, cluster
 * info), `prw` reads and writes points but not extras, `r` reads (extras included). Manage is never granted
 * per collection.
 */
import { AppError } from '../errors.js';
import { isObject } from '../json.js';
import { parseFilter } from '../index/filter/parse.js';
import type { Filter } from '../index/filter/types.js';

/** Global access level: `r` read-only, `m` manage (everything). */
export type GlobalLevel = 'r' | 'm';

/** Per-collection access mode: `r` read, `rw` read-write, `prw` points read-write (no extras). */
export type CollectionMode = 'r' | 'rw' | 'prw';

/**
 * One entry of a per-collection access list. **Quiver:** `collection` may be a prefix pattern ending in `*`
 * (`team-a-*`), which grants the mode on every collection, existing or future, whose name starts with the prefix.
 */
export interface CollectionGrant {
  readonly collection: string;
  readonly access: CollectionMode;
  /**
   * **Quiver (tenant tokens):** the grant only reaches the points matching this filter: reads see nothing else
   * and writes cannot leave it. Collection-level operations need a grant without one.
   */
  readonly tenantFilter?: TenantFilter;
}

/** A grant's `tenant_filter`: the claim as given (for round trips) and parsed. */
export interface TenantFilter {
  readonly json: unknown;
  readonly filter: Filter;
}

/** The prefix of a pattern grant (`team-a-*` → `team-a-`), or `undefined` for a grant on one collection. */
export function grantPrefix(grant: CollectionGrant): string | undefined {
  return grant.collection.endsWith('*') ? grant.collection.slice(0, -1) : undefined;
}

/** The rights of an authenticated request. */
export type Access =
  | { readonly kind: 'global'; readonly level: GlobalLevel }
  | { readonly kind: 'collections'; readonly grants: ReadonlyArray<CollectionGrant> };

/**
 * What an operation needs (Qdrant `AccessRequirements`). `write`: change points or collection contents;
 * `manage`: global manage only; `extras`: snapshots, payload indexes, vector names, cluster info — denied to `prw`.
 * `extras` alone (no `write`) is a read of extras: allowed to `r` and `rw`, denied to `prw`.
 */
export interface Requirement {
  readonly write: boolean;
  readonly manage: boolean;
  readonly extras: boolean;
}

/** Plain read: any grant on the collection, or any global level. */
export const READ = { write: false, manage: false, extras: false } as const satisfies Requirement;
/** Read of extras (list/download snapshots, cluster info): `r` and `rw`, not `prw`. */
export const READ_EXTRAS = { write: false, manage: false, extras: true } as const satisfies Requirement;
/** Point writes: `rw` or `prw`. */
export const WRITE = { write: true, manage: false, extras: false } as const satisfies Requirement;
/** Writes to extras (create snapshot, payload index, vector name): `rw` only. */
export const WRITE_EXTRAS = { write: true, manage: false, extras: true } as const satisfies Requirement;
/** Global manage only. */
export const MANAGE = { write: true, manage: true, extras: true } as const satisfies Requirement;

const COLLECTION_MODES: ReadonlySet<string> = new Set<CollectionMode>(['r', 'rw', 'prw']);

/**
 * Full (global manage) access. The reason is not used by the code: it is a mandatory comment at the call
 * site explaining why full access is granted (Qdrant `Access::full("Internal API")`).
 */
export function fullAccess(_reason: string): Access {
  return { kind: 'global', level: 'm' };
}

/** Global read-only access, with the same mandatory reason as {@link fullAccess}. */
export function readOnlyAccess(_reason: string): Access {
  return { kind: 'global', level: 'r' };
}

/**
 * Parses the `access` claim format shared by JWTs and the named keys file: `"r"`, `"m"`, or
 * `[{collection, access: "r" | "rw" | "prw"}]`. A collection may appear once. A grant carrying the
 * deprecated `payload` constraint is rejected (Qdrant keeps it only so old tokens cannot become valid).
 * Unknown fields inside a grant are ignored, as Qdrant does.
 * @throws AppError `BAD_INPUT` describing the first problem; the message never contains a secret.
 * @example parseAccessClaim([{ collection: 'docs', access: 'rw' }])
 */
export function parseAccessClaim(json: unknown): Access {
  if (json === 'r' || json === 'm') return { kind: 'global', level: json };
  if (!Array.isArray(json)) {
    throw new AppError('BAD_INPUT', ['access must be "r", "m" or a list of {collection, access}']);
  }
  const seen = new Set<string>();
  const grants: CollectionGrant[] = [];
  json.forEach((item: unknown, i) => {
    if (!isObject(item)) throw new AppError('BAD_INPUT', [`access[${i}] must be an object {collection, access}`]);
    const { collection, access, payload, tenant_filter: tenantJson } = item;
    if (typeof collection !== 'string' || collection === '') {
      throw new AppError('BAD_INPUT', [`access[${i}].collection must be a non-empty string`]);
    }
    // Collection names never contain `*`, so a pattern cannot be mistaken for a name.
    const star = collection.indexOf('*');
    if (star !== -1 && (star !== collection.length - 1 || star === 0)) {
      throw new AppError('BAD_INPUT', [`access[${i}].collection: a pattern is a non-empty prefix followed by one final *, like "team-a-*"`]);
    }
    if (typeof access !== 'string' || !COLLECTION_MODES.has(access)) {
      throw new AppError('BAD_INPUT', [`access[${i}].access must be "r", "rw" or "prw"`]);
    }
    if (payload !== undefined && payload !== null) {
      throw new AppError('BAD_INPUT', [`access[${i}].payload: the payload constraint is deprecated and not accepted`]);
    }
    if (seen.has(collection)) {
      throw new AppError('BAD_INPUT', [`access: collection ${collection} appears more than once`]);
    }
    seen.add(collection);
    grants.push(tenantJson === undefined || tenantJson === null
      ? { collection, access: access as CollectionMode }
      : { collection, access: access as CollectionMode, tenantFilter: parseTenantFilter(tenantJson, i) });
  });
  return { kind: 'collections', grants };
}

function parseTenantFilter(json: unknown, i: number): TenantFilter {
  if (!isObject(json)) throw new AppError('BAD_INPUT', [`access[${i}].tenant_filter must be a filter object`]);
  try {
    return { json, filter: parseFilter(json) };
  } catch (e) {
    throw new AppError('BAD_INPUT', [`access[${i}].tenant_filter: ${e instanceof Error ? e.message : String(e)}`]);
  }
}

/** One grant in claim form. */
export interface GrantClaim {
  collection: string;
  access: CollectionMode;
  tenant_filter?: unknown;
}

/** The claim form of an access (inverse of {@link parseAccessClaim}), for JWT payloads and the keys file. */
export function accessToClaim(access: Access): GlobalLevel | GrantClaim[] {
  return access.kind === 'global'
    ? access.level
    : access.grants.map((g) => (g.tenantFilter === undefined
      ? { collection: g.collection, access: g.access }
      : { collection: g.collection, access: g.access, tenant_filter: g.tenantFilter.json }));
}

/** A short human form for CLI output: `m`, `r`, or `docs:rw,logs:r` (`(none)` for an empty list). */
export function formatAccess(access: Access): string {
  if (access.kind === 'global') return access.level;
  if (access.grants.length === 0) return '(none)';
  return access.grants.map((g) => `${g.collection}:${g.access}${g.tenantFilter === undefined ? '' : '(tenant)'}`).join(',');
}

/**
 * The grant that applies to `collection`, if the access is per collection and one does: the grant naming it
 * exactly, else the prefix pattern with the longest matching prefix (the most specific one wins, so
 * `[{team-*: r}, {team-a-*: rw}]` gives `team-a-x` rw and `team-b-x` r, and an exact `{team-a-x: r}` beats both).
 * `collection` is a real collection name: aliases are resolved before, so a pattern matching an alias's name
 * grants nothing unless it matches the collection behind it.
 */
export function grantFor(access: Access, collection: string): CollectionGrant | undefined {
  if (access.kind !== 'collections') return undefined;
  let best: CollectionGrant | undefined;
  let bestLength = -1;
  for (const g of access.grants) {
    if (g.collection === collection) return g;
    const prefix = grantPrefix(g);
    if (prefix !== undefined && collection.startsWith(prefix) && prefix.length > bestLength) {
      best = g;
      bestLength = prefix.length;
    }
  }
  return best;
}

function globalLevelDenial(level: GlobalLevel, need: Requirement): string | undefined {
  return (need.write || need.manage) && level === 'r' ? 'Global manage access is required' : undefined;
}

/**
 * Why `access` may not run a global operation needing `need`, or `undefined` when it may
 * (Qdrant `check_global_access`). Reasons are Qdrant's texts, without the `Forbidden: ` prefix.
 */
export function globalDenial(access: Access, need: Requirement): string | undefined {
  if (access.kind === 'collections') return 'Global access is required';
  return globalLevelDenial(access.level, need);
}

/**
 * Why `access` may not use `collection` with `need`, or `undefined` when it may (Qdrant
 * `check_collection_access`). Checks run in Qdrant's order: grant present, extras (prw), write (r), manage.
 * @param collection - the real collection name the grant must list (aliases already resolved)
 * @param shownAs - the name to put in the reason: the one the client sent, so a reason never reveals an
 *   alias target the client was not told about. Defaults to `collection`.
 */
export function collectionDenial(
  access: Access,
  collection: string,
  need: Requirement,
  shownAs: string = collection,
): string | undefined {
  if (access.kind === 'global') return globalLevelDenial(access.level, need);
  const grant = grantFor(access, collection);
  if (grant === undefined) return `Access to collection ${shownAs} is required`;
  if (need.extras && grant.access === 'prw') return `Only points access is allowed for collection ${shownAs}`;
  if (need.write && grant.access === 'r') return `Write access to collection ${shownAs} is required`;
  // Not naming the collection: manage may be granted globally, never per collection (Qdrant).
  if (need.manage) return 'Manage access for this operation is required';
  return undefined;
}

/** The tenant filter confining `access` on `collection` (a real collection name), if its grant has one. */
export function tenantFilterFor(access: Access, collection: string): Filter | undefined {
  return grantFor(access, collection)?.tenantFilter?.filter;
}

/** True when `access` may read points of `collection`. */
export function canRead(access: Access, collection: string): boolean {
  return collectionDenial(access, collection, READ) === undefined;
}

/** True when `access` may write points of `collection` (`rw`, `prw` or global manage). */
export function canWrite(access: Access, collection: string): boolean {
  return collectionDenial(access, collection, WRITE) === undefined;
}

/** True when `access` may change extras of `collection` (snapshots, payload indexes): `rw` or global manage. */
export function canWriteExtras(access: Access, collection: string): boolean {
  return collectionDenial(access, collection, WRITE_EXTRAS) === undefined;
}

/** True when `access` is global manage. */
export function canManage(access: Access): boolean {
  return globalDenial(access, MANAGE) === undefined;
}
