/**
 * Creating JetStream streams and buckets with as many replicas as the NATS cluster can hold: JetStream refuses
 * more replicas than it has JetStream servers ("insufficient resources", or "replicas > 1 not supported in
 * non-clustered mode"), so creation steps down through the given counts until one is accepted.
 */
import type { JetStreamManager, StreamConfig } from 'nats';

function isCapacityRefusal(e: unknown): boolean {
  const message = e instanceof Error ? e.message : String(e);
  return /insufficient resources|replicas > 1 not supported|no suitable peers/i.test(message);
}

/**
 * Runs `create(n)` for each count of `counts` (largest first) until one succeeds.
 * @returns the count that worked
 * @throws the last refusal, or the first error that is not about capacity
 */
export async function withReplicaFallback(counts: readonly number[], create: (replicas: number) => Promise<unknown>): Promise<number> {
  let last: unknown;
  for (const n of counts) {
    try {
      await create(n);
      return n;
    } catch (e) {
      if (!isCapacityRefusal(e)) throw e;
      last = e;
    }
  }
  throw last;
}

/** Adds `config` as a stream, or accepts the stream as it exists (created by another node from the same metadata). */
export async function ensureStream(jsm: JetStreamManager, config: Partial<StreamConfig> & { name: string }): Promise<void> {
  try {
    await jsm.streams.info(config.name);
  } catch (e) {
    if (!(e instanceof Error) || e.message !== 'stream not found') throw e;
    try {
      await jsm.streams.add(config);
    } catch (added) {
      // Another node added it between the two calls.
      if (!(added instanceof Error) || !/already in use/.test(added.message)) throw added;
    }
  }
}
