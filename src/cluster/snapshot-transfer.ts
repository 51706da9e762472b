/**
 * Shards of a collection sent, a page at a time, to a node taking a snapshot of it (distributed mode with a shard
 * placement: the node holds only some shards). Over NATS request/reply on `<deployment>.peer.<peer id>.snapshot`,
 * reachable only with the cluster's NATS credentials, like the other peer requests (`peer-requests.ts`): the node
 * the client talks to authorized and audited the snapshot; a request here carries no privilege.
 *
 * 1. `open` (the shards, the collection's uuid and shard count, the vector names to keep): the holder waits until it
 *    applied everything stored for those shards, opens one LMDB read snapshot, and answers the first page with a
 *    cursor. Every page of the transfer comes from that read snapshot: each shard's part is one consistent view.
 * 2. `next` (the cursor): the next page; the last one has no cursor, and the read snapshot is released.
 * 3. `close` (the cursor, no answer): the receiver stopped early.
 * A cursor not asked for within the idle time is closed by the holder; a holder serves a bounded number at once.
 * Pages are `snapshot-pages.ts` frames of at most `pageBytes`, below NATS `max_payload`.
 */
import { randomUUID } from 'node:crypto';
import type { Msg, NatsConnection, Subscription } from 'nats';
import { AppError, isAppError, reviveAppError, unexpectedError } from '../errors.js';
import { JSON_CODEC, PeerUnreachable } from './peer-requests.js';
import { decodePage, encodePage, LinePager } from './snapshot-pages.js';

/** The shards a node asks a holder for. */
export interface ShardPointsRequest {
  readonly collection: string;
  /** The collection's cluster uuid, as the asking node knows it (a recreated collection is refused). */
  readonly uuid: string;
  readonly shards: readonly number[];
  /** The collection's shard count. */
  readonly total: number;
  /** Vector names the lines keep (the snapshot's configuration). */
  readonly vectors: readonly string[];
}

type PageRequest = { readonly open: ShardPointsRequest } | { readonly next: string } | { readonly close: string };

export interface PageServerSettings {
  /** Largest page, in bytes. */
  readonly pageBytes: number;
  /** A cursor nobody asked for a page for this long is closed. */
  readonly idleMs: number;
  /** Transfers served at once; one more is refused (the asking node tries another holder). */
  readonly maxCursors: number;
}

interface Cursor {
  readonly pager: LinePager;
  timer: NodeJS.Timeout;
}

/** The holder's side: cursors over the read snapshots it opened, each closed when done, idle, or at shutdown. */
export class SnapshotPageServer {
  private readonly cursors = new Map<string, Cursor>();
  private subscription: Subscription | undefined;

  /** `open` checks the request, opens the read snapshot and returns its lines (it may wait, e.g. for a barrier). */
  constructor(
    private readonly settings: PageServerSettings,
    private readonly open: (request: ShardPointsRequest) => Promise<Iterator<string>>,
  ) {}

  /** Answers page requests on `subject`. */
  serve(nc: NatsConnection, subject: string, log: { warn(message: string): void }): void {
    this.subscription = nc.subscribe(subject, {
      callback: (err, msg: Msg) => {
        if (err !== null) {
          log.warn(`cluster: peer subscription ${subject}: ${err.message}`);
          return;
        }
        void this.answer(msg);
      },
    });
  }

  /** Transfers in progress (for tests and diagnostics). */
  get openCursors(): number {
    return this.cursors.size;
  }

  close(): void {
    this.subscription?.unsubscribe();
    for (const id of [...this.cursors.keys()]) this.release(id);
  }

  private async answer(msg: Msg): Promise<void> {
    let request: PageRequest;
    try {
      request = JSON_CODEC.decode(msg.data) as PageRequest;
    } catch (e) {
      msg.respond(errorPage(e));
      return;
    }
    if ('close' in request) {
      this.release(request.close);
      return;
    }
    try {
      msg.respond('open' in request ? await this.start(request.open) : this.page(request.next));
    } catch (e) {
      msg.respond(errorPage(e));
    }
  }

