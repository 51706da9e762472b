/**
 * The cluster's metadata in a JetStream key-value bucket: one key per collection (`c.<name in base64url>`:
 * descriptor, shard count, stream replicas) and one for the alias map (`aliases`). Every change is a
 * compare-and-set on the key's revision (`create` for a new collection), so two nodes cannot create the same
 * collection differently or lose each other's alias changes. Every node watches the bucket and hands each
 * change, in revision order, to its listener; `waitRevision` lets a node that made a change wait until it has
 * applied it itself.
 */
import type { KV, KvEntry } from 'nats';
import { AppError } from '../errors.js';
import type { CollectionDescriptor } from '../collection/descriptor.js';
import type { Placement } from './placement.js';

/** What the bucket holds for one collection. */
export interface CollectionEntry {
  readonly descriptor: CollectionDescriptor;
  /**
   * Set for a collection recovered from a snapshot: every replica starts from its shard's snapshot in the object
   * store (put before the entry), whatever the stream holds.
   */
  readonly seeded?: boolean;
  /** Number of shards (Qdrant `shard_number`); each is one stream. */
  readonly shards: number;
  /** Replicas of each shard's stream: the collection's `replication_factor`, capped by the NATS cluster. */
  readonly replicas: number;
  /** Per shard, the nodes holding it (`placement.ts`); absent: every node holds every shard. */
  readonly placement?: Placement;
}

/** Receives the bucket's changes, in order. */
export interface MetadataListener {
  collection(name: string, entry: CollectionEntry): Promise<void>;
  deleted(name: string): Promise<void>;
  aliases(aliases: ReadonlyMap<string, string>): Promise<void>;
  /** The bucket's content at the time the watch started has been delivered; `names` are its collections. */
  initialized(names: ReadonlySet<string>): Promise<void>;
  /** Revision `revision` is applied here. */
  applied(revision: number): void;
}

const COLLECTION_PREFIX = 'c.';
const ALIASES_KEY = 'aliases';
const CAS_ATTEMPTS = 20;

function collectionKey(name: string): string {
  return COLLECTION_PREFIX + Buffer.from(name, 'utf8').toString('base64url');
}

function nameOfKey(key: string): string | undefined {
  return key.startsWith(COLLECTION_PREFIX) ? Buffer.from(key.slice(COLLECTION_PREFIX.length), 'base64url').toString('utf8') : undefined;
}

function isCasConflict(e: unknown): boolean {
  return e instanceof Error && /wrong last sequence|key exists/i.test(e.message);
}

function encode(value: unknown): Uint8Array {
  return new TextEncoder().encode(JSON.stringify(value));
}

export class ClusterMetadata {
  private appliedRevision = 0;
  private readonly waiters = new Set<{ revision: number; done: () => void }>();
  private readonly known = new Map<string, CollectionEntry>();
  private watching: Promise<void> = Promise.resolve();
  private stopWatch: (() => void) | undefined;
  private closed = false;

  constructor(
    private readonly kv: KV,
    private readonly timeoutMs: number,
  ) {}

  /** The last revision this node applied. */
  get revision(): number {
    return this.appliedRevision;
  }

  /** The entry of collection `name` as this node last applied it. */
  entry(name: string): CollectionEntry | undefined {
    return this.known.get(name);
  }

  /**
   * Starts watching; resolves once the bucket's current content is applied.
   */
  async watch(listener: MetadataListener, log: { warn(message: string): void }): Promise<void> {
    let initialized: () => void = () => undefined;
    const ready = new Promise<void>((resolve) => (initialized = resolve));
    const seen = new Set<string>();
    let initial = true;
    const finishInitial = async (): Promise<void> => {
      if (!initial) return;
      initial = false;
      await listener.initialized(seen);
      initialized();
    };
    const iter = await this.kv.watch({ key: '>', initializedFn: () => undefined });
    this.stopWatch = () => iter.stop();
    // The watch delivers the last entry of every key (delete markers included), so the initial content is complete
    // once the bucket's last sequence at this moment is applied; an empty bucket delivers nothing.
    const lastAtStart = (await this.kv.status()).streamInfo.state.last_seq;
    if (lastAtStart === 0) void finishInitial();
    this.watching = (async () => {
      for await (const e of iter) {
        // A change is applied or retried, never skipped: the node must converge on the metadata.
        for (let attempt = 1; !this.closed; attempt++) {
          try {
            await this.apply(e, listener, seen, initial);
            break;
          } catch (err) {
            log.warn(`metadata ${e.key} revision ${e.revision}: not applied yet (attempt ${attempt}): ${err instanceof Error ? err.message : String(err)}`);
            await new Promise((r) => setTimeout(r, Math.min(2_000, 100 * attempt)));
          }
        }
        this.appliedRevision = Math.max(this.appliedRevision, e.revision);
        if (initial && e.revision >= lastAtStart) await finishInitial();
        for (const w of this.waiters) if (w.revision <= this.appliedRevision) w.done();
        listener.applied(this.appliedRevision);
      }
    })();
    await ready;
  }

  private async apply(e: KvEntry, listener: MetadataListener, seen: Set<string>, initial: boolean): Promise<void> {
    const deleted = e.operation !== 'PUT';
    if (e.key === ALIASES_KEY) {
      await listener.aliases(new Map(Object.entries(deleted ? {} : e.json<Record<string, string>>())));
      return;
    }
    const name = nameOfKey(e.key);
    if (name === undefined) return;
    if (deleted) {
      this.known.delete(name);
      seen.delete(name);
      await listener.deleted(name);
      return;
    }
    const entry = e.json<CollectionEntry>();
    this.known.set(name, entry);
    if (initial) seen.add(name);
    await listener.collection(name, entry);
  }

