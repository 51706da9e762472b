/**
 * The ONLY place access is decided. `authorize()` reads the operation's row in `ACCESS_TABLE`, resolves
 * aliases, checks every collection the request touches, runs the JWT `value_exists` check, writes exactly one
 * audit event, and returns a pass. Service methods take a pass, never a bare collection name, and only this
 * module can mint one (a module-private symbol brands it; {@link isPass} checks it at run time).
 */
import { AppError } from '../errors.js';
import { collectionDenial, globalDenial, grantFor, READ, tenantFilterFor } from './access.js';
import type { Filter } from '../index/filter/types.js';
import { ACCESS_TABLE, type AccessRule, type OperationName, type ScopeOf } from './access-table.js';
import { auditEvent, type AuditRequestInfo, type AuditSink } from './audit-event.js';
import { AuthFailure } from './auth-failure.js';
import type { Auth } from './authenticate.js';
import type { ValueExistsClaim } from './jwt.js';

/** The compile-time brand of a pass (no value exists: the run-time brand is {@link PassBrand}'s private field). */
declare const PASS: unique symbol;

/** Returns the object it is given, so that a subclass's private fields are added to that object. */
class Stamp {
  constructor(target: object) {
    return target;
  }
}

/**
 * The run-time brand of a pass: a private field that {@link mint} adds to the pass object. No code outside this
 * class can add or read it (a symbol key would be handed to anyone holding a pass by `Object.getOwnPropertySymbols`),
 * and checking it is a property lookup (a WeakSet of every pass cost ~2 µs per request and an ephemeron per pass).
 */
class PassBrand extends Stamp {
  readonly #pass = true;

  static has(value: object): boolean {
    return #pass in value;
  }
}

interface PassBase {
  readonly [PASS]: true;
  /** The operation this pass was issued for. */
  readonly operation: OperationName;
  readonly auth: Auth;
}

/** Permission to run `operation` on one collection (Qdrant `CollectionPass`). */
export interface CollectionPass extends PassBase {
  readonly kind: 'collection';
  /** The real collection name (aliases resolved). */
  readonly collection: string;
  /** The name the client used (the alias, if it used one). */
  readonly requested: string;
  /**
   * Row-level security (tenant tokens): the only points of the collection this pass reaches, or `undefined` for
   * all. The table of contents hands out the collection confined to it.
   */
  readonly tenant: Filter | undefined;
  /**
   * A read pass for a collection this request also reads (`lookup_from`, `with_lookup`, `prefetch`), by the
   * name used in the body.
   * @throws Error when `name` was not among the collections checked for this request (a programming error)
   */
  lookup(name: string): CollectionPass;
}

/**
 * Permission to run a global operation (Qdrant `CollectionMultipass`). Operations such as snapshot recovery
 * act on a collection after a global check: {@link GlobalPass.issue} gives them a pass for it.
 */
export interface GlobalPass extends PassBase {
  readonly kind: 'global';
  /** A pass for `collection` (a real collection name) under this operation. */
  issue(collection: string): CollectionPass;
  /**
   * A pass for the collection the request names (its path collection; an alias is resolved now): for global
   * operations on one collection, such as update collection or shard keys.
   * @throws Error when the request named no collection (a routing bug)
   */
  target(): CollectionPass;
}

/** Permission to run a listing; the answer must be filtered with {@link ListPass.visible}. */
export interface ListPass extends PassBase {
  readonly kind: 'list';
  /** The names, of those given, that this caller may see. */
  visible(names: readonly string[]): string[];
}

/** An open (health) operation: no credential involved. */
export interface OpenPass extends PassBase {
  readonly kind: 'open';
}

/** Any pass. */
export type Pass = CollectionPass | GlobalPass | ListPass | OpenPass;

/** The pass `authorize()` returns for operation `O`, by the scope of its table row. */
export type PassFor<O extends OperationName> = {
  open: OpenPass;
  list: ListPass;
  global: GlobalPass;
  collection: CollectionPass;
}[ScopeOf<O>];

