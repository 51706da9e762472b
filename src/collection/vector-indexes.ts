/**
 * The vector indexes of one collection: an HNSW graph per dense (single-vector) name, kept in step with
 * the vector stores, built in the background and persisted next to the data.
 *
 * - Writes only queue vectors (`enqueue`): a queued vector is found by exact scan until the builder has
 *   put it in the graph, so an upsert never waits for the graph and answers stay exact meanwhile.
 * - As in Qdrant, the graph is built only once a vector's data exceeds `optimizer_config.indexing_threshold`
 *   (KiB; 0 disables indexing); below it every search is an exact scan and `indexed_vectors_count` is 0.
 * - The builder works in slices of a few milliseconds and yields to the event loop, so health checks and
 *   small reads keep being answered while 100k vectors are indexed; the collection reports `yellow` then.
 *   While large writes are in flight it gives way to them (`index/foreground-work.ts`): they are acknowledged
 *   at the speed of the write path, and the graph catches up once they stop.
 * - Images are saved (atomically) after builds; on load, vectors written after the image's operation id,
 *   and rows the image does not know, are queued again, so a crash only costs a partial rebuild. A missing
 *   or corrupt image is rebuilt from the stored vectors.
 */
import { join } from 'node:path';
import { HnswIndex, type BuildSliceOptions } from '../index/hnsw/hnsw-index.js';
import type { DenseVectorStore } from '../index/vector-store.js';
import type { WriteGate } from '../index/write-gate.js';
import { foregroundWork } from '../index/foreground-work.js';
import { atomicWriteAsync, readFileIfExists, removePath } from '../storage/fs.js';
import type { DenseVectorSpec } from './config.js';

const IMAGE_MAGIC = 'QVIX1';
/**
 * While large writes are in flight, a background build takes one slice (8 ms) per this many ms at least
 * (`index/foreground-work.ts`); the rest of the time it gives way, and catches up once the writes stop.
 */
const BUILD_MAX_WAIT_MS = 100;

export interface IndexSettings {
  readonly spec: DenseVectorSpec;
  /** `optimizer_config.indexing_threshold` in KiB (null = Qdrant's default 10 000; 0 = never build a graph). */
  readonly indexingThresholdKb: number | null;
}

export interface IndexHost {
  /** Live offsets that hold a vector for `name`. */
  offsetsWithVector(name: string): Iterable<number>;
  /** The operation id that last wrote `offset`. */
  versionAt(offset: number): number;
  lastOperationId(): number;
  readonly log: { warn(message: string): void; info?(message: string): void };
  /** Encryption at rest: images are sealed on save and opened on load (`storage.encryption`). */
  readonly cipher?: ImageCipher | undefined;
}

/** Seals and opens index images (the store's encryption key). */
export interface ImageCipher {
  seal(data: Uint8Array): Uint8Array;
  /** @throws Error when the data is not sealed under this key */
  open(sealed: Uint8Array): Uint8Array;
}

/** A graph build in progress (Qdrant reports it under `GET /collections/{c}/optimizations` → `running`). */
export interface BuildProgress {
  readonly vectorName: string;
  readonly startedAt: Date;
  /** Vectors put in the graph by this build so far. */
  done: number;
  /** Vectors this build has to put in the graph (grows when writes queue more meanwhile). */
  total: number;
}

interface Entry {
  index: HnswIndex;
  settings: IndexSettings;
  /** Cheap fingerprint of the parameters the graph was built with. */
  key: string;
}

function paramsKey(spec: DenseVectorSpec): string {
  return `${spec.distance}/${spec.size}/${spec.hnsw.m}/${spec.hnsw.ef_construct}`;
}

function fileName(name: string): string {
  return `${Buffer.from(name, 'utf8').toString('hex') || 'default'}.hnsw`;
}

export class VectorIndexes {
  private readonly entries = new Map<string, Entry>();
  private running: Promise<void> | undefined;
  /** A graph build (not just an image save) is in progress. */
  private building = false;
  private dirty = false;
  private closed = false;
  private lastSave = 0;
  /** Aborted by `close` / `discard`: a running build stops at the end of its current slice. */
  private readonly stop = new AbortController();
  private progress: BuildProgress | undefined;

  constructor(
    private readonly dir: string,
    private readonly host: IndexHost,
    private readonly gate?: WriteGate,
    private readonly saveIntervalMs = 5000,
  ) {}

  /** The graph build running now, if any. */
  get buildProgress(): Readonly<BuildProgress> | undefined {
    return this.progress;
  }

  get(name: string): HnswIndex | undefined {
    return this.entries.get(name)?.index;
  }

  /** Vectors held by graphs (Qdrant `indexed_vectors_count`). */
  get indexedCount(): number {
    let n = 0;
    for (const { index } of this.entries.values()) if (index.m > 0) n += index.indexedCount;
    return n;
  }

