/**
 * Catch-up snapshots of shards in a JetStream object store (`<deployment>_snapshots`): one object per shard
 * (`<collection uuid>.<shard>`), the shard's points as encoded operation batches (the engine's operation codec, the
 * same format as the shard's log), tagged with the stream sequence it reflects. Putting a shard's snapshot replaces
 * the previous one; the object store checks the content's digest on every read.
 *
 * The object is written and read as a stream of lines, one batch of at most {@link LINE_POINTS} points each
 * (`format: lines` in the object's metadata): no single encoded text of the whole shard exists on either side (V8
 * caps a string at about 512 MiB). Objects written before, one batch of the whole shard, are still read. The
 * operations themselves are still held in memory while a shard is captured or restored (the restore replaces the
 * shard's points in one transaction).
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
const FORMAT_KEY = 'format';
const LINES = 'lines';
/** Points per line of a snapshot object. */
export const LINE_POINTS = 500;
const NEWLINE = 0x0a;

function objectName(uuid: string, shard: number): string {
  return `${uuid}.${shard}`;
}

/** `ops` cut so that no operation carries more than `LINE_POINTS` points (upserts and vector updates split). */
function* slices(ops: readonly PointOperation[]): Generator<PointOperation[]> {
  let line: PointOperation[] = [];
  let size = 0;
  for (const op of ops) {
    const parts: PointOperation[] = [];
    if (op.type === 'upsert') for (let i = 0; i < op.points.length; i += LINE_POINTS) parts.push({ ...op, points: op.points.slice(i, i + LINE_POINTS) });
    else if (op.type === 'update_vectors') for (let i = 0; i < op.points.length; i += LINE_POINTS) parts.push({ ...op, points: op.points.slice(i, i + LINE_POINTS) });
    else parts.push(op);
    for (const part of parts) {
      const n = part.type === 'upsert' || part.type === 'update_vectors' ? part.points.length : 1;
      if (size > 0 && size + n > LINE_POINTS) {
        yield line;
        line = [];
        size = 0;
      }
      line.push(part);
      size += n;
    }
  }
  if (line.length > 0) yield line;
}

/** The lines of `ops` as a byte stream, each encoded when the object store asks for it. */
function lineStream(ops: readonly PointOperation[]): ReadableStream<Uint8Array> {
  const lines = slices(ops);
  return new ReadableStream<Uint8Array>({
    pull(controller) {
      const next = lines.next();
      if (next.done === true) {
        controller.close();
        return;
      }
      const data = encodeShardMessage(next.value);
      const withNewline = new Uint8Array(data.byteLength + 1);
      withNewline.set(data);
      withNewline[data.byteLength] = NEWLINE;
      controller.enqueue(withNewline);
    },
  });
}

/**
 * The chunks of an object being read, failing with UNAVAILABLE when none arrives for `idleMs`. A reader of an
 * object that is replaced meanwhile (the compactor puts a newer snapshot; the object store purges the old chunks)
 * would otherwise wait forever for chunks that no longer exist — a replica stuck in its restore, seen in a fault
 * test. The caller retries and reads the newer object.
 */
async function* chunksOf(stream: ReadableStream<Uint8Array>, idleMs: number, what: string): AsyncGenerator<Uint8Array> {
  const reader = stream.getReader();
  let done = false;
  try {
    for (;;) {
      let timer: NodeJS.Timeout | undefined;
      const idle = new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new AppError('UNAVAILABLE', [`${what}: no data for ${idleMs} ms (the object was replaced or its chunks are gone); retried`])), idleMs);
      });
      const next = await Promise.race([reader.read(), idle]).finally(() => clearTimeout(timer));
      if (next.done) {
        done = true;
        return;
      }
      yield next.value;
    }
  } finally {
    if (!done) await reader.cancel().catch(() => undefined);
  }
}

/** Decodes a stream of lines, a line at a time, into the operations they hold. */
async function decodeLines(stream: AsyncIterable<Uint8Array>): Promise<PointOperation[]> {
  const ops: PointOperation[] = [];
  let pending: Uint8Array[] = [];
  const flush = (tail: Uint8Array): void => {
    const parts = [...pending, tail];
    pending = [];
    const line = Buffer.concat(parts);
    if (line.byteLength > 0) ops.push(...decodeShardMessage(line).operations);
  };
  for await (const chunk of stream) {
    let start = 0;
    for (let i = chunk.indexOf(NEWLINE); i !== -1; i = chunk.indexOf(NEWLINE, start)) {
      flush(chunk.subarray(start, i));
      start = i + 1;
    }
    if (start < chunk.byteLength) pending.push(chunk.slice(start));
  }
  flush(new Uint8Array(0));
  return ops;
}

/** How long a snapshot read waits for its next chunk before it gives up (and the replica retries). */
const IDLE_MS = 30_000;

export class ShardSnapshots {
  constructor(
    private readonly os: ObjectStore,
    private readonly idleMs = IDLE_MS,
  ) {}

  /** The stream sequence of the latest snapshot of a shard, or undefined when it has none. */
  async latest(uuid: string, shard: number): Promise<number | undefined> {
    const info = await this.os.info(objectName(uuid, shard));
    if (info === null || info.deleted) return undefined;
    const seq = Number(info.metadata?.[SEQ_KEY]);
    return Number.isSafeInteger(seq) ? seq : undefined;
  }

  /** Stores `ops` (the shard's points after stream sequence `seq`) as the shard's snapshot, a line at a time. */
  async put(uuid: string, shard: number, seq: number, ops: readonly PointOperation[]): Promise<void> {
    await this.os.put({ name: objectName(uuid, shard), metadata: { [SEQ_KEY]: String(seq), [FORMAT_KEY]: LINES } }, lineStream(ops));
  }

  /**
   * The shard's latest snapshot.
   * @throws AppError(UNAVAILABLE) when there is none (yet), or it changed while it was read
   */
  async get(uuid: string, shard: number): Promise<ShardSnapshot> {
    const name = objectName(uuid, shard);
    const info = await this.os.info(name);
    const seq = info === null || info.deleted ? undefined : Number(info.metadata?.[SEQ_KEY]);
    const unstable = (): AppError => new AppError('UNAVAILABLE', [`no stable snapshot of shard ${shard} of collection ${uuid} in the object store yet`]);
    if (seq === undefined || !Number.isSafeInteger(seq)) throw unstable();
    const result = await this.os.get(name);
    if (result === null) throw unstable();
    const chunks = chunksOf(result.data, this.idleMs, `snapshot of shard ${shard} of collection ${uuid}`);
    let ops: PointOperation[];
    if (info?.metadata?.[FORMAT_KEY] === LINES) {
      ops = await decodeLines(chunks);
    } else {
      // Written before lines: one batch of the whole shard.
      const parts: Uint8Array[] = [];
      for await (const chunk of chunks) parts.push(chunk);
      ops = [...decodeShardMessage(Buffer.concat(parts)).operations];
    }
    // The object store checks the digest once the whole object is read.
    if ((await result.error) instanceof Error) throw unstable();
    // A newer snapshot may have replaced it in between: the sequence must still be the one read.
    if ((await this.latest(uuid, shard)) !== seq) throw unstable();
    return { seq, ops };
  }

  /** Removes the snapshots of a deleted collection's shards. */
  async remove(uuid: string, shards: number): Promise<void> {
    for (let shard = 0; shard < shards; shard++) {
      if ((await this.os.info(objectName(uuid, shard))) !== null) await this.os.delete(objectName(uuid, shard));
    }
  }
}
