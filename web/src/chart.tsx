/** A line chart in SVG (no library): the series' last points, the y axis from 0 to the maximum. */
export function LineChart({ values, label, unit }: { values: readonly number[]; label: string; unit: string }) {
  const w = 360;
  const h = 120;
  const max = Math.max(1e-9, ...values);
  const pts = values.map((v, i) => `${((i / Math.max(1, values.length - 1)) * w).toFixed(1)},${(h - (v / max) * (h - 8) - 4).toFixed(1)}`).join(' ');
  const last = values[values.length - 1];
  return (
    <figure class="chart">
      <figcaption>
        {label}: <strong>{last === undefined ? '—' : `${last.toFixed(last < 10 ? 2 : 0)} ${unit}`}</strong>
        <span class="small"> (max {max.toFixed(max < 10 ? 2 : 0)})</span>
      </figcaption>
      <svg viewBox={`0 0 ${w} ${h}`} preserveAspectRatio="none" role="img" aria-label={label}>
        <rect x="0" y="0" width={w} height={h} class="plot-bg" />
        {values.length > 1 && <polyline points={pts} class="line" />}
      </svg>
    </figure>
  );
}
