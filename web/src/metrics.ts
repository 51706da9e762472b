/** A small Prometheus text-format reader: the samples of the metrics the Service page charts. */
export interface Sample {
  readonly name: string;
  readonly labels: Readonly<Record<string, string>>;
  readonly value: number;
}

const LINE = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{(.*)\})?\s+(\S+)/;
const LABEL = /([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g;

export function parsePrometheus(text: string): Sample[] {
  const out: Sample[] = [];
  for (const line of text.split('\n')) {
    if (line.startsWith('#') || line.trim() === '') continue;
    const m = LINE.exec(line);
    if (m === null) continue;
    const labels: Record<string, string> = {};
    for (const l of (m[3] ?? '').matchAll(LABEL)) labels[l[1] ?? ''] = l[2] ?? '';
    out.push({ name: m[1] ?? '', labels, value: Number(m[4]) });
  }
  return out;
}

/** Sum of the samples named `name` (any labels) — with a metric prefix, the name ends with it. */
export function total(samples: readonly Sample[], name: string): number {
  return samples.filter((s) => s.name === name || s.name.endsWith(`_${name}`)).reduce((n, s) => n + s.value, 0);
}
