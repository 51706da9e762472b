/**
 * What `GET /telemetry` and the Qdrant series of `/metrics` read: the server's collections, requests, snapshots,
 * memory and quota as data (`TelemetrySource`). The wire document is presented in
 * `src/api/rest/present/telemetry.ts`.
 */
import type { RequestStats } from './request-stats.js';
import type { CollectionConfig } from '../collection/config.js';

/** What telemetry reads of one collection. */
export interface CollectionTelemetrySource {
  readonly id: string;
  readonly uuid: string;
  readonly createdAt: string;
  readonly config: CollectionConfig;
  readonly pointsCount: number;
  readonly vectorsCount: number;
  /** Vectors stored per vector name (`""` for the unnamed vector). */
  readonly vectorsByName: ReadonlyArray<readonly [string, number]>;
  readonly optimizing: boolean;
  readonly shardKeys: readonly unknown[];
  readonly vectorsSizeBytes: () => number;
  readonly payloadsSizeBytes: () => number;
}

export interface SnapshotCounters {
  readonly running: number;
  readonly recovering: number;
  readonly created: number;
}

export interface TelemetrySource {
  readonly id: string;
  readonly startedAt: Date;
  readonly quiverVersion: string;
  readonly compatVersion: string;
  readonly collections: () => CollectionTelemetrySource[];
  readonly maxCollections: number | null;
  readonly snapshots: (collection: string) => SnapshotCounters;
  readonly rest: RequestStats;
  readonly grpc: RequestStats;
  readonly quota: () => Record<string, unknown>;
  readonly memory: () => MemoryTelemetry;
  readonly recoveryMode: boolean;
  /** Distributed mode (`cluster.enabled`). */
  readonly clusterEnabled: boolean;
  readonly jwtRbac: boolean | null;
  readonly hideJwtDashboard: boolean | null;
  readonly audit: (() => Record<string, unknown>) | null;
  readonly auditDirSize: (() => number) | null;
  readonly diskSize: () => number | null;
  readonly isDocker: boolean;
  readonly distribution: { readonly id: string | null; readonly version: string | null };
}

export interface MemoryTelemetry {
  readonly active_bytes: number;
  readonly allocated_bytes: number;
  readonly metadata_bytes: number;
  readonly resident_bytes: number;
  readonly retained_bytes: number;
}

/** Node's memory as Qdrant's jemalloc figures (`allocated`: the JS heap and buffers in use; `active`: the heap reserved). */
export function processMemory(): MemoryTelemetry {
  const m = process.memoryUsage();
  return {
    active_bytes: m.heapTotal + m.external,
    allocated_bytes: m.heapUsed + m.external,
    metadata_bytes: 0,
    resident_bytes: m.rss,
    retained_bytes: Math.max(0, m.rss - m.heapTotal - m.external),
  };
}
