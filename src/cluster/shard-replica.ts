/**
 * This node's replica of one shard: reads the shard's stream in order (a JetStream ordered consumer, which
 * re-creates itself after a server or leader change) and applies every operation to the local collection,
 * storing the stream sequence it applied in the same LMDB transaction as the data. A restart resumes at the
 * stored sequence + 1: nothing is applied twice, nothing skipped.
 *
 * An operation that fails staging (a `set_payload` on a point deleted meanwhile) fails identically on every
 * replica, since each applies the same log to the same state: it changes nothing, and its sequence is stored
 * as applied. A storage failure stops the loop and retries from the stored sequence.
 *
 * A consumer that stops delivering while the stream holds operations this replica has not applied (no message for
 * `stallMs` — seen after the NATS server leading the stream was killed: the ordered consumer neither delivered nor
 * re-created itself for minutes) is closed and created again from the applied sequence + 1.
 *
 * Catch-up: when the stream no longer holds the operation after the stored sequence (compacted behind a
 * snapshot, `compactor.ts`), or a message arrives past a gap, the replica restores the shard from its latest
 * snapshot (`shard-snapshots.ts`) — the shard's points replaced and the snapshot's sequence stored in one LMDB
 * transaction — and consumes the stream from there.
 */
import { DeliverPolicy, type JetStreamClient, type JetStreamManager, type ConsumerMessages } from 'nats';
import { AppError, isAppError } from '../errors.js';
import type { Collection } from '../collection/collection.js';
import type { PointBatch, PointOperation } from '../collection/operation.js';
import type { Store } from '../storage/kv/store.js';
import type { ShardHash } from './shard-router.js';
import { decodeShardMessage } from './shard-message.js';
import type { ShardSnapshots } from './shard-snapshots.js';

export interface ShardReplicaOptions {
  readonly js: JetStreamClient;
  readonly jsm: JetStreamManager;
  readonly snapshots: ShardSnapshots;
  readonly store: Store;
  readonly collection: Collection;
  readonly stream: string;
  readonly shard: number;
  readonly shards: number;
  /** The collection's shard hash (`shardHashOf`). */
  readonly hash: ShardHash;
  /** The collection was recovered from a snapshot: a replica that applied nothing yet starts from the shard's snapshot. */
  readonly seeded: boolean;
  readonly log: { info(message: string): void; warn(message: string): void };
  /** How long a consumer may deliver nothing while the stream holds unapplied operations (default {@link STALL_MS}). */
  readonly stallMs?: number;
}

/** Kinds of errors staging throws for an operation: the same on every replica. */
// `forbidden`: a tenant's write that would leave its tenant in the state at its log position (applied confined).
const REJECTION_KINDS = new Set(['bad_input', 'not_found', 'unprocessable', 'forbidden']);
/** Outcomes kept for `wait=true` writers that look after the replica applied their operation. */
const KEPT_OUTCOMES = 4096;
const RETRY_MS = 250;
/** A consumer that delivered nothing for this long while the stream holds unapplied operations is re-created. */
export const STALL_MS = 5_000;

/** The meta key holding the stream sequence this node applied for one shard of a collection. */
export function appliedKey(uuid: string, shard: number): string {
  return `cluster-applied:${uuid}:${shard}`;
}

/** The replica is behind the stream's first sequence: it needs the snapshot. */
class Behind extends Error {}

export class ShardReplica {
  private appliedSeq: number;
  private stopped = false;
  private messages: ConsumerMessages | undefined;
  private readonly waiters = new Set<{ seq: number; done: () => void }>();
  private readonly outcomes = new Map<number, AppError>();
  private loop: Promise<void> = Promise.resolve();
  /** Applying a message, restoring and capturing a snapshot run one at a time. */
  private exclusive: Promise<unknown> = Promise.resolve();
  private readonly key: string;
  /** When the current consumer last delivered a message (or was created, or was found idle with nothing to deliver). */
  private progressAt = 0;
  /** A message is being applied (however long that takes, the consumer is not stalled). */
  private applying = false;

