/**
 * The server's parts seen as Qdrant's telemetry reads them (one source for `/telemetry` and the Qdrant
 * series of `/metrics`).
 */
import { randomUUID } from 'node:crypto';
import type { Config } from '../config/schema.js';
import type { Collection } from '../collection/collection.js';
import { sizeStats } from '../collection/size-stats.js';
import type { Quotas } from './quotas.js';
import type { RequestStats } from './request-stats.js';
import type { SnapshotActivity } from './snapshots/activity.js';
import type { TableOfContent } from './table-of-content.js';
import { processMemory, type CollectionTelemetrySource, type TelemetrySource } from './telemetry.js';

export interface TelemetryParts {
  readonly config: Config;
  readonly toc: TableOfContent;
  readonly quotas: Quotas;
  readonly activity: SnapshotActivity;
  readonly rest: RequestStats;
  readonly grpc: RequestStats;
  readonly startedAt: Date;
  readonly quiverVersion: string;
  readonly compatVersion: string;
  readonly auditDirSize: (() => number) | null;
  readonly diskSize: () => number | null;
  readonly isDocker: boolean;
}

function vectorsByName(c: Collection): Array<readonly [string, number]> {
  const out: Array<readonly [string, number]> = [];
  for (const [name, spec] of c.schema.dense) out.push([name, spec.multivector ? (c.segment.otherVectors(name)?.size ?? 0) : (c.segment.denseStore(name)?.count ?? 0)]);
  for (const name of c.schema.sparse.keys()) out.push([name, c.segment.otherVectors(name)?.size ?? 0]);
  return out;
}

function collectionSource(name: string, c: Collection): CollectionTelemetrySource {
  return {
    id: name,
    uuid: c.uuid,
    createdAt: c.info.createdAt,
    config: c.config,
    pointsCount: c.pointsCount,
    vectorsCount: c.vectorsCount,
    vectorsByName: vectorsByName(c),
    optimizing: c.optimizing,
    shardKeys: c.info.shardKeys,
    vectorsSizeBytes: () => sizeStats(c).vectorBytes,
    payloadsSizeBytes: () => sizeStats(c).payloadBytes,
  };
}

export function telemetrySource(p: TelemetryParts): TelemetrySource {
  const audit = p.config.audit;
  return {
    id: randomUUID(),
    startedAt: p.startedAt,
    quiverVersion: p.quiverVersion,
    compatVersion: p.compatVersion,
    collections: () => p.toc.collectionNames().flatMap((name) => {
      const c = p.toc.uncheckedCollection(name, 'telemetry (global access)');
      return c === undefined ? [] : [collectionSource(name, c)];
    }),
    maxCollections: p.config.storage.max_collections,
    snapshots: (collection) => p.activity.counters(collection),
    rest: p.rest,
    grpc: p.grpc,
    quota: () => p.quotas.telemetry(),
    memory: processMemory,
    recoveryMode: false,
    clusterEnabled: p.config.cluster.enabled,
    jwtRbac: p.config.service.jwt_rbac ? true : null,
    hideJwtDashboard: p.config.service.hide_jwt_dashboard ? true : null,
    audit: audit.enabled
      ? () => ({ dir: audit.dir, rotation: audit.rotation, max_log_files: audit.max_log_files, trust_forwarded_headers: audit.trust_forwarded_headers, log_api: false })
      : null,
    auditDirSize: p.auditDirSize,
    diskSize: p.diskSize,
    isDocker: p.isDocker,
    distribution: { id: null, version: null },
  };
}