/** What the request targets. */
export interface AuthorizeTarget {
  /** The path collection (or alias), for collection operations and global ones that name a collection. */
  readonly collection?: string | undefined;
  /** The validated request body, for `alsoReads`. */
  readonly body?: unknown;
}

/** Outcome of a `value_exists` lookup: a point matched, none did, or the collection does not exist. */
export type ValueExistsOutcome = 'ok' | 'no_match' | 'no_collection';

/** What `authorize()` needs from the rest of the server. */
export interface AuthorizeDeps {
  /** Alias → collection name; a name that is not an alias comes back unchanged. Must not throw. */
  resolveAlias(name: string): string;
  /** Runs the `value_exists` scroll with internal full access (the token need not read that collection). */
  valueExists(claim: ValueExistsClaim): Promise<ValueExistsOutcome>;
  audit: AuditSink;
  request: AuditRequestInfo;
  /** Clock for audit timestamps; defaults to `new Date()`. */
  now?: () => Date;
}

/** True when `value` is a pass minted by this module (not a look-alike object). */
export function isPass(value: unknown): value is Pass {
  return typeof value === 'object' && value !== null && PassBrand.has(value);
}

function mint<P extends Pass>(pass: Omit<P, typeof PASS>): P {
  new PassBrand(pass);
  return Object.freeze(pass) as unknown as P;
}

function collectionPass(
  auth: Auth,
  operation: OperationName,
  collection: string,
  requested: string,
  lookups: ReadonlyMap<string, string>,
): CollectionPass {
  return mint<CollectionPass>({
    kind: 'collection',
    operation,
    auth,
    collection,
    requested,
    tenant: tenantFilterFor(auth.access, collection),
    lookup(name: string): CollectionPass {
      const resolved = lookups.get(name);
      if (resolved === undefined) throw new Error(`no read access was checked for collection ${name} in ${operation}`);
      return collectionPass(auth, operation, resolved, name, new Map());
    },
  });
}

/**
 * Distributed mode: a pass for a point read that another node of the cluster authorized and audited for its
 * client, and sent here (over the cluster's NATS account) for the shards this node holds. Only point reads
 * (`rowLevel` read rules) get one; `confine` is the client's tenant filter (if any) combined with the shards
 * asked for (undefined: neither applies), so the read reaches nothing else. A lookup of another collection (`lookup_from`, `with_lookup`) is
 * refused: the asking node would have to vouch for it.
 * @throws Error for an operation that is not a point read (a programming error)
 */
export function peerReadPass(operation: OperationName, collection: string, confine: Filter | undefined): CollectionPass {
  const rule: AccessRule = ACCESS_TABLE[operation];
  if (rule.scope !== 'collection' || rule.need !== READ || !('rowLevel' in rule)) throw new Error(`${operation} is not a point read`);
  return mint<CollectionPass>({
    kind: 'collection',
    operation,
    auth: { type: 'None', access: { kind: 'collections', grants: [{ collection, access: 'r' }] } },
    collection,
    requested: collection,
    tenant: confine,
    lookup(name: string): CollectionPass {
      throw new AppError('UNAVAILABLE', [`a read fanned out to the nodes holding the shards of ${collection} cannot read collection ${name} as well (lookup_from / with_lookup): use a collection held whole by the node the client talks to`]);
    },
  });
}

/**
 * The names, of `names`, that `auth` may see in a listing: all for global access, the granted ones for a
 * collection-scoped credential.
 */
export function filterVisibleCollections(auth: Auth, names: readonly string[]): string[] {
  return auth.access.kind === 'global' ? [...names] : names.filter((n) => grantFor(auth.access, n) !== undefined);
}

/**
 * Decides whether `auth` may run `operation` on `target`.
 *
 * - `open` operations: returns an {@link OpenPass}; no check, no audit event (health probes are not access
 *   decisions, and Qdrant does not audit them).
 * - Otherwise, in order: the JWT `value_exists` check; the table row (global or collection scope, with the path
 *   collection and every `alsoReads` collection checked after alias resolution); then one audit event,
 *   `ok` or `denied`, awaited before returning or throwing.
 *
 * A collection-scoped credential asking about a collection it has no grant for gets 403 whether or not the
 * collection exists: it never learns existence. Reasons name collections as the client named them, so an
 * alias target is never revealed.
 *
 * @throws AppError `FORBIDDEN` (`Forbidden: <reason>`, JSON 403) when access is denied.
 * @throws AuthFailure 403 (`value_exists` collection missing) or 401 (no matching point), text body
 *   `Invalid JWT, stateful validation failed`.
 * @throws whatever the audit sink or `valueExists` rejects with (a fail-closed sink refuses the request).
 * @throws Error when a collection operation is called without `target.collection` (a routing bug).
 */