  async close(): Promise<void> {
    this.closed = true;
    this.stopWatch?.();
    await this.watching;
    for (const w of this.waiters) w.done();
  }

  /**
   * Resolves once this node has applied `revision`.
   * @throws AppError(UNAVAILABLE) after the cluster timeout.
   */
  waitRevision(revision: number): Promise<void> {
    if (this.appliedRevision >= revision) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const waiter = {
        revision,
        done: () => {
          clearTimeout(timer);
          this.waiters.delete(waiter);
          resolve();
        },
      };
      const timer = setTimeout(() => {
        this.waiters.delete(waiter);
        reject(new AppError('UNAVAILABLE', [`the metadata change (revision ${revision}) was stored but not yet applied on this node`]));
      }, this.timeoutMs);
      this.waiters.add(waiter);
    });
  }

  /**
   * Creates collection `name`.
   * @throws AppError(COLLECTION_EXISTS) when the cluster has it (another node may have created it a moment ago).
   */
  async create(name: string, entry: CollectionEntry): Promise<number> {
    let revision: number;
    try {
      revision = await this.kv.create(collectionKey(name), encode(entry));
    } catch (e) {
      if (isCasConflict(e)) throw new AppError('COLLECTION_EXISTS', [name]);
      throw e;
    }
    await this.waitRevision(revision);
    return revision;
  }

  /**
   * Creates collection `name`, or replaces it (another uuid) with compare-and-set.
   * @returns the revision stored and the entry replaced (if any)
   */
  async replace(name: string, entry: CollectionEntry): Promise<{ revision: number; previous: CollectionEntry | undefined }> {
    const key = collectionKey(name);
    for (let attempt = 0; attempt < CAS_ATTEMPTS; attempt++) {
      const current = await this.kv.get(key);
      const exists = current !== null && current.operation === 'PUT';
      let revision: number;
      try {
        revision = exists ? await this.kv.update(key, encode(entry), current.revision) : await this.kv.create(key, encode(entry));
      } catch (e) {
        if (isCasConflict(e)) continue;
        throw e;
      }
      await this.waitRevision(revision);
      return { revision, previous: exists ? current.json<CollectionEntry>() : undefined };
    }
    throw new AppError('UNAVAILABLE', [`collection ${name} changed concurrently ${CAS_ATTEMPTS} times; try again`]);
  }

  /** Deletes collection `name`; its entry as deleted, or undefined when the cluster has no such collection. */
  async delete(name: string): Promise<(CollectionEntry & { revision: number }) | undefined> {
    const key = collectionKey(name);
    for (let attempt = 0; attempt < CAS_ATTEMPTS; attempt++) {
      const current = await this.kv.get(key);
      if (current === null || current.operation !== 'PUT') return undefined;
      try {
        await this.kv.delete(key, { previousSeq: current.revision });
      } catch (e) {
        if (isCasConflict(e)) continue;
        throw e;
      }
      const status = await this.kv.status();
      await this.waitRevision(status.streamInfo.state.last_seq);
      return { ...current.json<CollectionEntry>(), revision: status.streamInfo.state.last_seq };
    }
    throw new AppError('UNAVAILABLE', [`collection ${name} changed concurrently ${CAS_ATTEMPTS} times; try again`]);
  }

  /**
   * Replaces the descriptor of collection `name` by `change(current)` with compare-and-set, re-running `change`
   * on a concurrent change; returns the revision stored.
   * @throws AppError(COLLECTION_NOT_FOUND), or what `change` throws.
   */
  async changeDescriptor(name: string, change: (d: CollectionDescriptor) => CollectionDescriptor): Promise<number> {
    const key = collectionKey(name);
    for (let attempt = 0; attempt < CAS_ATTEMPTS; attempt++) {
      const current = await this.kv.get(key);
      if (current === null || current.operation !== 'PUT') throw new AppError('COLLECTION_NOT_FOUND', [name]);
      const entry = current.json<CollectionEntry>();
      const next: CollectionEntry = { ...entry, descriptor: change(entry.descriptor) };
      let revision: number;
      try {
        revision = await this.kv.update(key, encode(next), current.revision);
      } catch (e) {
        if (isCasConflict(e)) continue;
        throw e;
      }
      await this.waitRevision(revision);
      return revision;
    }
    throw new AppError('UNAVAILABLE', [`collection ${name} changed concurrently ${CAS_ATTEMPTS} times; try again`]);
  }

  /** Replaces the alias map by `change(current)` with compare-and-set. */
  async changeAliases(change: (aliases: ReadonlyMap<string, string>) => Map<string, string>): Promise<void> {
    for (let attempt = 0; attempt < CAS_ATTEMPTS; attempt++) {
      const current = await this.kv.get(ALIASES_KEY);
      const exists = current !== null && current.operation === 'PUT';
      const next = change(new Map(Object.entries(exists ? current.json<Record<string, string>>() : {})));
      const data = encode(Object.fromEntries(next));
      let revision: number;
      try {
        revision = exists ? await this.kv.update(ALIASES_KEY, data, current.revision) : await this.kv.create(ALIASES_KEY, data);
      } catch (e) {
        if (isCasConflict(e)) continue;
        throw e;
      }
      await this.waitRevision(revision);
      return;
    }
    throw new AppError('UNAVAILABLE', [`aliases changed concurrently ${CAS_ATTEMPTS} times; try again`]);
  }
}
