/**
 * Node resource quotas (`GET/PUT /quotas`, Qdrant 1.19): when enabled and the process is over a
 * limit, point writes are refused with 507 until usage drops. The configuration set through the API
 * is persisted and from then on replaces `storage.quotas` of the config file, as in Qdrant.
 */
import { totalmem } from 'node:os';
import { AppError } from '../errors.js';
import type { Store } from '../storage/kv/store.js';
import { diskUsagePercent } from '../storage/fs.js';

export interface QuotaConfig {
  enabled: boolean;
  max_resident_memory_percent: number | null;
  max_disk_usage_percent: number | null;
}

/** The quota configuration with the usage it is checked against now. */
export interface QuotaStatus {
  readonly config: QuotaConfig;
  readonly usage: { readonly resident_memory_percent: number; readonly disk_usage_percent: number | null };
}

const KEY = 'quotas';

export class Quotas {
  private config: QuotaConfig;

  constructor(
    private readonly store: Store,
    seed: QuotaConfig,
    private readonly storagePath: string,
  ) {
    this.config = (store.meta.get(KEY) as QuotaConfig | undefined) ?? { ...seed };
  }

  private usage(): { resident_memory_percent: number; disk_usage_percent: number | null } {
    const resident = Math.round((process.memoryUsage().rss / totalmem()) * 1000) / 10;
    return { resident_memory_percent: resident, disk_usage_percent: diskUsagePercent(this.storagePath) };
  }

  get(): QuotaStatus {
    return { config: { ...this.config }, usage: this.usage() };
  }

  /** Replaces the quota configuration durably. */
  async set(next: QuotaConfig): Promise<void> {
    await this.store.commit(() => this.store.meta.put(KEY, next));
    this.config = next;
  }

  /**
   * Qdrant `QuotaTelemetry`: the configuration and, per capped resource, whether the node is at or over it
   * (`null` for a resource without a limit or when quotas are off; also the source of `quota_exceeded`).
   */
  telemetry(): { config: QuotaConfig; exceeded: { resident_memory: boolean | null; disk_usage: boolean | null } } {
    const c = this.config;
    if (!c.enabled) return { config: { ...c }, exceeded: { resident_memory: null, disk_usage: null } };
    const u = this.usage();
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
    const u = this.usage();
    const mem = this.config.max_resident_memory_percent;
    const disk = this.config.max_disk_usage_percent;
    if (mem !== null && u.resident_memory_percent >= mem) throw new AppError('INSUFFICIENT_STORAGE', [`resident memory ${u.resident_memory_percent}% is over the quota of ${mem}%`]);
    if (disk !== null && u.disk_usage_percent !== null && u.disk_usage_percent >= disk) throw new AppError('INSUFFICIENT_STORAGE', [`disk usage ${u.disk_usage_percent}% is over the quota of ${disk}%`]);
  }
}
