/**
 * What snapshot work is running and how it went: counts for the Prometheus gauges `snapshot_creation_running` /
 * `snapshot_recovery_running`, and log lines for start, size, duration and failure reason. (A failure nobody waits
 * for, a `wait=false` recovery, also becomes an entry of `GET /issues`: see `service/issues.ts`.)
 */
import { AppError } from '../../errors.js';

export interface ActivityLog {
  info(message: string): void;
  warn(message: string): void;
}

export class SnapshotActivity {
  creating = 0;
  recovering = 0;
  log: ActivityLog = { info: () => undefined, warn: () => undefined };
  private readonly stopper = new AbortController();
  private readonly idleWaiters: Array<() => void> = [];

  /**
   * Aborted at shutdown: snapshot creations stop between slices and remove their partial files; recoveries stop
   * at the next chunk or batch, before they change the collection.
   */
  get signal(): AbortSignal {
    return this.stopper.signal;
  }

  /** Shutdown: running snapshot work stops (failing with 503), new work is refused. */
  abort(): void {
    this.stopper.abort(new AppError('UNAVAILABLE', ['the server is shutting down; snapshot work stopped']));
  }

  /** Resolves once no snapshot creation or recovery runs (shutdown waits for the aborted ones to clean up). */
  idle(): Promise<void> {
    if (this.creating === 0 && this.recovering === 0) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  private settle(): void {
    if (this.creating !== 0 || this.recovering !== 0) return;
    for (const resolve of this.idleWaiters.splice(0)) resolve();
  }

  /** Runs one snapshot creation, counted and logged. */
  async creation<T extends { size: number }>(what: string, work: () => Promise<T>): Promise<T> {
    this.creating++;
    const t0 = Date.now();
    this.log.info(`snapshot: creating ${what}`);
    try {
      const r = await work();
      this.log.info(`snapshot: created ${what}: ${r.size} bytes in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
      return r;
    } catch (e) {
      this.log.warn(`snapshot: creating ${what} FAILED after ${((Date.now() - t0) / 1000).toFixed(1)} s: ${reason(e)}`);
      throw e;
    } finally {
      this.creating--;
      this.settle();
    }
  }

  /**
   * Marks a recovery of `collection` as running; the returned function ends it (with the error when it failed),
   * which is logged.
   */
  recoveryStarted(collection: string, source: string): (error?: unknown) => void {
    this.recovering++;
    const t0 = Date.now();
    this.log.info(`snapshot: recovering collection ${collection} from ${source}`);
    let ended = false;
    return (error) => {
      if (ended) return;
      ended = true;
      this.recovering--;
      this.settle();
      const secs = ((Date.now() - t0) / 1000).toFixed(1);
      if (error === undefined) {
        this.log.info(`snapshot: recovered collection ${collection} in ${secs} s`);
        return;
      }
      this.log.warn(`snapshot: recovery of collection ${collection} FAILED after ${secs} s: ${reason(error)}`);
    };
  }
}

function reason(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

