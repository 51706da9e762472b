/**
 * Response statistics per endpoint and status, as Qdrant keeps them for `/telemetry` (`requests.rest`,
 * `requests.grpc`) and renders them for `/metrics` (lib/segment/src/common/operation_time_statistics.rs,
 * src/common/telemetry_ops/requests_telemetry.rs):
 *
 * - keyed by `"METHOD /route/{pattern}"` for REST (the route as written in Qdrant's OpenAPI, e.g.
 *   `POST /collections/{collection_name}/points/search`) or the full gRPC method path, then by status
 *   (the HTTP status, or the gRPC code);
 * - each key counts every response (Qdrant measures each one as a success of its status), keeps min / max /
 *   total duration in microseconds, the time of the last response (rounded to 10 ms), an average over the last
 *   128 durations smoothed by an 8-wide moving window, and a cumulative histogram over Qdrant's bucket bounds;
 * - the same is kept per collection for requests that name one (`per_collection_responses`).
 *
 * Recording allocates only the first time a key/status/collection combination is seen.
 */

/** Qdrant's `DEFAULT_BUCKET_BOUNDARIES_MICROS`: 1, 5, 10, 20, 50, 100, 500 ms, then 1, 5, 10, 50 s. */
export const BUCKET_BOUNDS_MICROS: readonly number[] = [1_000, 5_000, 10_000, 20_000, 50_000, 100_000, 500_000, 1_000_000, 5_000_000, 10_000_000, 50_000_000];

const AVG_DATASET_LEN = 128;
const SLIDING_WINDOW_LEN = 8;

/** Qdrant `OperationDurationStatistics` as `/telemetry` prints it (absent fields omitted). */
export interface DurationStatistics {
  count: number;
  avg_duration_micros?: number;
  min_duration_micros?: number;
  max_duration_micros?: number;
  total_duration_micros?: number;
  last_responded?: string;
}

/** Statistics plus the cumulative histogram (`[upper bound µs, count]`, without the +Inf bucket). */
export interface DurationSnapshot {
  readonly stats: DurationStatistics;
  readonly histogram: ReadonlyArray<readonly [number, number]>;
}

/** Qdrant `OperationDurationsAggregator`. */
class DurationAggregator {
  private count = 0;
  private readonly timings = new Float32Array(AVG_DATASET_LEN);
  private index = 0;
  private loops = 0;
  private min: number | undefined;
  private max: number | undefined;
  private total = 0;
  private last: number;
  private readonly buckets = new Uint32Array(BUCKET_BOUNDS_MICROS.length);

  constructor(now: number) {
    this.last = now;
  }

  add(micros: number, now: number): void {
    const d = Math.fround(Math.trunc(micros));
    this.total += Math.trunc(micros);
    this.min = this.min === undefined ? d : Math.min(this.min, d);
    this.max = this.max === undefined ? d : Math.max(this.max, d);
    const bucket = BUCKET_BOUNDS_MICROS.findIndex((b) => d <= b);
    if (bucket >= 0) this.buckets[bucket]! += 1;
    this.count++;
    this.timings[this.index] = d;
    this.index++;
    if (this.index >= AVG_DATASET_LEN) {
      this.index = 0;
      this.loops++;
    }
    this.last = now;
  }

  /** Qdrant `calculate_avg`: the mean of 8-wide moving averages over the last 128 durations. */
  private average(): number {
    const data = this.loops > 0 ? [...this.timings.subarray(this.index), ...this.timings.subarray(0, this.index)] : [...this.timings.subarray(0, this.index)];
    let sumOfWindows = 0;
    for (let i = 0; i < data.length; i++) {
      const from = Math.max(0, i - SLIDING_WINDOW_LEN);
      let s = 0;
      for (let j = from; j <= i; j++) s += data[j]!;
      sumOfWindows += Math.fround(s / (i + 1 - from));
    }
    return Math.fround(sumOfWindows / data.length);
  }

