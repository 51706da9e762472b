/**
 * Snapshot work at startup, before the server listens:
 * - removes what a crash during snapshot creation or recovery left (work directories under the temp path, `.tmp`
 *   archives in the snapshots directory, points tables of interrupted recoveries in the store);
 * - recovers the snapshots named by Qdrant's flags `--snapshot PATH:COLLECTION` (repeatable) and
 *   `--storage-snapshot PATH` (a full snapshot). The target collections must not exist unless `--force-snapshot`.
 */
import { resolve } from 'node:path';
import { AppError } from '../../errors.js';
import { authorize, type GlobalPass } from '../../auth/authorize.js';
import { fullAccess } from '../../auth/access.js';
import { NoopAuditSink, type AuditSink } from '../../auth/audit-event.js';
import type { TableOfContent } from '../table-of-content.js';
import type { SnapshotService } from './service.js';

export interface StartupSnapshotFlags {
  /** `--snapshot PATH:COLLECTION` values. */
  readonly snapshots: readonly string[];
  /** `--storage-snapshot PATH`. */
  readonly storageSnapshot?: string | undefined;
  /** `--force-snapshot`: replace collections that already exist. */
  readonly force: boolean;
}

/**
 * Splits `PATH:COLLECTION` at its last colon (collection names cannot contain one).
 * @throws AppError(BAD_INPUT) when either part is empty.
 */
export function parseSnapshotFlag(value: string): { path: string; collection: string } {
  const i = value.lastIndexOf(':');
  const path = i < 0 ? '' : value.slice(0, i);
  const collection = i < 0 ? '' : value.slice(i + 1);
  if (path === '' || collection === '') throw new AppError('BAD_INPUT', [`--snapshot expects PATH:COLLECTION, got \`${value}\``]);
  return { path, collection };
}

/** A global pass for the server's own startup recovery (audited like any recovery). */
async function startupPass(toc: TableOfContent, audit: AuditSink, api: string): Promise<GlobalPass> {
  return authorize({ type: 'None', access: fullAccess('startup snapshot recovery requested on the command line') }, 'recover_from_snapshot', {}, {
    resolveAlias: (name) => toc.resolve(name),
    valueExists: () => Promise.resolve('ok'),
    audit,
    request: { api },
  });
}

export interface StartupReport {
  readonly tempFilesRemoved: number;
  readonly tablesDropped: number;
  readonly recovered: readonly string[];
}

/**
 * Cleans snapshot leftovers, then recovers the flagged snapshots (all collection snapshots are read and checked
 * one by one; the first failure stops startup).
 * @throws AppError when a flag is malformed, a snapshot is invalid, or a target exists without `force`.
 */
export async function prepareSnapshotsAtStartup(toc: TableOfContent, service: SnapshotService, flags: StartupSnapshotFlags, audit: AuditSink = new NoopAuditSink()): Promise<StartupReport> {
  const tempFilesRemoved = service.cleanTemp();
  const tablesDropped = await toc.dropSnapshotLeftovers();
  const recovered: string[] = [];
  const parsed = flags.snapshots.map(parseSnapshotFlag);
  if (flags.storageSnapshot !== undefined) {
    const pass = await startupPass(toc, audit, '--storage-snapshot');
    recovered.push(...(await service.restoreFullFromFile(pass, resolve(flags.storageSnapshot), flags.force)));
  }
  for (const { path, collection } of parsed) {
    if (!flags.force && toc.exists(collection)) {
      throw new AppError('BAD_INPUT', [`collection \`${collection}\` already exists: use --force-snapshot to replace it`]);
    }
    const pass = await startupPass(toc, audit, '--snapshot');
    await service.recoverFromFile(pass, resolve(path), collection);
    recovered.push(collection);
  }
  return { tempFilesRemoved, tablesDropped, recovered };
}
