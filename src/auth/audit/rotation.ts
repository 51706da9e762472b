/**
 * Audit file names, the time period each one covers, ordering and retention. Pure: no I/O.
 *
 * Names are Qdrant's: `audit.YYYY-MM-DD.log` (daily) and `audit.YYYY-MM-DD-HH.log` (hourly), UTC. A directory may
 * hold both kinds after `audit.rotation` changed; they are ordered by the start of their period.
 */

/** How often a new audit file starts. */
export type Rotation = 'daily' | 'hourly';

/** One audit file, as named. The period is `[startMs, endMs)`. */
export interface LogFile {
  readonly name: string;
  readonly rotation: Rotation;
  readonly startMs: number;
  readonly endMs: number;
}

const HOUR_MS = 3_600_000;
const DAY_MS = 24 * HOUR_MS;
const NAME_RE = /^audit\.(\d{4})-(\d{2})-(\d{2})(?:-(\d{2}))?\.log$/;

/**
 * Lines whose timestamp precedes their file's period by up to this much are expected: an event is never written
 * to an older file than the current one (the chain runs forwards), so a request that straddles a rotation, or a
 * small clock step back, lands at the head of the next file. Queries widen each file's period by this much.
 */
export const LATE_EVENT_TOLERANCE_MS = 60_000;

const pad = (n: number, width = 2): string => String(n).padStart(width, '0');

/** The file of `rotation` whose period contains the instant `ms`. */
export function periodOf(rotation: Rotation, ms: number): LogFile {
  const d = new Date(ms);
  const day = `${pad(d.getUTCFullYear(), 4)}-${pad(d.getUTCMonth() + 1)}-${pad(d.getUTCDate())}`;
  if (rotation === 'daily') {
    const startMs = Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), d.getUTCDate());
    return { name: `audit.${day}.log`, rotation, startMs, endMs: startMs + DAY_MS };
  }
  const startMs = Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), d.getUTCDate(), d.getUTCHours());
  return { name: `audit.${day}-${pad(d.getUTCHours())}.log`, rotation, startMs, endMs: startMs + HOUR_MS };
}

/** The file a name denotes, or `undefined` when `name` is not an audit file name (or names no real date). */
export function parseLogFileName(name: string): LogFile | undefined {
  const m = NAME_RE.exec(name);
  if (m === null) return undefined;
  const [year, month, day] = [Number(m[1]), Number(m[2]), Number(m[3])];
  const hour = m[4] === undefined ? undefined : Number(m[4]);
  if (hour !== undefined && hour > 23) return undefined;
  const startMs = Date.UTC(year, month - 1, day, hour ?? 0);
  const file = periodOf(hour === undefined ? 'daily' : 'hourly', startMs);
  // Rejects 2026-02-30 and the like, which Date.UTC would roll over.
  return file.name === name ? file : undefined;
}

/** Oldest first: by period start, then by name (a tie only arises when files were renamed by hand). */
export function compareLogFiles(a: LogFile, b: LogFile): number {
  return a.startMs - b.startMs || (a.name < b.name ? -1 : a.name > b.name ? 1 : 0);
}

/** The audit files among directory entry names, oldest first. Other entries are ignored. */
export function auditFilesIn(names: readonly string[]): LogFile[] {
  const files: LogFile[] = [];
  for (const name of names) {
    const file = parseLogFileName(name);
    if (file !== undefined) files.push(file);
  }
  return files.sort(compareLogFiles);
}

/**
 * The file an event goes to: its own period's file, unless that is not newer than `current` — files are written
 * in order and never reopened, so a late event joins the current file (see {@link LATE_EVENT_TOLERANCE_MS}).
 */
export function targetFile(rotation: Rotation, eventMs: number, current: LogFile | undefined): LogFile {
  // The common case, without building a name: periods of one rotation are aligned, so any instant before the end
  // of the current file's period belongs to it or to an older one.
  if (current !== undefined && current.rotation === rotation && eventMs < current.endMs) return current;
  const own = periodOf(rotation, eventMs);
  return current !== undefined && own.startMs <= current.startMs ? current : own;
}

/** The files retention deletes: all but the newest `maxLogFiles` of `files` (sorted oldest first). */
export function expiredFiles(files: readonly LogFile[], maxLogFiles: number): LogFile[] {
  return files.slice(0, Math.max(0, files.length - maxLogFiles));
}

/**
 * The files that may hold events with a timestamp in `[fromMs, toMs)`, given that a file holds events of its own
 * period plus late ones (up to {@link LATE_EVENT_TOLERANCE_MS} older).
 */
export function filesOverlapping(files: readonly LogFile[], fromMs: number | undefined, toMs: number | undefined): LogFile[] {
  return files.filter(
    (f) => (fromMs === undefined || f.endMs > fromMs) && (toMs === undefined || f.startMs - LATE_EVENT_TOLERANCE_MS < toMs),
  );
}
