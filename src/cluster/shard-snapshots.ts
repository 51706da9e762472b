/**
 * Catch-up snapshots of shards in a JetStream object store (`<deployment>_snapshots`): one object per shard
 * (`<collection uuid>.<shard>`), the shard's points as one encoded operation batch (the engine's operation codec,
 * the same format as the shard's log), tagged with the stream sequence it reflects. Putting a shard's snapshot
 * replaces the previous one; the object store checks the content's digest on every read.
 */
import type { ObjectStore } from 'nats';
import { AppError } from '../errors.js';
import type { PointOperation } from '../collection/operation.js';
import { decodeShardMessage, encodeShardMessage } from './shard-message.js';

/** A shard snapshot: its operations replace the shard's points; `seq` is the last stream sequence they include. */
export interface ShardSnapshot {
  readonly seq: number;
  readonly ops: PointOperation[];
}

const SEQ_KEY = 'applied_sequence';

function objectName(uuid: string, shard: number): string {
  return `${uuid}.${shard}`;
}

export class ShardSnapshots {
  constructor(private readonly os: ObjectStore) {}

  /** The stream sequence of the latest snapshot of a shard, or undefined when it has none. */
  async latest(uuid: string, shard: number): Promise<number | undefined> {
    const info = await this.os.info(objectName(uuid, shard));
    if (info === null || info.deleted) return undefined;
    const seq = Number(info.metadata?.[SEQ_KEY]);
    return Number.isSafeInteger(seq) ? seq : undefined;
  }

  /** Stores `ops` (the shard's points after stream sequence `seq`) as the shard's snapshot. */
  async put(uuid: string, shard: number, seq: number, ops: readonly PointOperation[]): Promise<void> {
    await this.os.putBlob({ name: objectName(uuid, shard), metadata: { [SEQ_KEY]: String(seq) } }, encodeShardMessage(ops));
  }

  /**
   * The shard's latest snapshot.
   * @throws AppError(UNAVAILABLE) when there is none (yet), or it changed while it was read
   */
  async get(uuid: string, shard: number): Promise<ShardSnapshot> {
    const name = objectName(uuid, shard);
    const seq = await this.latest(uuid, shard);
    const data = seq === undefined ? null : await this.os.getBlob(name);
    // A newer snapshot may have replaced it in between: the sequence must still be the one read.
    if (seq === undefined || data === null || (await this.latest(uuid, shard)) !== seq) {
      throw new AppError('UNAVAILABLE', [`no stable snapshot of shard ${shard} of collection ${uuid} in the object store yet`]);
    }
    return { seq, ops: [...decodeShardMessage(data).operations] };
  }

  /** Removes the snapshots of a deleted collection's shards. */
  async remove(uuid: string, shards: number): Promise<void> {
    for (let shard = 0; shard < shards; shard++) {
      if ((await this.os.info(objectName(uuid, shard))) !== null) await this.os.delete(objectName(uuid, shard));
    }
  }
}
