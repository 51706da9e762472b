/**
 * Stream compaction: every `cluster.compaction.check_interval_ms`, the compacting node (the live node with the
 * lowest node id: every node computes the same one from the heartbeats) looks at each shard it replicates. When its
 * replica applied `cluster.compaction.every_operations` operations since the shard's latest snapshot, it captures
 * the shard (`ShardReplica.capture`: its points and the stream sequence they reflect, taken between two applied
 * messages) and puts it in the object store (`shard-snapshots.ts`). Then it purges the stream below the oldest
 * position still needed: the snapshot stored (read back, in case another node put one meanwhile) and the applied
 * sequence of every live node (so that a replica that is merely slow does not need the snapshot). A replica
 * behind the stream's first sequence — a new node, or one away longer than the heartbeat TTL — restores the
 * snapshot, then consumes the tail (`shard-replica.ts`).
 *
 * Two nodes may briefly both compact (their views of the live nodes differ for a heartbeat): each snapshot is
 * consistent on its own, and a stream is only purged up to the snapshot read back from the store; a snapshot
 * older than the stream's first sequence (one node's put overtaken by the other's purge) is replaced at the next
 * check.
 */
import type { JetStreamManager } from 'nats';
import type { ShardReplica } from './shard-replica.js';
import type { ShardSnapshots } from './shard-snapshots.js';

/** One shard this node replicates, as the compactor sees it. */
export interface CompactionTarget {
  readonly uuid: string;
  readonly shard: number;
  readonly stream: string;
  readonly replica: ShardReplica;
  /** The lowest sequence of this shard applied by a live node (this one included), from their heartbeats. */
  readonly liveApplied: number;
}

export interface CompactionSettings {
  /** Operations applied since the latest snapshot that trigger a new one; 0: never compact. */
  readonly every_operations: number;
  readonly check_interval_ms: number;
}

export class Compactor {
  private running = false;

  constructor(
    private readonly jsm: JetStreamManager,
    private readonly snapshots: ShardSnapshots,
    private readonly settings: CompactionSettings,
    private readonly log: { info(message: string): void; warn(message: string): void },
  ) {}

  /** Checks every target once (a check still running is not overlapped). */
  async check(targets: readonly CompactionTarget[]): Promise<void> {
    if (this.running || this.settings.every_operations === 0) return;
    this.running = true;
    try {
      for (const t of targets) {
        try {
          await this.compact(t);
        } catch (e) {
          this.log.warn(`cluster: compaction of ${t.stream} failed (retried at the next check): ${e instanceof Error ? e.message : String(e)}`);
        }
      }
    } finally {
      this.running = false;
    }
  }

  private async compact(t: CompactionTarget): Promise<void> {
    // Read from the store every time: another node may have compacted meanwhile. Only a newer snapshot replaces the
    // stored one, unless another node puts one between this read and the put: `stale` repairs that at the next check.
    let snapshot = (await this.snapshots.latest(t.uuid, t.shard)) ?? 0;
    const first = (await this.jsm.streams.info(t.stream)).state.first_seq;
    const stale = snapshot < first - 1 && t.replica.applied >= first - 1;
    if (t.replica.applied - snapshot >= this.settings.every_operations || stale) {
      const captured = await t.replica.capture();
      if (captured.seq > snapshot) {
        await this.snapshots.put(t.uuid, t.shard, captured.seq, captured.ops);
        this.log.info(`cluster: snapshot of ${t.stream} at sequence ${captured.seq} stored`);
      }
      // What the store holds now (another node may have put one meanwhile).
      snapshot = (await this.snapshots.latest(t.uuid, t.shard)) ?? 0;
    }
    const keepFrom = Math.min(snapshot, t.liveApplied) + 1;
    if (keepFrom > Math.max(first, 1)) {
      const purged = await this.jsm.streams.purge(t.stream, { seq: keepFrom });
      this.log.info(`cluster: ${t.stream} compacted: ${purged.purged} operations before sequence ${keepFrom} removed`);
    }
  }
}
