/**
 * Prometheus metrics with Qdrant's names (`app_info`, `collections_total`, `rest_responses_total`, …),
 * so dashboards built for Qdrant work unchanged. Values that are cheap to read are collected on scrape.
 */
import { Registry, Gauge, Counter, Histogram } from 'prom-client';

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

  constructor(version: string, source: MetricsSource, prefix = '') {
    const r = [this.registry];
    this.extra = new Map();
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

  gauge(name: string, help: string, collect: () => number): void {
    if (this.extra.has(name)) return;
    this.extra.set(name, new Gauge({ name, help, registers: [this.registry], collect() { this.set(collect()); } }));
  }

  counter(name: string, help: string): Counter {
    let c = this.extra.get(name);
    if (c === undefined) {
      c = new Counter({ name, help, registers: [this.registry] });
      this.extra.set(name, c);
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