  /** True while queued vectors wait for a graph build (Qdrant status `yellow`). */
  get optimizing(): boolean {
    for (const e of this.entries.values()) if (this.wantsBuild(e)) return true;
    return this.building;
  }

  private thresholdVectors(e: Entry): number {
    const kb = e.settings.indexingThresholdKb ?? 10000;
    if (kb <= 0) return Number.POSITIVE_INFINITY;
    return Math.max(1, Math.floor((kb * 1024) / (e.settings.spec.size * 4)));
  }

  /**
   * Qdrant `indexed_only` searches "only indexed or small segments": the vectors of `name` queued for the
   * graph play the part of Qdrant's appendable segment, skipped only once they reach the indexing
   * threshold themselves. Small queues, and collections below the threshold, are searched in full.
   */
  skipsUnindexed(name: string): boolean {
    const e = this.entries.get(name);
    return e !== undefined && e.index.m > 0 && e.index.pendingCount >= this.thresholdVectors(e);
  }

  private wantsBuild(e: Entry): boolean {
    return e.index.m > 0 && e.index.pendingCount > 0 && e.index.size >= this.thresholdVectors(e);
  }

  /**
   * Makes the set of indexes match the dense vectors of the schema: new names get an index (loaded from
   * its image when one fits), removed names lose theirs, changed parameters rebuild.
   */
  sync(stores: ReadonlyMap<string, DenseVectorStore>, settings: ReadonlyMap<string, IndexSettings>): void {
    for (const [name, e] of this.entries) {
      const s = settings.get(name);
      if (s === undefined || !stores.has(name)) {
        this.entries.delete(name);
        e.index.detach();
        removePath(join(this.dir, fileName(name)));
      } else if (paramsKey(s.spec) !== e.key || stores.get(name) !== e.index.store) {
        this.entries.delete(name);
        e.index.detach();
        removePath(join(this.dir, fileName(name)));
        this.create(name, stores.get(name)!, s, false);
      } else {
        e.settings = s;
      }
    }
    for (const [name, store] of stores) {
      const s = settings.get(name);
      if (s !== undefined && !this.entries.has(name)) this.create(name, store, s, true);
    }
    this.schedule();
  }

  private create(name: string, store: DenseVectorStore, settings: IndexSettings, fromImage: boolean): void {
    const spec = settings.spec;
    const options = { distance: spec.distance, m: spec.hnsw.m, efConstruct: spec.hnsw.ef_construct, fullScanThreshold: spec.hnsw.full_scan_threshold };
    let index: HnswIndex | undefined;
    let savedOp = -1;
    if (fromImage) {
      const stored = readFileIfExists(join(this.dir, fileName(name)));
      if (stored !== undefined) {
        try {
          const bytes = Buffer.from(this.host.cipher === undefined ? stored : this.host.cipher.open(stored));
          const header = bytes.subarray(0, bytes.indexOf(10));
          const meta = JSON.parse(header.toString('utf8')) as { magic: string; op: number; params: string };
          if (meta.magic === IMAGE_MAGIC && meta.params === paramsKey(spec)) {
            index = HnswIndex.load(bytes.subarray(header.length + 1), store, { gate: this.gate });
            savedOp = meta.op;
          }
        } catch (e) {
          this.host.log.warn(`vector index ${name || '(default)'} in ${this.dir} is unreadable (${e instanceof Error ? e.message : String(e)}); rebuilding it from the stored vectors`);
          index = undefined;
        }
      }
    }
    index ??= new HnswIndex(store, { ...options, gate: this.gate });
    // Reconcile with the stored vectors: queue what the image lacks or holds in an older version.
    const live = new Set<number>();
    for (const offset of this.host.offsetsWithVector(name)) {
      live.add(offset);
      if (!index.has(offset) || this.host.versionAt(offset) > savedOp) index.enqueue(offset);
    }
    if (index.size > live.size) {
      for (let o = 0; o < store.size; o++) if (index.has(o) && !live.has(o)) index.delete(o);
    }
    this.entries.set(name, { index, settings, key: paramsKey(spec) });
  }

  /** Records that `offset` now holds a new vector for `name` (or none). */
  changed(name: string, offset: number, present: boolean): void {
    const e = this.entries.get(name);
    if (e === undefined) return;
    if (present) e.index.enqueue(offset);
    else e.index.delete(offset);
    this.dirty = true;
  }

  /** Starts the background builder if any graph has work (idempotent). */
  schedule(): void {
    if (this.running !== undefined || this.closed) return;
    const work = [...this.entries].filter(([, e]) => this.wantsBuild(e) || e.index.needsRepair);
    if (work.length === 0) {
      if (this.dirty) this.running = this.saveWhenDue().finally(() => (this.running = undefined));
      return;
    }
    this.building = true;
    this.running = (async () => {
      for (const [name, e] of work) {
        if (this.closed) break;
        if (this.wantsBuild(e)) await this.build(name, e);
        if (this.closed) break;
        if (e.index.needsRepair) await e.index.repairInBackground(this.sliceOptions());
      }
      this.building = false;
      this.dirty = true;
      await this.saveWhenDue();
    })()
      .catch((err: unknown) => this.host.log.warn(`vector index build failed: ${err instanceof Error ? err.message : String(err)}`))
      .finally(() => {
        this.building = false;
        this.progress = undefined;
        this.running = undefined;
        if (!this.closed) setImmediate(() => this.schedule());
      });
  }

