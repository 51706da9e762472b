/** Visualize: up to a few thousand points of a collection, projected to 2-D by PCA, coloured by a payload field. */
import { useMemo, useState } from 'preact/hooks';
import type { PageProps } from '../app.js';
import { navigate } from '../app.js';
import { api, collectionPath } from '../api.js';
import { pca2 } from '../pca.js';
import { CollectionPicker, Notice, useAction, useCollections } from '../ui.js';
import type { Point } from './points.js';

const PALETTE = ['#4e79a7', '#f28e2b', '#e15759', '#76b7b2', '#59a14f', '#edc948', '#b07aa1', '#ff9da7', '#9c755f', '#bab0ac'];
const W = 720;
const H = 480;
const PAD = 24;

function vectorOf(p: Point, name: string): number[] | undefined {
  const v = p.vector;
  if (Array.isArray(v)) return v as number[];
  if (v !== null && typeof v === 'object') {
    const named = (v as Record<string, unknown>)[name === '' ? Object.keys(v)[0] ?? '' : name];
    return Array.isArray(named) ? (named as number[]) : undefined;
  }
  return undefined;
}

export function VisualizePage(_: PageProps) {
  const collections = useCollections();
  const [collection, setCollection] = useState('');
  const [limit, setLimit] = useState(1000);
  const [field, setField] = useState('');
  const [vectorName, setVectorName] = useState('');
  const [points, setPoints] = useState<Point[]>([]);
  const [hover, setHover] = useState<Point | undefined>();
  const action = useAction();

  const load = (): Promise<boolean> =>
    action.run(async () => {
      const out: Point[] = [];
      let offset: unknown = null;
      while (out.length < limit) {
        const page: { points: Point[]; next_page_offset: unknown } = await api('POST', collectionPath(collection, '/points/scroll'), {
          limit: Math.min(1000, limit - out.length),
          with_payload: true,
          with_vector: vectorName === '' ? true : [vectorName],
          ...(offset === null ? {} : { offset }),
        });
        out.push(...page.points);
        offset = page.next_page_offset;
        if (offset === null || page.points.length === 0) break;
      }
      setPoints(out);
    });

  const plotted = useMemo(() => {
    const withVectors = points.map((p) => ({ p, v: vectorOf(p, vectorName) })).filter((x): x is { p: Point; v: number[] } => x.v !== undefined && x.v.length > 0);
    const xy = pca2(withVectors.map((x) => x.v));
    const xs = xy.map((c) => c[0]);
    const ys = xy.map((c) => c[1]);
    const [x0, x1, y0, y1] = [Math.min(...xs), Math.max(...xs), Math.min(...ys), Math.max(...ys)];
    const sx = (x: number): number => PAD + ((x - x0) / (x1 - x0 || 1)) * (W - 2 * PAD);
    const sy = (y: number): number => H - PAD - ((y - y0) / (y1 - y0 || 1)) * (H - 2 * PAD);
    return withVectors.map((x, i) => ({ p: x.p, x: sx(xy[i]?.[0] ?? 0), y: sy(xy[i]?.[1] ?? 0) }));
  }, [points, vectorName]);

  const fields = useMemo(() => [...new Set(points.flatMap((p) => Object.keys(p.payload ?? {})))].sort(), [points]);
  const categories = useMemo(() => {
    const values = new Map<string, number>();
    for (const { p } of plotted) {
      const key = field === '' ? '' : JSON.stringify(p.payload?.[field] ?? null);
      values.set(key, (values.get(key) ?? 0) + 1);
    }
    return [...values.entries()].sort((a, b) => b[1] - a[1]).map(([k]) => k);
  }, [plotted, field]);
  const colour = (p: Point): string => {
    if (field === '') return PALETTE[0] ?? '#4e79a7';
    const i = categories.indexOf(JSON.stringify(p.payload?.[field] ?? null));
    return i >= 0 && i < PALETTE.length - 1 ? PALETTE[i] ?? '#999' : '#999';
  };

  return (
    <div class="page">
      <form
        class="toolbar"
        onSubmit={(e) => {
          e.preventDefault();
          void load();
        }}
      >
        <CollectionPicker value={collection} onChange={setCollection} names={collections.data ?? []} />
        <label>
          Points (max 5000)
          <input type="number" min={2} max={5000} value={limit} onInput={(e) => setLimit(Math.min(5000, Number(e.currentTarget.value)))} />
        </label>
        <label>
          Vector name
          <input value={vectorName} placeholder="(default)" onInput={(e) => setVectorName(e.currentTarget.value)} />
        </label>
        <label>
          Colour by
          <select aria-label="colour by" value={field} onChange={(e) => setField(e.currentTarget.value)}>
            <option value="">(none)</option>
            {fields.map((f) => (
              <option key={f}>{f}</option>
            ))}
          </select>
        </label>
        <button type="submit" disabled={collection === '' || action.busy}>
          {action.busy ? 'Loading…' : 'Project'}
        </button>
      </form>
      {action.notice}
      {points.length > 0 && plotted.length === 0 && <Notice kind="warn">These points have no vectors to project (choose a vector name?).</Notice>}
      {plotted.length > 0 && (
        <div class="plot-wrap">
          <svg class="plot" viewBox={`0 0 ${W} ${H}`} role="img" aria-label={`PCA projection of ${plotted.length} points`}>
            <rect x="0" y="0" width={W} height={H} class="plot-bg" />
            {plotted.map(({ p, x, y }) => (
              <circle
                key={String(p.id)}
                cx={x}
                cy={y}
                r={plotted.length > 2000 ? 2.5 : 4}
                fill={colour(p)}
                class="dot"
                onMouseEnter={() => setHover(p)}
                onClick={() => navigate('points', { collection, id: String(p.id) })}
              >
                <title>{`${String(p.id)} ${field === '' ? '' : JSON.stringify(p.payload?.[field] ?? null)}`}</title>
              </circle>
            ))}
          </svg>
          <div class="legend">
            <p class="hint">
              {plotted.length} points · PCA of {collection}. Click a point to open it.
            </p>
            {field !== '' &&
              categories.slice(0, PALETTE.length - 1).map((c, i) => (
                <div key={c} class="legend-item">
                  <span class="swatch" style={{ background: PALETTE[i] }} /> {c}
                </div>
              ))}
            {field !== '' && categories.length > PALETTE.length - 1 && (
              <div class="legend-item">
                <span class="swatch" style={{ background: '#999' }} /> other ({categories.length - PALETTE.length + 1})
              </div>
            )}
            {hover !== undefined && (
              <div class="hover">
                <strong>{String(hover.id)}</strong>
                <pre class="json">{JSON.stringify(hover.payload ?? {}, null, 1).slice(0, 400)}</pre>
              </div>
            )}
          </div>
        </div>
      )}
    </div>
  );
}
