/**
 * `audit.sink: stdout | both` (**Quiver**): one JSON line per event on a stream, for log shippers, and the tee
 * that sends each event to several sinks. Stdout lines are the plain event (no hash chain: the shipper's store
 * is the record; the file sink keeps the chain).
 */
import type { AuditEvent, AuditSink } from '../audit-event.js';
import { AuditWriteError } from './file-sink.js';

/** Configuration of {@link StdoutSink}. */
export interface StdoutSinkConfig {
  /** Where lines go. Default: `process.stdout`. */
  readonly stream?: NodeJS.WritableStream;
  /** Reject `write` when the stream fails, instead of counting the line lost. */
  readonly failClosed: boolean;
  readonly onLost?: (n: number) => void;
  readonly warn?: (message: string) => void;
}

/** Writes each event as one JSON line; `write` resolves when the stream has accepted the line. */
export class StdoutSink implements AuditSink {
  private readonly stream: NodeJS.WritableStream;
  private readonly failClosed: boolean;
  private readonly onLost: ((n: number) => void) | undefined;
  private readonly warn: (message: string) => void;
  private lost = 0;
  private failing = false;

  constructor(config: StdoutSinkConfig) {
    this.stream = config.stream ?? process.stdout;
    this.failClosed = config.failClosed;
    this.onLost = config.onLost;
    this.warn = config.warn ?? ((m) => void process.stderr.write(`quiver audit: ${m}\n`));
    // Each failed write also reaches its callback (handled there); without a listener, an EPIPE 'error' event
    // would crash the process.
    this.stream.on('error', () => undefined);
  }

  /** Lines lost so far (fail-open only). */
  get lostLines(): number {
    return this.lost;
  }

  /**
   * Writes `event`. Never throws synchronously.
   * @throws (rejects with) AuditWriteError when the stream fails and the sink fails closed
   */
  write(event: AuditEvent): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      const settle = (err?: Error | null): void => {
        if (err === undefined || err === null) {
          this.failing = false;
          resolve();
          return;
        }
        if (!this.failing) this.warn(`audit lines cannot be written to the output stream: ${err.message}`);
        this.failing = true;
        if (this.failClosed) {
          reject(new AuditWriteError(err.message, { cause: err }));
          return;
        }
        this.lost++;
        try {
          this.onLost?.(1);
        } catch {
          // A metric callback must not turn into a lost promise.
        }
        resolve();
      };
      try {
        this.stream.write(`${JSON.stringify(event)}\n`, settle);
      } catch (e) {
        settle(e instanceof Error ? e : new Error(String(e)));
      }
    });
  }
}

/** Sends every event to all of `sinks`; resolves when all have, rejects when any rejects. */
export class TeeSink implements AuditSink {
  constructor(private readonly sinks: readonly AuditSink[]) {}

  async write(event: AuditEvent): Promise<void> {
    await Promise.all(this.sinks.map((s) => s.write(event)));
  }
}
