/** `PUT /quotas` body (validated against 1.19's `QuotaConfig`) → the service's `QuotaConfig`. */
import { badInput } from '../../../errors.js';
import type { QuotaConfig } from '../../../service/quotas.js';

function percent(v: unknown, field: string, min: number): number | null {
  if (v === undefined || v === null) return null;
  if (typeof v !== 'number' || !Number.isInteger(v) || v < min || v > 100) throw badInput(`${field}: expected an integer between ${min} and 100`);
  return v;
}

export function parseQuotaConfig(body: Readonly<Record<string, unknown>>): QuotaConfig {
  const enabled = body['enabled'] ?? false;
  if (typeof enabled !== 'boolean') throw badInput('enabled: expected a boolean');
  return {
    enabled,
    max_resident_memory_percent: percent(body['max_resident_memory_percent'], 'max_resident_memory_percent', 1),
    max_disk_usage_percent: percent(body['max_disk_usage_percent'], 'max_disk_usage_percent', 1),
    release_margin_percent: percent(body['release_margin_percent'], 'release_margin_percent', 0),
  };
}