  private async start(request: ShardPointsRequest): Promise<Uint8Array> {
    if (this.cursors.size >= this.settings.maxCursors) {
      throw new AppError('UNAVAILABLE', [`this node already serves ${this.settings.maxCursors} snapshot transfers`]);
    }
    const lines = await this.open(request);
    const id = randomUUID();
    this.cursors.set(id, { pager: new LinePager(lines), timer: this.idleTimer(id) });
    return this.page(id);
  }

  private page(id: string): Uint8Array {
    const cursor = this.cursors.get(id);
    if (cursor === undefined) throw new AppError('UNAVAILABLE', ['the snapshot transfer is no longer open on this node (closed after being idle, or the node restarted)']);
    let data: Buffer;
    try {
      data = cursor.pager.next(this.settings.pageBytes);
    } catch (e) {
      this.release(id);
      throw e;
    }
    if (cursor.pager.done) {
      this.release(id);
      return encodePage({ cursor: null }, data);
    }
    clearTimeout(cursor.timer);
    cursor.timer = this.idleTimer(id);
    return encodePage({ cursor: id }, data);
  }

  private idleTimer(id: string): NodeJS.Timeout {
    const timer = setTimeout(() => this.release(id), this.settings.idleMs);
    timer.unref();
    return timer;
  }

  private release(id: string): void {
    const cursor = this.cursors.get(id);
    if (cursor === undefined) return;
    this.cursors.delete(id);
    clearTimeout(cursor.timer);
    cursor.pager.close();
  }
}

function errorPage(e: unknown): Uint8Array {
  const err = isAppError(e) ? e : unexpectedError(e);
  return encodePage({ error: { code: err.code, message: err.message } });
}

async function ask(nc: NatsConnection, subject: string, request: PageRequest, timeoutMs: number): Promise<{ cursor: string | null; data: Uint8Array }> {
  let msg: Msg;
  try {
    msg = await nc.request(subject, JSON_CODEC.encode(request), { timeout: timeoutMs });
  } catch (e) {
    throw new PeerUnreachable(e instanceof Error ? e.message : String(e));
  }
  const { meta, data } = decodePage(msg.data);
  if ('error' in meta) throw reviveAppError(meta.error.code, meta.error.message);
  return { cursor: meta.cursor, data };
}

export interface PageTimeouts {
  /** For the first page (the holder's barrier included). */
  readonly openMs: number;
  /** For each further page. */
  readonly pageMs: number;
}

/**
 * Opens a transfer on the holder answering `subject` and returns its pages (the first already received).
 * @throws PeerUnreachable when the holder does not answer the opening; its AppError when it refuses
 *   (does not hold the shards, busy: both UNAVAILABLE). Once open, a holder that stops answering fails the pages
 *   with AppError(UNAVAILABLE): what was received cannot be completed from another holder's read snapshot.
 */
export async function openPages(nc: NatsConnection, subject: string, request: ShardPointsRequest, timeouts: PageTimeouts, holder: string): Promise<AsyncGenerator<Uint8Array>> {
  const first = await ask(nc, subject, { open: request }, timeouts.openMs);
  return (async function* pages(): AsyncGenerator<Uint8Array> {
    let cursor = first.cursor;
    let received = first.data.byteLength;
    try {
      yield first.data;
      while (cursor !== null) {
        let page;
        try {
          page = await ask(nc, subject, { next: cursor }, timeouts.pageMs);
        } catch (e) {
          cursor = null;
          const why = e instanceof Error ? e.message : String(e);
          throw new AppError('UNAVAILABLE', [`node ${holder} stopped sending shards ${request.shards.join(', ')} of collection ${request.collection} after ${received} bytes: ${why}`]);
        }
        cursor = page.cursor;
        received += page.data.byteLength;
        yield page.data;
      }
    } finally {
      // Stopped early (a failure elsewhere, shutdown): the holder releases its read snapshot now, not when idle.
      if (cursor !== null) nc.publish(subject, JSON_CODEC.encode({ close: cursor } satisfies PageRequest));
    }
  })();
}
