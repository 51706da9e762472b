/**
 * The table of contents: every collection and alias of this node, loaded from the store at start and
 * changed durably. Methods that act on one collection take the name resolved by `authorize()` (the
 * pass), never a raw path segment, so aliases are resolved once, where access is decided.
 */
import { randomUUID } from 'node:crypto';
import { AppError, badInput } from '../errors.js';
import type { Store } from '../storage/kv/store.js';
import { Collection, type CollectionDescriptor } from '../collection/collection.js';
import { addVectorName, buildCollectionConfig, removeVectorName, updateCollectionConfig, isCustomSharding, type CollectionDefaults, type JsonObject } from '../collection/config.js';
import type { ShardKey } from '../collection/types.js';
import type { CollectionPass, GlobalPass } from '../auth/authorize.js';

const COLLECTION_PREFIX = 'collection:';
const ALIASES_KEY = 'aliases';

/** Qdrant's collection name rule: 1..255 characters, none of `<>:"/\|?*` or NUL. */
export function validateCollectionName(name: string, what = 'collection name'): void {
  if (name.length === 0 || name.length > 255) throw badInput(`Validation error in path parameters: ${what} must be 1 to 255 characters long`);
  if (/[<>:"/\\|?*\0]/.test(name)) throw badInput(`Validation error in path parameters: ${what} \`${name}\` contains a forbidden character (< > : " / \\ | ? * or NUL)`);
}

export type AliasAction =
  | { readonly create_alias: { collection_name: string; alias_name: string } }
  | { readonly delete_alias: { alias_name: string } }
  | { readonly rename_alias: { old_alias_name: string; new_alias_name: string } };

export class TableOfContent {
  private readonly collections = new Map<string, Collection>();
  private aliases = new Map<string, string>();
  private queue: Promise<unknown> = Promise.resolve();

  private constructor(
    private readonly store: Store,
    private readonly defaults: CollectionDefaults,
  ) {}

  /** Loads every collection and alias from `store`. */
  static load(store: Store, defaults: CollectionDefaults): TableOfContent {
    const toc = new TableOfContent(store, defaults);
    for (const { key, value } of store.meta.entries(COLLECTION_PREFIX)) {
      if (typeof key !== 'string' || !key.startsWith(COLLECTION_PREFIX)) break;
      const name = key.slice(COLLECTION_PREFIX.length);
      toc.collections.set(name, Collection.load(store, value as CollectionDescriptor));
    }
    const aliases = store.meta.get(ALIASES_KEY) as Record<string, string> | undefined;
    toc.aliases = new Map(Object.entries(aliases ?? {}));
    return toc;
  }

  /** Serialises structural changes (create / delete / aliases) with each other. */
  private serial<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.queue.then(fn, fn);
    this.queue = run.catch(() => undefined);
    return run;
  }

  // ---------------------------------------------------------------- lookups

  /** The collection name `name` designates: itself, or the collection an alias points to. */
  resolve(name: string): string {
    return this.collections.has(name) ? name : (this.aliases.get(name) ?? name);
  }

  exists(name: string): boolean {
    return this.collections.has(this.resolve(name));
  }

  /**
   * The collection a pass was minted for.
   * @throws AppError(COLLECTION_NOT_FOUND), naming the collection as the client named it.
   */
  get(pass: CollectionPass): Collection {
    const c = this.collections.get(pass.collection);
    if (c === undefined) throw new AppError('COLLECTION_NOT_FOUND', [pass.requested]);
    return c;
  }

  /**
   * A collection by name WITHOUT an access check: only for the server's own reads (metrics, JWT
   * `value_exists` validation), never with a name from a request that was not authorized.
   */
  uncheckedCollection(name: string, _reason: string): Collection | undefined {
    return this.collections.get(this.resolve(name));
  }

  collectionNames(): string[] {
    return [...this.collections.keys()].sort();
  }

  allAliases(): Array<{ alias_name: string; collection_name: string }> {
    return [...this.aliases.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([alias_name, collection_name]) => ({ alias_name, collection_name }));
  }

  aliasesOf(collection: string): Array<{ alias_name: string; collection_name: string }> {
    return this.allAliases().filter((a) => a.collection_name === collection);
  }

  // ---------------------------------------------------------------- collections

  /**
   * Creates a collection (`PUT /collections/{name}`).
   * @throws AppError(COLLECTION_EXISTS) when the name is taken by a collection or an alias.
   */
  create(_pass: GlobalPass, name: string, body: JsonObject): Promise<boolean> {
    validateCollectionName(name);
    const config = buildCollectionConfig(body, this.defaults);
    return this.serial(async () => {
      if (this.collections.has(name)) throw new AppError('COLLECTION_EXISTS', [name]);
      if (this.aliases.has(name)) throw badInput(`Wrong input: Alias with name \`${name}\` already exists`);
      const descriptor: CollectionDescriptor = { uuid: randomUUID(), config, payloadIndexes: [], shardKeys: [], createdAt: new Date().toISOString() };
      await this.store.commit(() => this.store.meta.put(COLLECTION_PREFIX + name, descriptor));
      this.collections.set(name, Collection.load(this.store, descriptor));
      return true;
    });
  }

  /** Deletes a collection and the aliases pointing to it; false when it does not exist. */
  delete(_pass: GlobalPass, requested: string): Promise<boolean> {
    const name = this.resolve(requested);
    return this.serial(async () => {
      const c = this.collections.get(name);
      if (c === undefined) return false;
      const aliases = new Map([...this.aliases].filter(([, target]) => target !== name));
      await this.store.commit(() => {
        this.store.meta.remove(COLLECTION_PREFIX + name);
        this.store.meta.remove(`collection-state:${c.uuid}`);
        this.store.meta.put(ALIASES_KEY, Object.fromEntries(aliases));
      });
      this.collections.delete(name);
      this.aliases = aliases;
      await this.store.dropTable(Collection.pointsTable(c.uuid));
      return true;
    });
  }

  private async changeDescriptor(pass: CollectionPass, change: (d: CollectionDescriptor) => CollectionDescriptor): Promise<void> {
    const c = this.get(pass);
    await c.updateDescriptor(change, (d) => this.store.meta.put(COLLECTION_PREFIX + pass.collection, d));
  }

  /** `PATCH /collections/{name}`. */
  update(pass: CollectionPass, patch: JsonObject): Promise<void> {
    return this.changeDescriptor(pass, (d) => ({ ...d, config: updateCollectionConfig(d.config, patch) }));
  }

  createVectorName(pass: CollectionPass, vectorName: string, body: JsonObject): Promise<void> {
    return this.changeDescriptor(pass, (d) => ({ ...d, config: addVectorName(d.config, vectorName, body) }));
  }

  deleteVectorName(pass: CollectionPass, vectorName: string): Promise<void> {
    return this.changeDescriptor(pass, (d) => ({ ...d, config: removeVectorName(d.config, vectorName) }));
  }

  /** Creates or replaces the payload index on `field`. */
  createPayloadIndex(pass: CollectionPass, field: string, schema: unknown, validate: (schema: unknown) => void): Promise<void> {
    validate(schema);
    return this.changeDescriptor(pass, (d) => ({
      ...d,
      payloadIndexes: [...d.payloadIndexes.filter((p) => p.field !== field), { field, schema }],
    }));
  }

  deletePayloadIndex(pass: CollectionPass, field: string): Promise<void> {
    return this.changeDescriptor(pass, (d) => ({ ...d, payloadIndexes: d.payloadIndexes.filter((p) => p.field !== field) }));
  }

  // ---------------------------------------------------------------- shard keys

  createShardKey(pass: CollectionPass, key: ShardKey): Promise<void> {
    const c = this.get(pass);
    if (!isCustomSharding(c.config)) throw badInput('Wrong input: Shard key can only be created for collections with custom sharding (sharding_method: custom)');
    return this.changeDescriptor(pass, (d) => {
      if (d.shardKeys.includes(key)) throw new AppError('SHARD_KEY_EXISTS', [String(key)]);
      return { ...d, shardKeys: [...d.shardKeys, key] };
    });
  }

  async deleteShardKey(pass: CollectionPass, key: ShardKey): Promise<void> {
    const c = this.get(pass);
    if (!c.info.shardKeys.includes(key)) throw new AppError('SHARD_KEY_NOT_FOUND', [String(key)]);
    // Points of the shard go with it, as in Qdrant, where the shard's data is dropped.
    const offsets = [...c.liveOffsets([key])];
    const ids = offsets.map((o) => c.idAt(o)!).filter((id) => id !== undefined);
    if (ids.length > 0) await c.update([{ type: 'delete', selector: { kind: 'ids', ids } }], true);
    await this.changeDescriptor(pass, (d) => ({ ...d, shardKeys: d.shardKeys.filter((k) => k !== key) }));
  }

  // ---------------------------------------------------------------- aliases

  /** Applies alias actions atomically: all of them or none. */
  updateAliases(_pass: GlobalPass, actions: readonly AliasAction[]): Promise<void> {
    return this.serial(async () => {
      const next = new Map(this.aliases);
      for (const a of actions) {
        if ('create_alias' in a) {
          const { collection_name, alias_name } = a.create_alias;
          validateCollectionName(alias_name, 'alias name');
          if (!this.collections.has(collection_name)) throw new AppError('COLLECTION_NOT_FOUND', [collection_name]);
          if (this.collections.has(alias_name)) throw badInput(`Wrong input: Collection with name \`${alias_name}\` already exists`);
          next.set(alias_name, collection_name);
        } else if ('delete_alias' in a) {
          if (!next.delete(a.delete_alias.alias_name)) throw new AppError('ALIAS_NOT_FOUND', [a.delete_alias.alias_name]);
        } else {
          const { old_alias_name, new_alias_name } = a.rename_alias;
          const target = next.get(old_alias_name);
          if (target === undefined) throw new AppError('ALIAS_NOT_FOUND', [old_alias_name]);
          validateCollectionName(new_alias_name, 'alias name');
          if (this.collections.has(new_alias_name)) throw badInput(`Wrong input: Collection with name \`${new_alias_name}\` already exists`);
          next.delete(old_alias_name);
          next.set(new_alias_name, target);
        }
      }
      await this.store.commit(() => this.store.meta.put(ALIASES_KEY, Object.fromEntries(next)));
      this.aliases = next;
    });
  }
}
