/**
 * This node's replica of one shard: reads the shard's stream in order (a JetStream ordered consumer, which
 * re-creates itself after a server or leader change) and applies every operation to the local collection,
 * storing the stream sequence it applied in the same LMDB transaction as the data. A restart resumes at the
 * stored sequence + 1: nothing is applied twice, nothing skipped.
 *
 * An operation that fails staging (a `set_payload` on a point deleted meanwhile) fails identically on every
 * replica, since each applies the same log to the same state: it changes nothing, and its sequence is stored
 * as applied. A storage failure stops the loop and retries from the stored sequence.
 */
import { DeliverPolicy, type JetStreamClient, type ConsumerMessages } from 'nats';
import { AppError, isAppError } from '../errors.js';
import type { Collection } from '../collection/collection.js';
import type { PointBatch } from '../collection/operation.js';
import { decodeOperation } from '../collection/operation-codec.js';
import type { Store } from '../storage/kv/store.js';
import { shardOf } from './shard-router.js';

export interface ShardReplicaOptions {
  readonly js: JetStreamClient;
  readonly store: Store;
  readonly collection: Collection;
  readonly stream: string;
  readonly shard: number;
  readonly shards: number;
  readonly log: { warn(message: string): void };
}

/** Kinds of errors staging throws for an operation: the same on every replica. */
// `forbidden`: a tenant's write that would leave its tenant in the state at its log position (applied confined).
const REJECTION_KINDS = new Set(['bad_input', 'not_found', 'unprocessable', 'forbidden']);
/** Outcomes kept for `wait=true` writers that look after the replica applied their operation. */
const KEPT_OUTCOMES = 4096;
const RETRY_MS = 250;

/** The meta key holding the stream sequence this node applied for one shard of a collection. */
export function appliedKey(uuid: string, shard: number): string {
  return `cluster-applied:${uuid}:${shard}`;
}

/** A replicated message: one shard's part of a write, a batch of point operations. */
export function decodeShardMessage(data: Uint8Array): PointBatch {
  const op = decodeOperation(new TextDecoder().decode(data));
  if (op.type !== 'batch') throw new AppError('SERVICE_ERROR', [`a shard log holds a ${op.type} operation; only point operations are replicated`]);
  return op;
}

export class ShardReplica {
  private appliedSeq: number;
  private stopped = false;
  private messages: ConsumerMessages | undefined;
  private readonly waiters = new Set<{ seq: number; done: () => void }>();
  private readonly outcomes = new Map<number, AppError>();
  private loop: Promise<void> = Promise.resolve();
  private readonly key: string;

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

  private async run(): Promise<void> {
    while (!this.stopped) {
      try {
        const consumer = await this.o.js.consumers.get(this.o.stream, { deliver_policy: DeliverPolicy.StartSequence, opt_start_seq: this.appliedSeq + 1 });
        const messages = await consumer.consume({ max_messages: 512 });
        this.messages = messages;
        if (this.stopped) await messages.close();
        for await (const m of messages) {
          if (this.stopped) break;
          await this.applyMessage(m.seq, m.data);
        }
      } catch (e) {
        if (this.stopped) return;
        this.o.log.warn(`shard ${this.o.shard} of ${this.o.stream}: ${e instanceof Error ? e.message : String(e)}; resuming after sequence ${this.appliedSeq}`);
      }
      if (!this.stopped) await new Promise((r) => setTimeout(r, RETRY_MS));
    }
  }

  private async applyMessage(seq: number, data: Uint8Array): Promise<void> {
    if (seq <= this.appliedSeq) return;
    const { store, collection, shard, shards } = this.o;
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
        await collection.applyReplicated(batch.operations, { owns: (id) => shardOf(id, shards) === shard, inCommit: () => store.meta.put(this.key, seq), tenant: batch.tenant });
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
