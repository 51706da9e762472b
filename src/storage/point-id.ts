import { badInput } from '../errors.js';

/**
 * A point id as clients see it: an unsigned integer or a UUID (always lowercase, hyphenated).
 * Integers are limited to 2^53 - 1: JSON numbers beyond that cannot be represented exactly in
 * JavaScript, so Quiver refuses them instead of silently rounding them to a neighbour's id.
 */
export type PointId = number | string;

/** The canonical string form of a point id, used as a map and storage key. */
export type PointKey = string & { readonly __brand: 'PointKey' };

const UUID_HEX = /^[0-9a-f]{32}$/;

/**
 * Parses every id form Qdrant accepts: non-negative integers, and UUIDs as hyphenated, simple
 * (32 hex digits), braced `{…}` or `urn:uuid:…`, in any case.
 * @throws AppError(BAD_INPUT) naming the value when it is not a valid id.
 */
export function parsePointId(value: unknown): PointId {
  if (typeof value === 'number') {
    if (!Number.isInteger(value) || value < 0) {
      throw badInput(`Unable to parse point id ${JSON.stringify(value)}: expected an unsigned integer or a UUID`);
    }
    if (!Number.isSafeInteger(value)) {
      throw badInput(`Point id ${value} is too large: Quiver accepts integer ids up to ${Number.MAX_SAFE_INTEGER}`);
    }
    return value;
  }
  if (typeof value === 'string') {
    const uuid = normalizeUuid(value);
    if (uuid !== null) return uuid;
    throw badInput(`Unable to parse UUID: ${truncate(value)}`);
  }
  throw badInput(`Unable to parse point id ${truncate(JSON.stringify(value) ?? String(value))}: expected an unsigned integer or a UUID`);
}

export function normalizeUuid(value: string): string | null {
  let s = value.trim().toLowerCase();
  if (s.startsWith('urn:uuid:')) s = s.slice(9);
  if (s.startsWith('{') && s.endsWith('}')) s = s.slice(1, -1);
  const hex = s.replace(/-/g, '');
  if (!UUID_HEX.test(hex)) return null;
  if (s.length !== 32 && !/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/.test(s)) return null;
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

export function pointKey(id: PointId): PointKey {
  return (typeof id === 'number' ? String(id) : id) as PointKey;
}

export function pointIdFromKey(key: PointKey | string): PointId {
  return key.includes('-') ? key : Number(key);
}

/** Qdrant orders integer ids before UUIDs, integers numerically, UUIDs by their bytes. */
export function comparePointIds(a: PointId, b: PointId): number {
  if (typeof a === 'number') return typeof b === 'number' ? a - b : -1;
  if (typeof b === 'number') return 1;
  return a < b ? -1 : a > b ? 1 : 0;
}

function truncate(s: string): string {
  return s.length > 80 ? `${s.slice(0, 80)}…` : s;
}
