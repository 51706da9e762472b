/**
 * A shard's lines sent page by page for another node's snapshot, over one nats-server: the pages are the lines,
 * each at most the page size; the holder releases its source when the transfer ends, when the receiver stops early,
 * and when a transfer is idle; it serves a bounded number at once; refusals and silence reach the receiver as
 * UNAVAILABLE / PeerUnreachable (so it asks another holder), and a transfer cut after its first page fails with 503.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { connect, type NatsConnection } from 'nats';
import { assertCanRun, skipUnlessRequired } from '../../support/skips.js';
import { natsServerMissing, startNatsCluster, type NatsCluster } from '../../support/nats-cluster.js';
import { pollUntil } from '../../support/poll.js';
import { openPages, SnapshotPageServer, type PageServerSettings, type ShardPointsRequest } from '../../../src/cluster/snapshot-transfer.js';
import { PeerUnreachable } from '../../../src/cluster/peer-requests.js';
import { AppError, isAppError } from '../../../src/errors.js';

const missing = natsServerMissing();

const REQUEST: ShardPointsRequest = { collection: 'c', uuid: 'u-1', shards: [1, 2], total: 3, vectors: [''] };
const TIMEOUTS = { openMs: 2_000, pageMs: 2_000 };

/** `n` lines of varied length, and a source over them that records whether it was closed. */
function source(n: number): { lines: string[]; iterator: () => Iterator<string>; closed: () => number } {
  const lines = Array.from({ length: n }, (_, i) => `{"id":${i},"p":"${'v'.repeat((i * 37) % 200)}"}\n`);
  let closed = 0;
  return {
    lines,
    iterator: () => {
      const it = lines[Symbol.iterator]();
      return { next: () => it.next(), return: () => (closed++, { done: true, value: undefined }) };
    },
    closed: () => closed,
  };
}

async function drain(pages: AsyncIterable<Uint8Array>, sizes: number[] = []): Promise<Buffer> {
  const parts: Buffer[] = [];
  for await (const p of pages) {
    sizes.push(p.byteLength);
    parts.push(Buffer.from(p));
  }
  return Buffer.concat(parts);
}

void describe('snapshot page transfer between nodes', skipUnlessRequired(missing), () => {
  let nats: NatsCluster;
  let holderConn: NatsConnection;
  let askerConn: NatsConnection;
  const servers: SnapshotPageServer[] = [];
  let subjects = 0;

  before(async () => {
    assertCanRun(missing);
    nats = await startNatsCluster(1);
    holderConn = await connect({ servers: nats.urls });
    askerConn = await connect({ servers: nats.urls });
  });

  after(async () => {
    for (const s of servers) s.close();
    await holderConn?.close();
    await askerConn?.close();
    await nats?.stop();
  });

  async function serve(settings: Partial<PageServerSettings>, open: (r: ShardPointsRequest) => Promise<Iterator<string>>): Promise<{ server: SnapshotPageServer; subject: string }> {
    const server = new SnapshotPageServer({ pageBytes: 256, idleMs: 10_000, maxCursors: 4, ...settings }, open);
    const subject = `t.peer.${subjects++}.snapshot`;
    server.serve(holderConn, subject, { warn: () => undefined });
    await holderConn.flush();
    servers.push(server);
    return { server, subject };
  }

  void it('sends every line, in pages of at most the page size, and releases the source at the end', async () => {
    const src = source(300);
    let asked: ShardPointsRequest | undefined;
    const { server, subject } = await serve({}, (r) => {
      asked = r;
      return Promise.resolve(src.iterator());
    });
    const sizes: number[] = [];
    const got = await drain(await openPages(askerConn, subject, REQUEST, TIMEOUTS, 'holder'), sizes);
    assert.equal(got.toString('utf8'), src.lines.join(''));
    assert.deepEqual(asked, REQUEST);
    assert.ok(sizes.length > 10, `${sizes.length} pages`);
    assert.ok(sizes.every((s) => s <= 256));
    assert.ok(sizes.slice(0, -1).every((s) => s === 256), 'every page but the last is full');
    assert.equal(server.openCursors, 0);
    assert.equal(src.closed(), 1);
  });

  void it('releases the source when the receiver stops early, and when a transfer is left idle', async () => {
    const src = source(300);
    const { server, subject } = await serve({ idleMs: 300 }, () => Promise.resolve(src.iterator()));
    // Early stop: the receiver's generator closes, which tells the holder.
    const pages = await openPages(askerConn, subject, REQUEST, TIMEOUTS, 'holder');
    for await (const _ of pages) break;
    await pollUntil('the holder released the stopped transfer', () => Promise.resolve(server.openCursors === 0 && src.closed() === 1), 5_000, 20);
    // Idle: the receiver takes the first page and asks for nothing more for longer than idleMs.
    const idle = await openPages(askerConn, subject, REQUEST, TIMEOUTS, 'holder');
    const first = await idle.next();
    assert.equal(first.done, false);
    await pollUntil('the holder released the idle transfer', () => Promise.resolve(server.openCursors === 0 && src.closed() === 2), 5_000, 20);
    // The receiver's next page request finds the transfer gone: 503, naming the holder and what it had received.
    await assert.rejects(idle.next(), (e: unknown) => isAppError(e) && e.kind === 'unavailable' && /node holder stopped sending shards 1, 2 of collection c after 256 bytes: .*no longer open/.test(e.message));
  });

  void it('refuses a transfer beyond its limit, and passes on the refusal of the opening', async () => {
    const src = source(100);
    const { server, subject } = await serve({ maxCursors: 2 }, (r) => {
      if (r.uuid === 'recreated') return Promise.reject(new AppError('UNAVAILABLE', ['node h does not hold shards 1, 2 of collection c']));
      return Promise.resolve(src.iterator());
    });
    const a = await openPages(askerConn, subject, REQUEST, TIMEOUTS, 'holder');
    const b = await openPages(askerConn, subject, REQUEST, TIMEOUTS, 'holder');
    await a.next();
    await b.next();
    assert.equal(server.openCursors, 2);
    await assert.rejects(openPages(askerConn, subject, REQUEST, TIMEOUTS, 'holder'), (e: unknown) => isAppError(e) && e.kind === 'unavailable' && /already serves 2 snapshot transfers/.test(e.message));
    // Once one finishes, a new one is served.
    await drain(a);
    assert.equal(server.openCursors, 1);
    await drain(await openPages(askerConn, subject, REQUEST, TIMEOUTS, 'holder'));
    await b.return(undefined);
    await assert.rejects(openPages(askerConn, subject, { ...REQUEST, uuid: 'recreated' }, TIMEOUTS, 'holder'), (e: unknown) => isAppError(e) && e.kind === 'unavailable' && /does not hold shards 1, 2/.test(e.message));
  });

  void it('reports a holder nobody answers for as unreachable (the receiver asks another one)', async () => {
    await assert.rejects(openPages(askerConn, 't.peer.nobody.snapshot', REQUEST, TIMEOUTS, 'holder'), (e: unknown) => e instanceof PeerUnreachable);
  });

  void it('sends an empty shard as one empty last page', async () => {
    const { server, subject } = await serve({}, () => Promise.resolve(source(0).iterator()));
    const sizes: number[] = [];
    assert.equal((await drain(await openPages(askerConn, subject, REQUEST, TIMEOUTS, 'holder'), sizes)).length, 0);
    assert.deepEqual(sizes, [0]);
    assert.equal(server.openCursors, 0);
  });
});
