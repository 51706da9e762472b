/**
 * What snapshot work is running and how it went: counts for the Prometheus gauges `snapshot_creation_running` /
 * `snapshot_recovery_running`, log lines for start, size, duration and failure reason, and — for failures nobody
 * waits for (`wait=false` recoveries) — an entry in `GET /issues`.
 */
import type { TableOfContent } from '../table-of-content.js';
import { AppError } from '../../errors.js';

export interface ActivityLog {
  info(message: string): void;
  warn(message: string): void;
}

/** An entry of `GET /issues` (Qdrant's shape: id, description, solution, timestamp). */
export interface Issue {
  readonly id: string;
  readonly description: string;
  readonly solution: string;
  readonly timestamp: string;
}

const MAX_ISSUES = 100;

export class SnapshotActivity {
  creating = 0;
  recovering = 0;
  log: ActivityLog = { info: () => undefined, warn: () => undefined };
  private readonly issueList: Issue[] = [];
  private readonly stopper = new AbortController();

  /** Aborted at shutdown: snapshot creations stop between slices and remove their partial files. */
  get signal(): AbortSignal {
    return this.stopper.signal;
  }

  /** Shutdown: running snapshot creations stop (failing with 503), new ones are refused. */
  abort(): void {
    this.stopper.abort(new AppError('UNAVAILABLE', ['the server is shutting down; snapshot creation stopped']));
  }

  get issues(): readonly Issue[] {
    return this.issueList;
  }

  clearIssues(): void {
    this.issueList.length = 0;
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
    }
  }

  /**
   * Marks a recovery of `collection` as running; the returned function ends it (with the error when it failed).
   * A failure is logged, and recorded as an issue when `background` (no client waits for the answer).
   */
  recoveryStarted(collection: string, source: string): (error?: unknown, background?: boolean) => void {
    this.recovering++;
    const t0 = Date.now();
    this.log.info(`snapshot: recovering collection ${collection} from ${source}`);
    let ended = false;
    return (error, background = false) => {
      if (ended) return;
      ended = true;
      this.recovering--;
      const secs = ((Date.now() - t0) / 1000).toFixed(1);
      if (error === undefined) {
        this.log.info(`snapshot: recovered collection ${collection} in ${secs} s`);
        return;
      }
      this.log.warn(`snapshot: recovery of collection ${collection} FAILED after ${secs} s: ${reason(error)}`);
      if (background) {
        this.issueList.push({
          id: `snapshot_recovery_failed/${collection}/${new Date().toISOString()}`,
          description: `Snapshot recovery of collection ${collection} (requested with wait=false) failed: ${reason(error)}`,
          solution: 'Check the snapshot (location, checksum, format) and recover again; the collection was left as it was.',
          timestamp: new Date().toISOString(),
        });
        if (this.issueList.length > MAX_ISSUES) this.issueList.shift();
      }
    };
  }
}

function reason(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

const activities = new WeakMap<TableOfContent, SnapshotActivity>();

/** The snapshot activity of a table of contents. */
export function snapshotActivity(toc: TableOfContent): SnapshotActivity {
  let a = activities.get(toc);
  if (a === undefined) {
    a = new SnapshotActivity();
    activities.set(toc, a);
  }
  return a;
}
