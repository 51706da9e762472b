/** Service: version, uptime, telemetry summary, request rate and latency from /metrics (polled), collection sizes. */
import { useEffect, useRef, useState } from 'preact/hooks';
import type { PageProps } from '../app.js';
import { api, rawRequest } from '../api.js';
import { LineChart } from '../chart.js';
import { parsePrometheus, total } from '../metrics.js';
import { DataTable, Notice, formatBytes, formatNumber, useAsync } from '../ui.js';

const POLL_MS = 2000;
const KEEP = 60;

/** A collection in `/telemetry?details_level=2` (Qdrant's shape: one local shard on a single node). */
interface CollectionTelemetry {
  id: string;
  shards?: Array<{ local?: { num_points?: number; num_vectors?: number; vectors_size_bytes?: number; payloads_size_bytes?: number } | null }>;
}

/** Points and stored bytes of one collection, summed over its local shards. */
function sizes(c: CollectionTelemetry): { points: number; vectors: number; vectorBytes: number; payloadBytes: number } {
  const out = { points: 0, vectors: 0, vectorBytes: 0, payloadBytes: 0 };
  for (const s of c.shards ?? []) {
    out.points += s.local?.num_points ?? 0;
    out.vectors += s.local?.num_vectors ?? 0;
    out.vectorBytes += s.local?.vectors_size_bytes ?? 0;
    out.payloadBytes += s.local?.payloads_size_bytes ?? 0;
  }
  return out;
}

interface Telemetry {
  app: { version: string; startup: string };
  collections: { number_of_collections: number; collections?: CollectionTelemetry[] };
}

export function ServicePage({ session }: PageProps) {
  const root = useAsync(() => api<{ version: string }>('GET', '/'), []);
  const telemetry = useAsync(() => api<Telemetry>('GET', '/telemetry?details_level=2'), []);
  const [series, setSeries] = useState<{ rate: number[]; latency: number[]; rss: number; heap: number; points: number; vectors: number }>({ rate: [], latency: [], rss: 0, heap: 0, points: 0, vectors: 0 });
  const [error, setError] = useState<string | undefined>();
  const prev = useRef<{ t: number; count: number; sum: number } | undefined>(undefined);
  const [now, setNow] = useState(Date.now());

  useEffect(() => {
    if (!session.can('metrics')) return undefined;
    let live = true;
    const poll = async (): Promise<void> => {
      try {
        const r = await rawRequest('GET', '/metrics');
        if (!r.ok) throw new Error(`/metrics: HTTP ${r.status}`);
        const s = parsePrometheus(r.text);
        const t = performance.now();
        const count = total(s, 'quiver_rest_requests_total');
        const sum = total(s, 'quiver_rest_request_seconds_total');
        const p = prev.current;
        prev.current = { t, count, sum };
        if (!live) return;
        setNow(Date.now());
        setSeries((old) => {
          const dt = p === undefined ? 0 : (t - p.t) / 1000;
          const dn = p === undefined ? 0 : count - p.count;
          const rate = dt > 0 ? dn / dt : 0;
          const latency = dn > 0 && p !== undefined ? ((sum - p.sum) / dn) * 1000 : (old.latency[old.latency.length - 1] ?? 0);
          return {
            rate: p === undefined ? old.rate : [...old.rate, rate].slice(-KEEP),
            latency: p === undefined ? old.latency : [...old.latency, latency].slice(-KEEP),
            rss: total(s, 'memory_resident_bytes'),
            heap: total(s, 'memory_allocated_bytes'),
            points: total(s, 'collection_points'),
            vectors: total(s, 'collections_vector_total'),
          };
        });
      } catch (e) {
        if (live) setError(e instanceof Error ? e.message : String(e));
      }
    };
    void poll();
    const timer = setInterval(() => void poll(), POLL_MS);
    return () => {
      live = false;
      clearInterval(timer);
    };
  }, []);

  const startup = telemetry.data?.app.startup;
  const uptime = startup === undefined ? undefined : Math.max(0, Math.floor((now - Date.parse(startup)) / 1000));
  return (
    <div class="page">
      {(root.error ?? telemetry.error ?? error) !== undefined && <Notice kind="error">{root.error ?? telemetry.error ?? error}</Notice>}
      <div class="stats" aria-label="service summary">
        <div class="stat">
          <span>Quiver</span>
          <strong>{session.server.version}</strong>
          <small>Qdrant API {root.data?.version ?? ''}</small>
        </div>
        <div class="stat">
          <span>Uptime</span>
          <strong>{uptime === undefined ? '—' : `${Math.floor(uptime / 3600)}h ${Math.floor((uptime % 3600) / 60)}m ${uptime % 60}s`}</strong>
          <small>{startup === undefined ? '' : `since ${new Date(startup).toLocaleString()}`}</small>
        </div>
        <div class="stat">
          <span>Collections</span>
          <strong>{formatNumber(telemetry.data?.collections.number_of_collections)}</strong>
          <small>
            {formatNumber(series.points)} points · {formatNumber(series.vectors)} vectors
          </small>
        </div>
        <div class="stat">
          <span>Memory</span>
          <strong>{series.rss === 0 ? '—' : formatBytes(series.rss)}</strong>
          <small>resident · heap {series.heap === 0 ? '—' : formatBytes(series.heap)}</small>
        </div>
      </div>
      {session.can('metrics') ? (
        <div class="columns">
          <LineChart values={series.rate} label="Requests per second" unit="req/s" />
          <LineChart values={series.latency} label="Mean latency" unit="ms" />
        </div>
      ) : (
        <Notice kind="info">This credential may not read /metrics.</Notice>
      )}
      <section class="card">
        <h2>Collections</h2>
        <DataTable label="collection sizes" headers={['Collection', 'Points', 'Vectors', 'Vector data', 'Payload data', 'Total']}>
            {(telemetry.data?.collections.collections ?? []).map((c) => {
              const z = sizes(c);
              return (
                <tr key={c.id}>
                  <td>{c.id}</td>
                  <td>{formatNumber(z.points)}</td>
                  <td>{formatNumber(z.vectors)}</td>
                  <td>{formatBytes(z.vectorBytes)}</td>
                  <td>{formatBytes(z.payloadBytes)}</td>
                  <td>{formatBytes(z.vectorBytes + z.payloadBytes)}</td>
                </tr>
              );
            })}
        </DataTable>
        <p class="hint">Vector and payload data as stored (vectors at their datatype's size, payloads as JSON); all collections share one storage file, whose size is the server's disk usage.</p>
      </section>
    </div>
  );
}
