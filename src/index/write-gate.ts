/**
 * The publication protocol between the one writing thread (the event loop) and search workers reading the
 * same shared memory (vector rows, presence flags, graph links, index membership): a sequence lock.
 *
 * - `words[EPOCH]` is even while the shared state is stable and odd while the writer changes it. The writer
 *   brackets every change (`begin` / `end`, nestable; only the outermost pair counts): one upsert, one delete,
 *   one slice of a graph build or repair. `end` wakes readers waiting for the write to finish.
 * - Before `end` makes the epoch even again it runs the `onPublish` hooks: an index whose arrays were replaced
 *   (growth, a rebuilt graph) bumps its own layout word there, so a reader that sees the new even epoch also
 *   sees that its copies of the arrays are stale.
 * - A reader (`readStable`) takes an even epoch e0, checks its layout, reads, then loads the epoch again: equal
 *   to e0 means no write overlapped the read, so what it read is exactly the state at epoch e0 (no torn vector,
 *   no half-linked node). Otherwise it retries, and after a few tries gives the work back to the writer's thread.
 *   Atomics are sequentially consistent, so the plain reads of the data cannot move across the two loads.
 *
 * Plain reads that race a write may see garbage (they are discarded), so readers must stay memory-safe on any
 * value: offsets are bounds-checked and exceptions are treated as a failed read.
 */
export const EPOCH = 0;
const WORDS = 2;

export class WriteGate {
  /** Shared with readers: `[EPOCH]` = the sequence. */
  readonly words: Int32Array;
  private depth = 0;
  private readonly hooks = new Set<() => void>();

  constructor() {
    this.words = new Int32Array(new SharedArrayBuffer(WORDS * 4));
  }

  /** The current epoch (even when no write is open). */
  get epoch(): number {
    return Atomics.load(this.words, EPOCH);
  }

  /** Opens a write section (nestable). */
  begin(): void {
    if (this.depth++ === 0) Atomics.add(this.words, EPOCH, 1);
  }

  /** Closes a write section; the outermost close publishes layouts, makes the epoch even and wakes readers. */
  end(): void {
    if (this.depth === 0) throw new Error('WriteGate.end without begin');
    if (--this.depth > 0) return;
    for (const hook of this.hooks) hook();
    Atomics.add(this.words, EPOCH, 1);
    Atomics.notify(this.words, EPOCH);
  }

  /** Runs `fn` as one write section. */
  write<T>(fn: () => T): T {
    this.begin();
    try {
      return fn();
    } finally {
      this.end();
    }
  }

  /** Registers a hook run at the end of every outermost write section (before the epoch turns even). */
  onPublish(hook: () => void): void {
    this.hooks.add(hook);
  }

  offPublish(hook: () => void): void {
    this.hooks.delete(hook);
  }
}

/** Outcome of a guarded read. */
export type StableRead<T> = { readonly ok: true; readonly value: T; readonly epoch: number } | { readonly ok: false; readonly reason: 'busy' | 'layout' | 'stale' };

export interface ReadOptions {
  /** Tries before giving up ('busy'). Default 4. */
  readonly tries?: number;
  /** Longest wait for an open write section to close, per try (ms). Default 50. */
  readonly waitMs?: number;
  /** The read must observe exactly this epoch (it depends on state resolved elsewhere at that epoch). */
  readonly epoch?: number;
  /** True while the reader's copies of the arrays are current (checked after the epoch is taken). */
  readonly layoutCurrent: () => boolean;
}

/**
 * Reader side of the protocol (worker threads): runs `read` against a stable epoch and returns its value with
 * that epoch, or why it could not. `read` may throw on torn input; that counts as an overlapped read.
 */
export function readStable<T>(words: Int32Array, read: () => T, options: ReadOptions): StableRead<T> {
  const tries = options.tries ?? 4;
  const waitMs = options.waitMs ?? 50;
  for (let attempt = 0; attempt < tries; attempt++) {
    const e0 = Atomics.load(words, EPOCH);
    if ((e0 & 1) === 1) {
      Atomics.wait(words, EPOCH, e0, waitMs);
      continue;
    }
    if (options.epoch !== undefined && e0 !== options.epoch) return { ok: false, reason: 'stale' };
    if (!options.layoutCurrent()) return { ok: false, reason: 'layout' };
    let value: T;
    try {
      value = read();
    } catch {
      continue;
    }
    if (Atomics.load(words, EPOCH) === e0) return { ok: true, value, epoch: e0 };
  }
  return { ok: false, reason: 'busy' };
}