  constructor(private readonly o: ShardReplicaOptions) {
    this.key = appliedKey(o.collection.uuid, o.shard);
    this.appliedSeq = (o.store.meta.get(this.key) as number | undefined) ?? 0;
  }

  /** The last stream sequence applied here. */
  get applied(): number {
    return this.appliedSeq;
  }

  start(): void {
    this.loop = this.run();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    await this.messages?.close();
    await this.loop;
    for (const w of this.waiters) w.done();
    this.waiters.clear();
  }

  /**
   * Resolves once sequence `seq` is applied here, with the error staging threw for it (if it is still known).
   * @throws AppError(UNAVAILABLE) after `timeoutMs`.
   */
  waitApplied(seq: number, timeoutMs: number): Promise<AppError | undefined> {
    if (this.appliedSeq >= seq) return Promise.resolve(this.outcomes.get(seq));
    return new Promise((resolve, reject) => {
      const waiter = {
        seq,
        done: () => {
          clearTimeout(timer);
          this.waiters.delete(waiter);
          if (this.appliedSeq >= seq) resolve(this.outcomes.get(seq));
          else reject(new AppError('UNAVAILABLE', [`the local replica of shard ${this.o.shard} stopped before applying operation ${seq}`]));
        },
      };
      const timer = setTimeout(() => {
        this.waiters.delete(waiter);
        reject(new AppError('UNAVAILABLE', [`the local replica of shard ${this.o.shard} did not apply operation ${seq} within ${timeoutMs} ms (applied ${this.appliedSeq})`]));
      }, timeoutMs);
      this.waiters.add(waiter);
    });
  }