  snapshot(detailed: boolean): DurationSnapshot {
    const stats: DurationStatistics = { count: this.count };
    if (this.count > 0) stats.avg_duration_micros = this.average();
    if (detailed) {
      if (this.min !== undefined) stats.min_duration_micros = this.min;
      if (this.max !== undefined) stats.max_duration_micros = this.max;
      stats.total_duration_micros = this.total;
      stats.last_responded = new Date(Math.round(this.last / 10) * 10).toISOString();
    }
    let cumulative = 0;
    const histogram = BUCKET_BOUNDS_MICROS.map((bound, i) => {
      cumulative += this.buckets[i]!;
      return [bound, cumulative] as const;
    });
    return { stats, histogram };
  }
}

type ByStatus = Map<number, DurationAggregator>;

/** `{key: {status: statistics}}`. */
export type ResponsesTelemetry = Record<string, Record<string, DurationStatistics>>;

/** One transport's statistics, as `/metrics` reads them. */
export interface ResponseSeries {
  readonly key: string;
  readonly status: number;
  readonly collection: string | undefined;
  readonly snapshot: DurationSnapshot;
}

export class RequestStats {
  private readonly global = new Map<string, ByStatus>();
  private readonly perCollection = new Map<string, Map<string, ByStatus>>();
  /** Responses recorded since start, every key and status, and the seconds they took. */
  answered = 0;
  seconds = 0;

  constructor(private readonly now: () => number = Date.now) {}

  private static aggregator(map: Map<string, ByStatus>, key: string, status: number, now: number): DurationAggregator {
    let byStatus = map.get(key);
    if (byStatus === undefined) {
      byStatus = new Map();
      map.set(key, byStatus);
    }
    let a = byStatus.get(status);
    if (a === undefined) {
      a = new DurationAggregator(now);
      byStatus.set(status, a);
    }
    return a;
  }

  /** One response of `key` with `status` that took `micros`; `collection` when the request named one. */
  record(key: string, status: number, micros: number, collection?: string): void {
    const now = this.now();
    this.answered++;
    this.seconds += micros / 1e6;
    RequestStats.aggregator(this.global, key, status, now).add(micros, now);
    if (collection === undefined) return;
    let byKey = this.perCollection.get(collection);
    if (byKey === undefined) {
      byKey = new Map();
      this.perCollection.set(collection, byKey);
    }
    RequestStats.aggregator(byKey, key, status, now).add(micros, now);
  }

  /** Forgets a deleted collection's statistics. */
  dropCollection(collection: string): void {
    this.perCollection.delete(collection);
  }

  private static render(map: Map<string, ByStatus>, detailed: boolean): ResponsesTelemetry {
    const out: ResponsesTelemetry = {};
    for (const [key, byStatus] of map) {
      const statuses: Record<string, DurationStatistics> = {};
      for (const [status, a] of byStatus) statuses[String(status)] = a.snapshot(detailed).stats;
      out[key] = statuses;
    }
    return out;
  }

  /** `responses` (and `per_collection_responses` when asked) as `/telemetry` prints them; details from level 1. */
  telemetry(level: number, perCollection: boolean): { responses: ResponsesTelemetry; per_collection_responses?: Record<string, ResponsesTelemetry> } {
    const detailed = level >= 1;
    const responses = RequestStats.render(this.global, detailed);
    if (!perCollection) return { responses };
    const per: Record<string, ResponsesTelemetry> = {};
    for (const [collection, byKey] of this.perCollection) per[collection] = RequestStats.render(byKey, detailed);
    return { responses, per_collection_responses: per };
  }

  /** Every series with full details, globally or per collection (for `/metrics`). */
  series(perCollection: boolean): ResponseSeries[] {
    const out: ResponseSeries[] = [];
    const add = (map: Map<string, ByStatus>, collection: string | undefined): void => {
      for (const [key, byStatus] of map) for (const [status, a] of byStatus) out.push({ key, status, collection, snapshot: a.snapshot(true) });
    };
    if (perCollection) for (const [collection, byKey] of this.perCollection) add(byKey, collection);
    else add(this.global, undefined);
    return out;
  }
}
