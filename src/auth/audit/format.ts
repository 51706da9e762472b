/**
 * The audit directory's format marker `audit.format` (**Quiver**): `{"format":"quiver-audit","version":1}`.
 * Version 1 is the line format of `chain.ts` and the checkpoint `audit.head`. A directory without the marker was
 * written before it existed and is version 1; the file sink writes the marker when it opens such a directory (an
 * atomic replace, so a crash leaves no marker or the whole of it). A newer version is refused by the sink and by
 * `quiver audit verify` instead of being misread as tampering.
 */
import { join } from 'node:path';
import { atomicWrite } from '../../storage/fs.js';
import { checkFormatVersion } from '../../storage/format-version.js';
import { listDir, readFileIfPresent } from './audit-fs.js';
import { auditFilesIn } from './rotation.js';

export const AUDIT_FORMAT_FILE = 'audit.format';
export const AUDIT_FORMAT_VERSION = 1;
const FORMAT = 'quiver-audit';

/**
 * The format version of the audit directory `dir`: 1 when it has no marker.
 * @throws FormatVersionError when the marker names a newer or no version; Error when it is not a marker
 */
export function auditFormatVersion(dir: string): number {
  const bytes = readFileIfPresent(join(dir, AUDIT_FORMAT_FILE));
  if (bytes === undefined) return 1;
  let marker: unknown;
  try {
    marker = JSON.parse(bytes.toString('utf8'));
  } catch {
    marker = undefined;
  }
  if (typeof marker !== 'object' || marker === null || (marker as Record<string, unknown>)['format'] !== FORMAT) {
    throw new Error(`${join(dir, AUDIT_FORMAT_FILE)} is not an audit format marker ({"format":"${FORMAT}","version":N})`);
  }
  return checkFormatVersion('audit log', (marker as Record<string, unknown>)['version'] ?? null, AUDIT_FORMAT_VERSION);
}

/**
 * Checks the directory's format and records it when the marker is missing.
 * @throws as {@link auditFormatVersion}; the fs error when the marker cannot be written
 */
export function ensureAuditFormat(dir: string): void {
  const path = join(dir, AUDIT_FORMAT_FILE);
  if (readFileIfPresent(path) !== undefined) {
    auditFormatVersion(dir);
    return;
  }
  // Unmarked: a new directory is written in the current format; one holding a log predates the marker (v1).
  const version = auditFilesIn(listDir(dir)).length === 0 ? AUDIT_FORMAT_VERSION : 1;
  atomicWrite(path, `${JSON.stringify({ format: FORMAT, version })}\n`);
}
