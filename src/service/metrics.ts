/**
 * Prometheus metrics. The series Qdrant has are derived at scrape time from the same data as
 * `/telemetry`, with Qdrant's names, labels and semantics (metrics-families.ts), so dashboards built for
 * Qdrant work unchanged. Series Qdrant does not have carry the `quiver_` prefix (`quiver_build_info`,
 * prom-client's process and Node.js metrics, audit and throttle counters) and live in a prom-client
 * registry. `service.metrics_prefix` goes in front of every name.
 */
import { Registry, Gauge, Counter, collectDefaultMetrics } from 'prom-client';
import { qdrantFamilies } from './metrics-families.js';
import { renderFamilies } from './prometheus-text.js';
import { RequestStats } from './request-stats.js';
import type { TelemetrySource } from './telemetry.js';

/** The prefix of series that only Quiver has. */
export const QUIVER_PREFIX = 'quiver_';

export class Metrics {
  readonly registry = new Registry();
  /** REST responses by `METHOD /route/{pattern}` and status (telemetry `requests.rest`). */
  readonly rest = new RequestStats();
  /** gRPC responses by method path and gRPC code (telemetry `requests.grpc`). */
  readonly grpc = new RequestStats();
  /** Extra series registered by other parts (audit directory size, lost audit lines, …). */
  readonly extra = new Map<string, Gauge | Counter>();
  private source: TelemetrySource | undefined;

  constructor(private readonly prefix = '', quiverVersion?: string) {
    collectDefaultMetrics({ register: this.registry, prefix: `${prefix}${QUIVER_PREFIX}` });
    if (quiverVersion !== undefined) {
      new Gauge({ name: `${prefix}${QUIVER_PREFIX}build_info`, help: 'Quiver version (value 1)', labelNames: ['version', 'node'], registers: [this.registry] }).set({ version: quiverVersion, node: process.version }, 1);
    }
    // Every REST request (Qdrant's rest_responses_* series cover only its whitelisted endpoints, status 200 timed).
    const rest = this.rest;
    new Counter({ name: `${prefix}${QUIVER_PREFIX}rest_requests_total`, help: 'REST requests answered, every route and status', registers: [this.registry], collect() { this.reset(); this.inc(rest.answered); } });
    new Counter({ name: `${prefix}${QUIVER_PREFIX}rest_request_seconds_total`, help: 'seconds spent answering REST requests, every route and status', registers: [this.registry], collect() { this.reset(); this.inc(rest.seconds); } });
  }

  /** Where the Qdrant series are read from (set once the server's parts exist). */
  attach(source: TelemetrySource): void {
    this.source = source;
  }

  /** A Quiver gauge read on scrape. `name` is given without prefixes (`quiver_` is added). */
  gauge(name: string, help: string, collect: () => number): void {
    const full = `${this.prefix}${QUIVER_PREFIX}${name}`;
    if (this.extra.has(full)) return;
    this.extra.set(full, new Gauge({ name: full, help, registers: [this.registry], collect() { this.set(collect()); } }));
  }

  /** A Quiver counter (`quiver_` prefixed). */
  counter(name: string, help: string): Counter {
    const full = `${this.prefix}${QUIVER_PREFIX}${name}`;
    let c = this.extra.get(full);
    if (c === undefined) {
      c = new Counter({ name: full, help, registers: [this.registry] });
      this.extra.set(full, c);
    }
    return c;
  }

  /** The exposition text: Qdrant's series (request series per collection with `perCollection`), then Quiver's. */
  async render(perCollection = false): Promise<string> {
    const qdrant = this.source === undefined ? '' : renderFamilies(qdrantFamilies(this.source, perCollection), this.prefix);
    return qdrant + (await this.registry.metrics());
  }

  get contentType(): string {
    return this.registry.contentType;
  }
}
