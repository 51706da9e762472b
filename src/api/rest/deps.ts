import type { Config } from '../../config/schema.js';
import type { TableOfContent } from '../../service/table-of-content.js';
import type { Metrics } from '../../service/metrics.js';
import type { TelemetrySource } from '../../service/telemetry.js';
import type { AccessGate } from './gate.js';
import type { Quotas } from '../../service/quotas.js';
import type { AuditSink } from '../../auth/audit-event.js';
import type { SnapshotService } from '../../service/snapshots/service.js';
import type { Issues } from '../../service/issues.js';
import type { ClusterView } from '../../service/cluster-view.js';

/** What the REST layer needs from the rest of the process, injected by `buildApp`. */
export interface AppDeps {
  readonly config: Config;
  readonly toc: TableOfContent;
  readonly metrics: Metrics;
  /** What `/telemetry` reports (and `/metrics` renders as Qdrant's series). */
  readonly telemetry: TelemetrySource;
  readonly gate: AccessGate;
  /** The current audit sink (swapped on reload). */
  readonly audit: () => AuditSink;
  readonly startedAt: Date;
  readonly quiverVersion: string;
  readonly quotas: Quotas;
  /** The process logger's level (pino's names), read and changed by `GET/POST /logger`. */
  readonly logLevel: { get(): string; set(level: string): void };
  /** The audit log directory, or null when `audit.enabled` is false. */
  readonly auditDir: string | null;
  /** The configuration whose credentials are in force (a SIGHUP reload replaces `config`'s keys); default `config`. */
  readonly liveConfig?: () => Config;
  /** Re-reads the credentials now (after the dashboard changed the keys file). */
  readonly reloadCredentials?: () => Promise<void>;
  readonly snapshots: SnapshotService;
  /** `GET /issues`: background failures (wait=false snapshot recovery). */
  readonly issues: Issues;
  /** Distributed mode (issue 19): the cluster's status and replication; absent on a single node. */
  readonly cluster?: ClusterView;
}
