/**
 * Requests between nodes over NATS request/reply (one nats-server): an answer larger than NATS `max_payload`
 * arrives whole (in parts, then an end mark) in both codecs — before, NATS refused the single reply and the asking
 * node saw a timeout (a fanned-out scroll of 1,000 points with large payloads); a peer's error comes back as its
 * AppError; nobody listening is PeerUnreachable; a request past `max_payload` is refused before it is sent.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { connect, type NatsConnection } from 'nats';
import { assertCanRun, skipUnlessRequired } from '../../support/skips.js';
import { natsServerMissing, startNatsCluster, type NatsCluster } from '../../support/nats-cluster.js';
import { askPeer, JSON_CODEC, PeerUnreachable, servePeer, STRUCTURED_CODEC } from '../../../src/cluster/peer-requests.js';
import { AppError } from '../../../src/errors.js';

const missing = natsServerMissing();
const log = { warn: (m: string): void => assert.fail(`unexpected warning: ${m}`) };

void describe('peer requests over NATS', skipUnlessRequired(missing), () => {
  let nats: NatsCluster;
  let nc: NatsConnection;

  before(async () => {
    assertCanRun(missing);
    nats = await startNatsCluster(1);
    nc = await connect({ servers: nats.urls });
  });

  after(async () => {
    await nc?.close();
    await nats?.stop();
  });

  void it('brings back an answer larger than max_payload whole, in both codecs', async () => {
    const max = nc.info!.max_payload;
    const text = 'é'.repeat(Math.ceil((2.5 * max) / 2));
    const floats = Float32Array.from({ length: max / 2 }, (_, i) => i / 7);
    const json = servePeer(nc, 't.peer.json', (req) => Promise.resolve({ echo: req, text }), log, JSON_CODEC);
    const structured = servePeer(nc, 't.peer.v8', (req) => Promise.resolve({ echo: req, text, floats }), log, STRUCTURED_CODEC);
    try {
      assert.deepEqual(await askPeer(nc, 't.peer.json', { n: 12345678901234567890n }, 10_000, JSON_CODEC), { echo: { n: 12345678901234567890n }, text });
      const back = (await askPeer(nc, 't.peer.v8', new Map([[1, 'a']]), 10_000, STRUCTURED_CODEC)) as { echo: unknown; text: string; floats: Float32Array };
      assert.deepEqual(back.echo, new Map([[1, 'a']]));
      assert.equal(back.text, text);
      assert.deepEqual(back.floats, floats);
      // A small answer too: one part and the end mark.
      assert.deepEqual(await askPeer(nc, 't.peer.json', 1, 10_000), { echo: 1, text });
    } finally {
      json.unsubscribe();
      structured.unsubscribe();
    }
  });

  void it('returns a peer\'s error as its AppError, nobody listening as PeerUnreachable, and refuses an oversized request', async () => {
    const failing = servePeer(nc, 't.peer.fail', () => Promise.reject(new AppError('UNAVAILABLE', ['no holder here'])), log);
    try {
      await assert.rejects(askPeer(nc, 't.peer.fail', {}, 10_000), (e: unknown) => e instanceof AppError && e.code === 'UNAVAILABLE' && /no holder here/.test(e.message));
      await assert.rejects(askPeer(nc, 't.peer.nobody', {}, 2_000), PeerUnreachable);
      await assert.rejects(askPeer(nc, 't.peer.fail', 'x'.repeat(nc.info!.max_payload + 1), 10_000), (e: unknown) => e instanceof AppError && e.code === 'PAYLOAD_TOO_LARGE');
    } finally {
      failing.unsubscribe();
    }
  });
});
