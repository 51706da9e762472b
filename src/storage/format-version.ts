/**
 * Format versions of what Quiver stores (the LMDB store, index images, snapshots, the audit log, the keys file).
 * Every stored format records a version; a format written before versions were recorded has none, which reads
 * as version 1. A reader accepts versions 1..max and refuses a newer one with {@link newerFormatMessage} rather
 * than guessing at it. When a format changes, its max goes up and a golden fixture of the new version is added
 * (`tests/fixtures/golden/`, README "Upgrading").
 */

/** A stored version this Quiver cannot read: newer than it supports, or not a version at all. */
export class FormatVersionError extends Error {
  override name = 'FormatVersionError';
}

/** The message for a format newer than this build reads. */
export function newerFormatMessage(what: string, found: number, max: number): string {
  return `${what} format version ${found} is newer than this Quiver supports (max ${max}); upgrade Quiver`;
}

/**
 * Checks a stored version field against the newest version this build reads.
 * @param what - the format, as the operator knows it ("storage", "snapshot", "audit log" …)
 * @param found - the stored value; `undefined` (never recorded) means version 1
 * @returns the version
 * @throws FormatVersionError when `found` is newer than `max` or not a positive integer
 */
export function checkFormatVersion(what: string, found: unknown, max: number): number {
  if (found === undefined) return 1;
  if (typeof found !== 'number' || !Number.isSafeInteger(found) || found < 1) {
    throw new FormatVersionError(`${what} format version ${JSON.stringify(found)} is not a version number; the data is not Quiver's or is damaged`);
  }
  if (found > max) throw new FormatVersionError(newerFormatMessage(what, found, max));
  return found;
}
