/**
 * Prometheus text exposition of metric families computed at scrape time, the way Qdrant renders its
 * telemetry (src/common/metrics/helpers.rs): a family with no samples is left out entirely, histograms
 * carry cumulative `_bucket{le}` samples, `_sum` and `_count`. prom-client renders the series Quiver
 * updates as it goes (quiver_*); these are the series Qdrant derives from its telemetry.
 */

export type Labels = ReadonlyArray<readonly [string, string]>;

export type Sample =
  | { readonly labels: Labels; readonly value: number }
  | { readonly labels: Labels; readonly count: number; readonly sum: number; readonly buckets: ReadonlyArray<readonly [number, number]> };

export interface Family {
  readonly name: string;
  readonly help: string;
  readonly type: 'counter' | 'gauge' | 'histogram';
  readonly samples: readonly Sample[];
}

function escapeLabel(v: string): string {
  return v.replace(/\\/g, '\\\\').replace(/\n/g, '\\n').replace(/"/g, '\\"');
}

function labelText(labels: Labels, extra?: readonly [string, string]): string {
  const all = extra === undefined ? labels : [...labels, extra];
  return all.length === 0 ? '' : `{${all.map(([k, v]) => `${k}="${escapeLabel(v)}"`).join(',')}}`;
}

function num(v: number): string {
  if (v === Infinity) return '+Inf';
  if (v === -Infinity) return '-Inf';
  return String(v);
}

/** The families as exposition text (families without samples are omitted, as in Qdrant). */
export function renderFamilies(families: readonly Family[], prefix: string): string {
  let out = '';
  for (const f of families) {
    if (f.samples.length === 0) continue;
    const name = prefix + f.name;
    out += `# HELP ${name} ${f.help}\n# TYPE ${name} ${f.type}\n`;
    for (const s of f.samples) {
      if ('value' in s) {
        out += `${name}${labelText(s.labels)} ${num(s.value)}\n`;
        continue;
      }
      for (const [le, c] of s.buckets) out += `${name}_bucket${labelText(s.labels, ['le', num(le)])} ${c}\n`;
      out += `${name}_bucket${labelText(s.labels, ['le', '+Inf'])} ${s.count}\n`;
      out += `${name}_sum${labelText(s.labels)} ${num(s.sum)}\n`;
      out += `${name}_count${labelText(s.labels)} ${s.count}\n`;
    }
  }
  return out;
}