  /** Runs `fn` after the message being applied (or the restore or capture running) has finished. */
  private serial<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.exclusive.then(fn, fn);
    this.exclusive = run.catch(() => undefined);
    return run;
  }

  private owns(id: Parameters<ShardHash>[0]): boolean {
    return this.o.hash(id, this.o.shards) === this.o.shard;
  }

  /** The shard's points as this replica holds them, and the stream sequence they reflect (for a snapshot). */
  capture(): Promise<{ seq: number; ops: PointOperation[] }> {
    return this.serial(async () => ({ seq: this.appliedSeq, ops: await this.o.collection.replicaPoints((id) => this.owns(id)) }));
  }

  private async run(): Promise<void> {
    while (!this.stopped) {
      try {
        const first = (await this.o.jsm.streams.info(this.o.stream)).state.first_seq;
        if (first > this.appliedSeq + 1 || (this.o.seeded && this.appliedSeq === 0)) await this.restore(first);
        const consumer = await this.o.js.consumers.get(this.o.stream, { deliver_policy: DeliverPolicy.StartSequence, opt_start_seq: this.appliedSeq + 1 });
        const messages = await consumer.consume({ max_messages: 512 });
        this.messages = messages;
        if (this.stopped) await messages.close();
        this.progressAt = Date.now();
        const watchdog = this.watch(messages);
        try {
          for await (const m of messages) {
            if (this.stopped) break;
            this.progressAt = Date.now();
            // A gap: the stream was compacted past this replica between the check above and the consumer's start.
            if (m.seq > this.appliedSeq + 1) throw new Behind(`operation ${m.seq} follows ${this.appliedSeq}: the stream was compacted meanwhile`);
            this.applying = true;
            try {
              await this.serial(() => this.applyMessage(m.seq, m.data));
            } finally {
              this.applying = false;
              this.progressAt = Date.now();
            }
          }
        } finally {
          clearInterval(watchdog);
        }
      } catch (e) {
        await this.messages?.close().catch(() => undefined);
        if (this.stopped) return;
        this.o.log.warn(`shard ${this.o.shard} of ${this.o.stream}: ${e instanceof Error ? e.message : String(e)}; resuming after sequence ${this.appliedSeq}`);
      }
      if (!this.stopped) await new Promise((r) => setTimeout(r, RETRY_MS));
    }
  }

  /**
   * Closes `messages` (the loop then creates a new consumer from the applied sequence + 1) once it has delivered
   * nothing for `stallMs` while the stream holds operations past the applied sequence. An idle stream is asked
   * about at most once per `stallMs`.
   */
  private watch(messages: ConsumerMessages): NodeJS.Timeout {
    const stallMs = this.o.stallMs ?? STALL_MS;
    let asking = false;
    const timer = setInterval(() => {
      if (asking || this.applying || this.stopped || Date.now() - this.progressAt < stallMs) return;
      asking = true;
      this.o.jsm.streams
        .info(this.o.stream)
        .then(async ({ state }) => {
          if (this.applying || Date.now() - this.progressAt < stallMs) return;
          if (state.last_seq <= this.appliedSeq) {
            this.progressAt = Date.now(); // nothing to deliver: idle, not stalled
            return;
          }
          this.o.log.warn(`shard ${this.o.shard} of ${this.o.stream}: the consumer delivered nothing for ${stallMs} ms while the stream holds operations up to ${state.last_seq}; re-creating it after sequence ${this.appliedSeq}`);
          await messages.close();
        })
        .catch(() => undefined) // NATS unreachable: the consumer's own reconnection applies; asked again next tick
        .finally(() => (asking = false));
    }, Math.max(50, Math.floor(stallMs / 4)));
    timer.unref();
    return timer;
  }

  /**
   * Replaces the shard's points by its latest snapshot, which must reach at least the stream's first sequence
   * `first` − 1 (otherwise it misses operations the stream no longer holds: retried until a newer one is stored).
   */
  private async restore(first: number): Promise<void> {
    const { store, shard, stream } = this.o;
    const snapshot = await this.o.snapshots.get(this.o.collection.uuid, shard);
    if (snapshot.seq < first - 1) throw new Behind(`the latest snapshot (sequence ${snapshot.seq}) is older than the stream's first operation ${first}; waiting for a newer one`);
    if (snapshot.seq <= this.appliedSeq) return;
    this.o.log.info(`shard ${shard} of ${stream}: restoring from the snapshot at sequence ${snapshot.seq} (applied ${this.appliedSeq}, stream starts at ${first})`);
    await this.serial(async () => {
      await this.o.collection.replaceReplica(snapshot.ops, { owns: (id) => this.owns(id), inCommit: () => store.meta.put(this.key, snapshot.seq) });
      this.appliedSeq = snapshot.seq;
    });
    this.o.log.info(`shard ${shard} of ${stream}: restored from the snapshot at sequence ${snapshot.seq}`);
    for (const w of this.waiters) if (w.seq <= snapshot.seq) w.done();
  }

  private async applyMessage(seq: number, data: Uint8Array): Promise<void> {
    if (seq <= this.appliedSeq) return;
    const { store, collection, shard } = this.o;
    let outcome: AppError | undefined;
    let batch: PointBatch | undefined;
    try {
      batch = decodeShardMessage(data);
    } catch (e) {
      // Written by a newer or broken node: skipped on every replica alike, and reported.
      outcome = isAppError(e) ? e : new AppError('SERVICE_ERROR', [`cannot decode operation ${seq}: ${e instanceof Error ? e.message : String(e)}`]);
      this.o.log.warn(`shard ${shard} of ${this.o.stream}: operation ${seq} skipped: ${outcome.message}`);
    }
    if (batch !== undefined) {
      try {
        await collection.applyReplicated(batch.operations, { owns: (id) => this.owns(id), inCommit: () => store.meta.put(this.key, seq), tenant: batch.tenant });
      } catch (e) {
        if (!isAppError(e) || !REJECTION_KINDS.has(e.kind)) throw e;
        outcome = e;
      }
    }
    if (outcome !== undefined) await store.commit(() => store.meta.put(this.key, seq));
    this.appliedSeq = seq;
    if (outcome !== undefined) {
      this.outcomes.set(seq, outcome);
      if (this.outcomes.size > KEPT_OUTCOMES) this.outcomes.delete(this.outcomes.keys().next().value!);
    }
    for (const w of this.waiters) if (w.seq <= seq) w.done();
  }
}
