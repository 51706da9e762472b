/**
 * Prometheus metrics with Qdrant's names (`app_info`, `collections_total`, `rest_responses_total`, …),
 * so dashboards built for Qdrant work unchanged. Values that are cheap to read are collected on scrape.
 * Series Qdrant does not have carry the `quiver_` prefix (`quiver_build_info`, prom-client's process and
 * Node.js metrics, audit gauges); `service.metrics_prefix` goes in front of every name.
 */
import { Registry, Gauge, Counter, Histogram, collectDefaultMetrics } from 'prom-client';

/** The prefix of series that only Quiver has. */
export const QUIVER_PREFIX = 'quiver_';

export interface MetricsSource {
  collections(): number;
  vectors(): number;
  points(): number;
}

export class Metrics {
  readonly registry = new Registry();
  private readonly responses: Counter<'method' | 'endpoint' | 'status'>;
  private readonly failures: Counter<'method' | 'endpoint' | 'status'>;
  private readonly duration: Histogram<'method' | 'endpoint'>;
  /** Extra gauges registered by other parts (audit directory size, lost audit lines, …). */
  readonly extra: Map<string, Gauge | Counter>;

  constructor(version: string, source: MetricsSource, private readonly prefix = '', quiverVersion?: string) {
    const r = [this.registry];
    this.extra = new Map();
    collectDefaultMetrics({ register: this.registry, prefix: `${prefix}${QUIVER_PREFIX}` });
    if (quiverVersion !== undefined) {
      new Gauge({ name: `${prefix}${QUIVER_PREFIX}build_info`, help: 'Quiver version (value 1)', labelNames: ['version', 'node'], registers: r }).set({ version: quiverVersion, node: process.version }, 1);
    }
    new Gauge({ name: `${prefix}app_info`, help: 'information about qdrant server', labelNames: ['name', 'version'], registers: r }).set({ name: 'qdrant', version }, 1);
    new Gauge({ name: `${prefix}app_status_recovery_mode`, help: 'features enabled in qdrant server', registers: r }).set(0);
    new Gauge({ name: `${prefix}collections_total`, help: 'number of collections', registers: r, collect() { this.set(source.collections()); } });
    new Gauge({ name: `${prefix}collections_vector_total`, help: 'total number of vectors in all collections', registers: r, collect() { this.set(source.vectors()); } });
    new Gauge({ name: `${prefix}collections_points_total`, help: 'total number of points in all collections', registers: r, collect() { this.set(source.points()); } });
    new Gauge({ name: `${prefix}memory_resident_bytes`, help: 'resident memory of the process', registers: r, collect() { this.set(process.memoryUsage().rss); } });
    new Gauge({ name: `${prefix}memory_allocated_bytes`, help: 'heap memory allocated by the process', registers: r, collect() { this.set(process.memoryUsage().heapUsed); } });
    this.responses = new Counter({ name: `${prefix}rest_responses_total`, help: 'total number of responses', labelNames: ['method', 'endpoint', 'status'], registers: r });
    this.failures = new Counter({ name: `${prefix}rest_responses_fail_total`, help: 'total number of failed responses', labelNames: ['method', 'endpoint', 'status'], registers: r });
    this.duration = new Histogram({
      name: `${prefix}rest_responses_duration_seconds`,
      help: 'response duration histogram',
      labelNames: ['method', 'endpoint'],
      buckets: [0.001, 0.005, 0.01, 0.02, 0.05, 0.1, 0.5, 1, 5],
      registers: r,
    });
  }

  /** The full series name: `metrics_prefix`, then `quiver_` unless Qdrant has a series of that name. */
  private seriesName(name: string, qdrant: boolean): string {
    return `${this.prefix}${qdrant ? '' : QUIVER_PREFIX}${name}`;
  }

  /**
   * A gauge read on scrape. `name` is given without prefixes.
   * @param options.qdrant - Qdrant has a series of this name (no `quiver_` prefix)
   */
  gauge(name: string, help: string, collect: () => number, options: { qdrant?: boolean } = {}): void {
    const full = this.seriesName(name, options.qdrant === true);
    if (this.extra.has(full)) return;
    this.extra.set(full, new Gauge({ name: full, help, registers: [this.registry], collect() { this.set(collect()); } }));
  }

  /** A counter (Quiver's own: `quiver_` prefixed). */
  counter(name: string, help: string): Counter {
    const full = this.seriesName(name, false);
    let c = this.extra.get(full);
    if (c === undefined) {
      c = new Counter({ name: full, help, registers: [this.registry] });
      this.extra.set(full, c);
    }
    return c;
  }

  observe(method: string, endpoint: string, status: number, seconds: number): void {
    const labels = { method, endpoint, status: String(status) };
    this.responses.inc(labels);
    if (status >= 400) this.failures.inc(labels);
    this.duration.observe({ method, endpoint }, seconds);
  }

  async render(): Promise<string> {
    return this.registry.metrics();
  }

  get contentType(): string {
    return this.registry.contentType;
  }
}
