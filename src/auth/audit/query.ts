/**
 * `POST /audit/logs`: the newest audit entries matching a time window and exact-match filters.
 *
 * Only the files whose period overlaps the window are opened (from their names), newest first; each is read
 * backwards a chunk at a time and reading stops as soon as `limit` entries matched, so memory is bounded by
 * `limit` (plus one chunk) whatever the size of the log. Entries come newest first, in the order they were
 * written; the chain fields (`seq`, `hash`, `prev_hash`) are dropped.
 */
import { join } from 'node:path';
import { AppError } from '../../errors.js';
import type { AuditEvent } from '../audit-event.js';
import { parseRfc3339 } from '../keys-file.js';
import { hasErrorCode, listDir, readLinesBackward } from './audit-fs.js';
import { CHAIN_FIELDS, eventOf } from './chain.js';
import { auditFilesIn, filesOverlapping, LATE_EVENT_TOLERANCE_MS } from './rotation.js';
import { isObject } from '../../json.js';

/** The request body (Qdrant's names). Checked at run time: it may come straight from JSON. */
export interface AuditLogQuery {
  /** 1..10000, default 100. */
  readonly limit?: number | null;
  /** RFC 3339, inclusive. */
  readonly time_from?: string | null;
  /** RFC 3339, exclusive. */
  readonly time_to?: string | null;
  /** Field → exact value, AND-combined, case-sensitive; any field but `timestamp`; unknown fields match nothing. */
  readonly filters?: Readonly<Record<string, string>> | null;
}

/** Test hooks. */
export interface AuditQueryOptions {
  /** Called with each file name before it is opened. */
  readonly onOpen?: (file: string) => void;
}

export const DEFAULT_AUDIT_LIMIT = 100;
export const MAX_AUDIT_LIMIT = 10_000;

const bad = (message: string): AppError => new AppError('BAD_INPUT', [message]);

/** A value for an error message. */
function show(v: unknown): string {
  return JSON.stringify(v) ?? typeof v;
}

function parseLimit(v: unknown): number {
  if (v === undefined || v === null) return DEFAULT_AUDIT_LIMIT;
  if (typeof v !== 'number' || !Number.isInteger(v) || v < 1 || v > MAX_AUDIT_LIMIT) {
    throw bad(`limit must be an integer from 1 to ${MAX_AUDIT_LIMIT}, got ${show(v)}`);
  }
  return v;
}

function parseTime(v: unknown, name: 'time_from' | 'time_to'): number | undefined {
  if (v === undefined || v === null) return undefined;
  const at = typeof v === 'string' ? parseRfc3339(v) : undefined;
  if (at === undefined) {
    throw bad(`${name} must be an RFC 3339 timestamp such as 2026-03-26T00:00:00Z, got ${show(v)}`);
  }
  return at.getTime();
}

function parseFilters(v: unknown): [string, string][] {
  if (v === undefined || v === null) return [];
  if (typeof v !== 'object' || Array.isArray(v)) throw bad('filters must be an object of field names to exact values');
  const filters = Object.entries(v as Record<string, unknown>);
  for (const [field, value] of filters) {
    if (field === 'timestamp') throw bad('filters cannot match timestamp: use time_from and time_to');
    if (typeof value !== 'string') throw bad(`filters.${field} must be a string`);
  }
  return filters as [string, string][];
}

/**
 * The newest entries of the audit log in `dir` matching `query`, newest first.
 * @throws AppError BAD_INPUT (400) naming the parameter: `limit` out of 1..10000 or not an integer, a `time_from`
 *   or `time_to` that is not RFC 3339, `filters` not an object of strings, or a filter on `timestamp`
 * @example
 * await queryAuditLogs(dir, { limit: 50, time_from: '2026-03-26T00:00:00Z', filters: { result: 'denied' } });
 */
export async function queryAuditLogs(dir: string, query: AuditLogQuery = {}, options: AuditQueryOptions = {}): Promise<AuditEvent[]> {
  const limit = parseLimit(query.limit);
  const fromMs = parseTime(query.time_from, 'time_from');
  const toMs = parseTime(query.time_to, 'time_to');
  const filters = parseFilters(query.filters);
  if (fromMs !== undefined && toMs !== undefined && fromMs >= toMs) return [];

  const files = filesOverlapping(auditFilesIn(listDir(dir)), fromMs, toMs).reverse();
  const entries: AuditEvent[] = [];
  let older = false; // reached lines older than the window: older files hold nothing newer
  for (const file of files) {
    if (entries.length >= limit || older) break;
    options.onOpen?.(file.name);
    try {
      await readLinesBackward(join(dir, file.name), (text) => {
        const record = parseRecord(text);
        if (record === undefined) return true;
        const ms = typeof record['timestamp'] === 'string' ? Date.parse(record['timestamp']) : Number.NaN;
        if (Number.isNaN(ms)) return true;
        if (fromMs !== undefined && ms < fromMs) {
          // Lines are written in time order, give or take late events (see LATE_EVENT_TOLERANCE_MS).
          older = ms < fromMs - LATE_EVENT_TOLERANCE_MS;
          return !older;
        }
        if (toMs !== undefined && ms >= toMs) return true;
        if (!filters.every(([field, value]) => Object.hasOwn(record, field) && !CHAIN_FIELDS.has(field) && record[field] === value)) {
          return true;
        }
        entries.push(eventOf(record));
        return entries.length < limit;
      });
    } catch (e) {
      // Retention may delete a file between the listing and the read.
      if (!hasErrorCode(e, 'ENOENT')) throw e;
    }
  }
  return entries;
}

function parseRecord(text: string): Record<string, unknown> | undefined {
  try {
    const v: unknown = JSON.parse(text);
    return isObject(v) ? v : undefined;
  } catch {
    return undefined;
  }
}