export async function authorize<O extends OperationName>(
  auth: Auth,
  operation: O,
  target: AuthorizeTarget,
  deps: AuthorizeDeps,
): Promise<PassFor<O>> {
  const rule: AccessRule = ACCESS_TABLE[operation];
  if (rule.scope === 'open') return mint<OpenPass>({ kind: 'open', operation, auth }) as PassFor<O>;

  // The path collection of a collection operation: as the client named it, and the real one behind an alias.
  let path: { readonly requested: string; readonly real: string } | undefined;
  if (rule.scope === 'collection') {
    if (target.collection === undefined) throw new Error(`authorize: operation ${operation} needs a collection`);
    path = { requested: target.collection, real: deps.resolveAlias(target.collection) };
  }
  const clock = deps.now ?? (() => new Date());
  // With audit off no event is built: this runs on every request.
  const record = deps.audit.discards === true ? (): Promise<void> => Promise.resolve() : (error?: string): Promise<void> =>
    deps.audit.write(auditEvent({
      now: clock(),
      method: operation,
      request: deps.request,
      authType: auth.type,
      subject: auth.subject,
      keyName: auth.keyName,
      // Collection operations are audited under the real collection; global ones under the name as given.
      collection: rule.scope === 'list' ? undefined : path?.real ?? target.collection,
      error,
    }));

  if (auth.valueExists !== undefined) {
    let outcome: ValueExistsOutcome;
    try {
      outcome = await deps.valueExists(auth.valueExists);
    } catch (e) {
      await record('Service error: JWT stateful validation could not run');
      throw e;
    }
    if (outcome !== 'ok') {
      const failure = new AuthFailure(outcome === 'no_collection' ? 'JWT_VALUE_COLLECTION_MISSING' : 'JWT_VALUE_MISSING');
      await record(failure.auditText());
      throw failure;
    }
  }

  // Body collections, by the name used in the body → real name; filled as they are checked.
  const lookups = new Map<string, string>();
  let reason = rule.scope === 'global' ? globalDenial(auth.access, rule.need) : undefined;
  if (path !== undefined) {
    reason = collectionDenial(auth.access, path.real, rule.need, path.requested);
    // A tenant grant reaches its points only: collection-level operations need an unrestricted grant.
    if (reason === undefined && rule.rowLevel !== true && tenantFilterFor(auth.access, path.real) !== undefined) {
      reason = `Access to collection ${path.requested} without a tenant filter is required`;
    }
    for (const name of rule.alsoReads?.(target.body) ?? []) {
      if (reason !== undefined) break;
      if (lookups.has(name)) continue;
      const real = deps.resolveAlias(name);
      lookups.set(name, real);
      reason = collectionDenial(auth.access, real, READ, name);
    }
  }

  if (reason !== undefined) {
    const denied = new AppError('FORBIDDEN', [reason]);
    await record(denied.message);
    throw denied;
  }
  await record();

  if (path !== undefined) return collectionPass(auth, operation, path.real, path.requested, lookups) as PassFor<O>;
  if (rule.scope === 'list') {
    return mint<ListPass>({ kind: 'list', operation, auth, visible: (names) => filterVisibleCollections(auth, names) }) as PassFor<O>;
  }
  return mint<GlobalPass>({
    kind: 'global',
    operation,
    auth,
    issue: (name) => collectionPass(auth, operation, name, name, new Map()),
    target: () => {
      const named = target.collection;
      if (named === undefined) throw new Error(`authorize: operation ${operation} names no collection`);
      return collectionPass(auth, operation, deps.resolveAlias(named), named, new Map());
    },
  }) as PassFor<O>;
}
