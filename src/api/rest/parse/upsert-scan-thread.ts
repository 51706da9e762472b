/**
 * Large upsert bodies scanned on a worker thread (issue 14, item 4): the main thread hands over the body's bytes
 * (decoded there, not on the event loop) and gets
 * back the points with their vectors in one transferred Float32Array, so neither the scan nor the garbage of the
 * payloads' parse is on the event loop, and a second core works on the next write while this one commits.
 *
 * The worker is started on first use, holds the process open only while a body is being scanned, and is never
 * needed: when it fails (an error, an exit, a crash) the bodies it had are scanned on the main thread and the next
 * body starts a new worker; after {@link MAX_LOST} losses in a row without a reply in between the main thread scans
 * every body itself.
 */
import type { Worker } from 'node:worker_threads';
import { startWorkerNextTo } from '../../../index/hnsw/start-worker.js';
import type { Payload } from '../../../collection/types.js';
import type { PointId } from '../../../storage/point-id.js';
import { ScannedUpsert, scanUpsert } from './upsert-scan.js';

export interface ScanRequest {
  readonly id: number;
  /** The body: its text, or its UTF-8 bytes (copied to the worker, which decodes them). */
  readonly body: string | Uint8Array;
}

/** The text of a body given as text or as UTF-8 bytes. */
export function bodyText(body: string | Uint8Array): string {
  return typeof body === 'string' ? body : Buffer.from(body.buffer, body.byteOffset, body.byteLength).toString('utf8');
}

export type ScanReply =
  | {
      readonly id: number;
      readonly scanned: {
        readonly members: Readonly<Record<string, unknown>>;
        readonly form: 'points' | 'batch';
        readonly ids: readonly PointId[];
        readonly dim: number;
        readonly vectors: Float32Array;
        readonly payloads: ReadonlyArray<Payload | null>;
      } | null;
    }
  | { readonly id: number; readonly error: string };

/** Workers lost in a row (none answering in between) after which bodies are scanned on the main thread only. */
const MAX_LOST = 3;

export class UpsertScanThread {
  private worker: Worker | undefined;
  private readonly pending = new Map<number, { body: string | Uint8Array; resolve: (s: ScannedUpsert | undefined) => void }>();
  private nextId = 0;
  private lostInRow = 0;

  constructor(private readonly start: () => Worker = () => startWorkerNextTo(import.meta.url, 'upsert-scan-worker')) {}

  /** Workers started so far, bodies a worker answered, and whether bodies still go to one (tests, diagnostics). */
  get state(): { started: number; answered: number; enabled: boolean } {
    return { started: this.started, answered: this.answered, enabled: this.lostInRow < MAX_LOST };
  }

  private started = 0;
  private answered = 0;

  /** `scanUpsert` of the body (text or UTF-8 bytes), done on the worker thread (or here, see the module comment). */
  scan(body: string | Uint8Array): Promise<ScannedUpsert | undefined> {
    if (this.lostInRow >= MAX_LOST) return scanUpsert(bodyText(body));
    return new Promise((resolve) => {
      const id = this.nextId++;
      this.pending.set(id, { body, resolve });
      try {
        const worker = this.running();
        worker.ref();
        worker.postMessage({ id, body } satisfies ScanRequest);
      } catch {
        // No worker could be started (or it refused the message): as if it was lost.
        if (this.worker !== undefined) this.lost(this.worker);
        else this.fallBack();
      }
    });
  }

  /** Stops the worker; bodies it had are scanned on the main thread. */
  async close(): Promise<void> {
    const worker = this.worker;
    this.lost(worker);
    await worker?.terminate();
  }

  private running(): Worker {
    if (this.worker !== undefined) return this.worker;
    const worker = this.start();
    this.started++;
    this.worker = worker;
    worker.on('message', (m: ScanReply) => this.settle(m));
    worker.on('error', () => this.lost(worker));
    worker.on('exit', () => this.lost(worker));
    return worker;
  }

  private settle(reply: ScanReply): void {
    const p = this.pending.get(reply.id);
    if (p === undefined) return;
    this.pending.delete(reply.id);
    this.lostInRow = 0;
    this.answered++;
    if (this.pending.size === 0) this.worker?.unref();
    if ('error' in reply || reply.scanned === null) {
      p.resolve(undefined);
      return;
    }
    const s = reply.scanned;
    p.resolve(new ScannedUpsert(s.members, s.form, s.ids, s.dim, s.vectors, s.payloads));
  }

  /** `worker` is gone (or failing): its bodies are scanned here; the next body starts another worker. */
  private lost(worker: Worker | undefined): void {
    if (worker === undefined || this.worker !== worker) return;
    this.worker = undefined;
    this.fallBack();
  }

  /** A worker is lost: the bodies waiting for it are scanned on the main thread. */
  private fallBack(): void {
    this.lostInRow++;
    const pending = [...this.pending.values()];
    this.pending.clear();
    for (const p of pending) scanUpsert(bodyText(p.body)).then(p.resolve, () => p.resolve(undefined));
  }
}