  /** Builds the queued vectors of one graph, logging the start, every ~10 % and the end (or where it stopped). */
  private async build(name: string, e: Entry): Promise<void> {
    const label = name === '' ? 'default vector' : `vector "${name}"`;
    const info = (m: string): void => this.host.log.info?.(m);
    const progress: BuildProgress = { vectorName: name, startedAt: new Date(), done: 0, total: e.index.pendingCount };
    this.progress = progress;
    info(`index build started: ${label}, ${progress.total} vector(s) queued, ${e.index.indexedCount} already indexed`);
    let nextTenth = 1;
    await e.index.buildPending({
      ...this.sliceOptions(),
      onProgress: (_indexed, pending) => {
        progress.total = Math.max(progress.total, progress.done + pending);
        progress.done = progress.total - pending;
        const tenth = Math.floor((progress.done * 10) / Math.max(1, progress.total));
        if (tenth >= nextTenth && tenth < 10) {
          info(`index build: ${label}: ${tenth * 10}% (${progress.done}/${progress.total})`);
          nextTenth = tenth + 1;
        }
      },
    });
    const secs = ((Date.now() - progress.startedAt.getTime()) / 1000).toFixed(1);
    if (e.index.pendingCount > 0 && this.stop.signal.aborted) {
      info(`index build stopped: ${label}: ${progress.done}/${progress.total} after ${secs} s; the graph is saved and the build resumes at the next start`);
    } else {
      info(`index build finished: ${label}: ${progress.done} vector(s) in ${secs} s`);
    }
  }

  /** Background graph work: 8 ms slices, each after giving way to requests; stopped by `close()`. */
  private sliceOptions(): BuildSliceOptions {
    return { sliceMs: 8, signal: this.stop.signal, pause: () => foregroundWork.giveWay(BUILD_MAX_WAIT_MS) };
  }

  /** Resolves when no build is running (tests and benchmarks). */
  async idle(): Promise<void> {
    while (this.running !== undefined) await this.running;
  }

  /**
   * Saves the images now when the last save is `saveIntervalMs` old, else once it is (a timer). Under a steady
   * stream of writes a build round ends every few hundred milliseconds; saving after each one put a whole-graph
   * image write and fsync beside the writes' own fsyncs. A crash loses at most the interval's graph work (the
   * points are in the store; the next start indexes what the image lacks), and `close()` saves at once.
   */
  private async saveWhenDue(): Promise<void> {
    const wait = this.lastSave + this.saveIntervalMs - Date.now();
    if (wait <= 0) return this.save();
    this.saveTimer ??= setTimeout(() => {
      this.saveTimer = undefined;
      this.schedule();
    }, wait).unref();
  }

  private saveTimer: NodeJS.Timeout | undefined;

  /**
   * Writes every index image (atomically, off the event loop), stamped with the last applied operation id.
   * The image is serialised synchronously, so it is consistent with that id.
   */
  async save(): Promise<void> {
    if (!this.dirty) return;
    this.dirty = false;
    this.lastSave = Date.now();
    const op = this.host.lastOperationId();
    const images = [...this.entries].map(([name, e]) => [name, Buffer.concat([Buffer.from(`${JSON.stringify({ magic: IMAGE_MAGIC, op, params: e.key })}\n`), e.index.serialize()])] as const);
    for (const [name, image] of images) {
      try {
        await atomicWriteAsync(join(this.dir, fileName(name)), this.host.cipher === undefined ? image : this.host.cipher.seal(image));
      } catch (err) {
        this.dirty = true;
        this.host.log.warn(`cannot save vector index ${name || '(default)'}: ${err instanceof Error ? err.message : String(err)}`);
      }
    }
  }

  /**
   * Stops building at the end of the current slice and saves the images, partial graphs included: what
   * is still queued is saved as queued, so the next start resumes the build where this one stopped.
   */
  async close(): Promise<void> {
    this.closed = true;
    clearTimeout(this.saveTimer);
    this.stop.abort();
    await this.running;
    await this.save();
  }

  /** Stops any build at the end of its current slice and removes the images (the collection is being deleted). */
  async discard(): Promise<void> {
    this.closed = true;
    clearTimeout(this.saveTimer);
    this.stop.abort();
    await this.running;
    for (const e of this.entries.values()) e.index.detach();
    this.entries.clear();
    removePath(this.dir);
  }
}
