/**
 * Node resource quotas (`GET/PUT /quotas`, Qdrant 1.19): when enabled and the process is over a
 * limit, point writes are refused with 507 until usage drops. The configuration set through the API
 * is persisted and from then on replaces `storage.quotas` of the config file, as in Qdrant.
 *
 * As in 1.19, a limit that is reached stays tripped until usage has fallen `release_margin_percent`
 * points below it (default 5), so a resource resting on its limit does not flip the node in and out of
 * service between two readings. Usage is reported as whole percentages (Qdrant's `u8`).
 */
import { totalmem } from 'node:os';
import { AppError } from '../errors.js';
import type { Store } from '../storage/kv/store.js';
import { diskUsagePercent } from '../storage/fs.js';

export interface QuotaConfig {
  enabled: boolean;
  max_resident_memory_percent: number | null;
  max_disk_usage_percent: number | null;
  /** Points below a reached limit usage must fall before writes are accepted again; null = the default 5. */
  release_margin_percent: number | null;
}

/** Qdrant 1.19's built-in `release_margin_percent`. */
export const DEFAULT_RELEASE_MARGIN = 5;

/** `QuotaExceeded`: per resource, null when the node does not enforce it (disabled, no limit, not measurable). */
export interface QuotaExceeded {
  resident_memory: boolean | null;
  disk_usage: boolean | null;
}

interface Usage {
  resident_memory_percent: number;
  disk_usage_percent: number | null;
}

/** The quota configuration with the usage it is checked against now. */
export interface QuotaStatus {
  readonly config: QuotaConfig;
  readonly usage: { readonly resident_memory_percent: number; readonly disk_usage_percent: number | null };
}

const KEY = 'quotas';

function normalize(stored: Partial<QuotaConfig>): QuotaConfig {
  return {
    enabled: stored.enabled === true,
    max_resident_memory_percent: stored.max_resident_memory_percent ?? null,
    max_disk_usage_percent: stored.max_disk_usage_percent ?? null,
    release_margin_percent: stored.release_margin_percent ?? null,
  };
}

export class Quotas {
  private config: QuotaConfig;
  /** Latched verdicts: set when usage reaches the limit, cleared once it is a margin below. */
  private tripped = { resident_memory: false, disk_usage: false };

  constructor(
    private readonly store: Store,
    seed: Partial<QuotaConfig>,
    private readonly storagePath: string,
    private readonly measure: () => Usage = () => measureUsage(storagePath),
  ) {
    this.config = normalize((store.meta.get(KEY) as Partial<QuotaConfig> | undefined) ?? seed);
  }

  /** `QuotaStatus`: the configuration and this node's usage. */
  get(): QuotaStatus {
    return { config: { ...this.config }, usage: this.measure() };
  }

  /** Replaces the quota configuration durably; the latched verdicts start over. */
  async set(next: QuotaConfig): Promise<void> {
    const config = normalize(next);
    await this.store.commit(() => this.store.meta.put(KEY, config));
    this.config = config;
    this.tripped = { resident_memory: false, disk_usage: false };
  }

  /** `QuotaExceeded` after a fresh reading (what `/telemetry` reports as `quota.exceeded`). */
  exceeded(): QuotaExceeded {
    return this.evaluate(this.measure()).verdict;
  }

  /**
   * Qdrant `QuotaTelemetry`: the configuration and, per capped resource, whether the node is at or over it
   * (`null` for a resource without a limit or when quotas are off; also the source of `quota_exceeded`).
   */
  telemetry(): { config: QuotaConfig; exceeded: { resident_memory: boolean | null; disk_usage: boolean | null } } {
    const c = this.config;
    if (!c.enabled) return { config: { ...c }, exceeded: { resident_memory: null, disk_usage: null } };
    const u = this.measure();
    const mem = c.max_resident_memory_percent;
    const disk = c.max_disk_usage_percent;
    return {
      config: { ...c },
      exceeded: {
        resident_memory: mem === null ? null : u.resident_memory_percent >= mem,
        disk_usage: disk === null || u.disk_usage_percent === null ? null : u.disk_usage_percent >= disk,
      },
    };
  }

  /** @throws AppError(INSUFFICIENT_STORAGE) when a quota is enabled and exceeded. */
  checkWrite(): void {
    if (!this.config.enabled) return;
    const usage = this.measure();
    const { verdict } = this.evaluate(usage);
    if (verdict.resident_memory === true) {
      throw new AppError('INSUFFICIENT_STORAGE', [`resident memory ${usage.resident_memory_percent}% is over the quota of ${this.config.max_resident_memory_percent}%`]);
    }
    if (verdict.disk_usage === true) {
      throw new AppError('INSUFFICIENT_STORAGE', [`disk usage ${usage.disk_usage_percent}% is over the quota of ${this.config.max_disk_usage_percent}%`]);
    }
  }

  private evaluate(usage: Usage): { verdict: QuotaExceeded } {
    const margin = this.config.release_margin_percent ?? DEFAULT_RELEASE_MARGIN;
    const judge = (resource: 'resident_memory' | 'disk_usage', limit: number | null, used: number | null): boolean | null => {
      if (!this.config.enabled || limit === null || used === null) return null;
      const over = this.tripped[resource] ? used > limit - margin || used >= limit : used >= limit;
      this.tripped[resource] = over;
      return over;
    };
    return {
      verdict: {
        resident_memory: judge('resident_memory', this.config.max_resident_memory_percent, usage.resident_memory_percent),
        disk_usage: judge('disk_usage', this.config.max_disk_usage_percent, usage.disk_usage_percent),
      },
    };
  }
}

/** This process's resident memory and the storage filesystem's fill, as whole percentages. */
function measureUsage(storagePath: string): Usage {
  const disk = diskUsagePercent(storagePath);
  return {
    resident_memory_percent: Math.round((process.memoryUsage().rss / totalmem()) * 100),
    disk_usage_percent: disk === null ? null : Math.round(disk),
  };
}
