import type { ClusterView } from '../../service/cluster-view.js';
import type { Config } from '../../config/schema.js';
import type { TableOfContent } from '../../service/table-of-content.js';
import type { Quotas } from '../../service/quotas.js';
import type { SnapshotService } from '../../service/snapshots/service.js';
import type { AuditSink } from '../../auth/audit-event.js';
import type { CredentialStore } from '../../auth/credentials.js';
import type { AuthThrottle } from '../../auth/throttle.js';
import type { ValueExistsClaim } from '../../auth/jwt.js';
import type { ValueExistsOutcome } from '../../auth/authorize.js';
import type { AllowList } from '../../auth/ip-allowlist.js';
import type { RequestStats } from '../../service/request-stats.js';

/** What the gRPC layer needs from the rest of the process (the same engine, credentials and audit as REST). */
export interface GrpcDeps {
  readonly config: Config;
  readonly toc: TableOfContent;
  readonly quotas: Quotas;
  readonly snapshots: SnapshotService;
  readonly credentials: CredentialStore;
  /** The brute-force throttle shared with REST (failed authentications per client address). */
  readonly throttle?: AuthThrottle;
  readonly onThrottle?: (event: 'refused' | 'blocked') => void;
  /** The current audit sink. */
  readonly audit: () => AuditSink;
  readonly valueExists: (claim: ValueExistsClaim) => Promise<ValueExistsOutcome>;
  readonly allowList: AllowList;
  readonly quiverVersion: string;
  /** Qdrant's version Quiver answers as (HealthCheck `version`). */
  readonly compatVersion: string;
  readonly log: { error(message: string, err: unknown): void; warn(message: string): void };
  /**
   * Starts foreground work (`index/foreground-work.ts`) for a large request; the returned function ends it.
   * Absent: large gRPC writes do not hold background index builds back.
   */
  readonly foreground?: () => () => void;
  /** Where responses are counted for telemetry and `/metrics` (`requests.grpc`). */
  readonly requests?: RequestStats;
  /** Distributed mode (issue 19): reads over shards this node does not hold fan out to their holders. */
  readonly cluster?: ClusterView;
}
