/**
 * Snapshot file names: generated like Qdrant's (`<collection>-<random>-<YYYY-MM-DD-HH-MM-SS>.snapshot`,
 * `full-snapshot-<…>.snapshot`), and checked when they come from a request so that they can never name
 * anything outside their directory.
 */
import { randomInt } from 'node:crypto';
import { AppError, escapeControlCharacters } from '../../errors.js';

export const SNAPSHOT_EXTENSION = '.snapshot';
export const CHECKSUM_SUFFIX = '.checksum';
/** Qdrant's name prefix for full-storage snapshots. */
export const FULL_SNAPSHOT_PREFIX = 'full-snapshot';
/** File names are limited to 255 bytes on common filesystems; leave room for `.checksum` and temp suffixes. */
const MAX_NAME_BYTES = 200;

/** `YYYY-MM-DD-HH-MM-SS` in UTC (Qdrant's snapshot timestamp). */
export function snapshotTimestamp(now: Date): string {
  const p = (n: number): string => String(n).padStart(2, '0');
  return `${now.getUTCFullYear()}-${p(now.getUTCMonth() + 1)}-${p(now.getUTCDate())}-${p(now.getUTCHours())}-${p(now.getUTCMinutes())}-${p(now.getUTCSeconds())}`;
}

/** `creation_time` as Qdrant reports it: a date-time without offset (UTC), to the second. */
export function creationTime(d: Date): string {
  return d.toISOString().slice(0, 19);
}

/** Cuts `s` to at most `maxBytes` UTF-8 bytes, on a code point boundary. */
function cutUtf8(s: string, maxBytes: number): string {
  if (Buffer.byteLength(s) <= maxBytes) return s;
  let out = '';
  let bytes = 0;
  for (const ch of s) {
    const b = Buffer.byteLength(ch);
    if (bytes + b > maxBytes) break;
    out += ch;
    bytes += b;
  }
  return out;
}

function randomDigits(): string {
  // 16 decimal digits, like the peer id in Qdrant's names; avoids collisions within one second.
  return `${randomInt(1, 10)}${String(randomInt(0, 1e9)).padStart(9, '0')}${String(randomInt(0, 1e6)).padStart(6, '0')}`;
}

/** A new collection snapshot name. */
export function collectionSnapshotName(collection: string, now: Date): string {
  return `${cutUtf8(collection, MAX_NAME_BYTES - 64)}-${randomDigits()}-${snapshotTimestamp(now)}${SNAPSHOT_EXTENSION}`;
}

/** A new shard snapshot name (Qdrant: `<collection>-shard-<id>-<peer>-<timestamp>.snapshot`). */
export function shardSnapshotName(collection: string, shardId: number, now: Date): string {
  return `${cutUtf8(collection, MAX_NAME_BYTES - 80)}-shard-${shardId}-${randomDigits()}-${snapshotTimestamp(now)}${SNAPSHOT_EXTENSION}`;
}

/** A new full snapshot name; `attempt` > 0 adds a suffix when a snapshot of the same second exists. */
export function fullSnapshotName(now: Date, attempt = 0): string {
  return `${FULL_SNAPSHOT_PREFIX}-${snapshotTimestamp(now)}${attempt > 0 ? `-${attempt}` : ''}${SNAPSHOT_EXTENSION}`;
}

/** Why `name` cannot be a snapshot file name, or undefined when it can. */
export function snapshotNameProblem(name: string): string | undefined {
  if (name.length === 0) return 'it is empty';
  if (name.includes('\0')) return 'it contains NUL';
  if (name.includes('/') || name.includes('\\')) return 'it contains a path separator';
  if (name === '.' || name === '..') return 'it is a relative directory reference';
  if (Buffer.byteLength(name) > 255) return 'it is longer than 255 bytes';
  if (!name.endsWith(SNAPSHOT_EXTENSION) || name.length === SNAPSHOT_EXTENSION.length) return `it does not end with \`${SNAPSHOT_EXTENSION}\``;
  return undefined;
}

/**
 * Checks a snapshot name taken from a request: a plain file name ending in `.snapshot`, never a path.
 * @throws AppError(BAD_INPUT) naming the problem.
 */
export function checkSnapshotName(name: string): string {
  const problem = snapshotNameProblem(name);
  if (problem !== undefined) throw new AppError('BAD_INPUT', [`Bad request: invalid snapshot name \`${printable(name)}\`: ${problem}`]);
  return name;
}

/** `s` cut at 120 characters, with control characters escaped, for error messages. */
export function printable(s: string): string {
  return escapeControlCharacters(s.length > 120 ? `${s.slice(0, 120)}…` : s);
}
