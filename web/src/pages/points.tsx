/** Points: scroll with a filter, a point's payload and vectors, find similar, delete. */
import { useEffect, useState } from 'preact/hooks';
import type { PageProps } from '../app.js';
import { navigate } from '../app.js';
import { api, collectionPath } from '../api.js';
import { parseFilterText } from '../filter.js';
import { FilterEditor } from '../filter-editor.js';
import { DataTable, CollectionPicker, Confirm, JsonView, Notice, useAction, useCollections } from '../ui.js';

export interface Point {
  id: string | number;
  payload?: Record<string, unknown> | null;
  vector?: unknown;
  score?: number;
}

function payloadSummary(payload: Record<string, unknown> | null | undefined): string {
  if (payload === null || payload === undefined) return '';
  const text = JSON.stringify(payload);
  return text.length > 120 ? `${text.slice(0, 117)}…` : text;
}

export function PointsPage({ session, params }: PageProps) {
  const collections = useCollections();
  const [collection, setCollection] = useState(params.get('collection') ?? '');
  const [filterText, setFilterText] = useState(params.get('filter') ?? '');
  const [limit, setLimit] = useState(20);
  const [pages, setPages] = useState<Array<string | number | null>>([null]);
  const [result, setResult] = useState<{ points: Point[]; next_page_offset: string | number | null } | undefined>();
  const [count, setCount] = useState<number | undefined>();
  const [open, setOpen] = useState<Point | undefined>();
  const [deleting, setDeleting] = useState<Point | undefined>();
  const [similar, setSimilar] = useState<Point[] | undefined>();
  const action = useAction();
  const parsed = parseFilterText(filterText);

  const load = (offset: string | number | null): Promise<boolean> =>
    action.run(async () => {
      if (collection === '' || parsed.error !== undefined) return;
      const body = { limit, with_payload: true, with_vector: false, ...(offset === null ? {} : { offset }), ...(parsed.filter === undefined ? {} : { filter: parsed.filter }) };
      setResult(await api('POST', collectionPath(collection, '/points/scroll'), body));
      setCount((await api<{ count: number }>('POST', collectionPath(collection, '/points/count'), { exact: true, ...(parsed.filter === undefined ? {} : { filter: parsed.filter }) })).count);
    });

  useEffect(() => {
    setPages([null]);
    setOpen(undefined);
    void load(null);
  }, [collection]);

  const show = (id: string | number): void =>
    void action.run(async () => {
      setSimilar(undefined);
      setOpen(await api<Point>('GET', collectionPath(collection, `/points/${encodeURIComponent(String(id))}`)));
    });

  useEffect(() => {
    const id = params.get('id');
    if (id !== null && collection !== '') show(/^\d+$/.test(id) ? Number(id) : id);
  }, [collection, params.get('id')]);

  const findSimilar = (p: Point): void =>
    void action.run(async () => {
      const r = await api<{ points: Point[] }>('POST', collectionPath(collection, '/points/query'), { query: p.id, limit: 10, with_payload: true });
      setSimilar(r.points);
    });

  return (
    <div class="page">
      <form
        class="toolbar"
        onSubmit={(e) => {
          e.preventDefault();
          setPages([null]);
          void load(null);
        }}
      >
        <CollectionPicker value={collection} onChange={setCollection} names={collections.data ?? []} />
        <label>
          Page size
          <input type="number" min={1} max={1000} value={limit} onInput={(e) => setLimit(Number(e.currentTarget.value))} />
        </label>
        <div class="grow">
          <FilterEditor text={filterText} onChange={setFilterText} />
        </div>
        <button type="submit" disabled={parsed.error !== undefined}>
          Scroll
        </button>
      </form>
      {action.notice}
      {result !== undefined && (
        <>
          <p class="hint" aria-label="point count">
            {count === undefined ? '' : `${count.toLocaleString('en-US')} matching point${count === 1 ? '' : 's'}`} · page {pages.length}
          </p>
          <DataTable label="points" headers={['ID', 'Payload', '']} empty={result.points.length === 0 && 'No points match.'}>
              {result.points.map((p) => (
                <tr key={String(p.id)} class={open?.id === p.id ? 'selected' : ''}>
                  <td>
                    <button type="button" class="link" onClick={() => show(p.id)}>
                      {String(p.id)}
                    </button>
                  </td>
                  <td class="mono">{payloadSummary(p.payload)}</td>
                  <td class="actions">
                    <button type="button" class="secondary" onClick={() => findSimilar(p)}>
                      Similar
                    </button>
                    {session.can('delete_points', collection) && (
                      <button type="button" class="danger" onClick={() => setDeleting(p)}>
                        Delete
                      </button>
                    )}
                  </td>
                </tr>
              ))}
          </DataTable>
          <div class="row">
            <button type="button" class="secondary" disabled={pages.length <= 1} onClick={() => {
              const prev = pages.slice(0, -1);
              setPages(prev);
              void load(prev[prev.length - 1] ?? null);
            }}>
              Previous
            </button>
            <button type="button" class="secondary" disabled={result.next_page_offset === null} onClick={() => {
              setPages([...pages, result.next_page_offset]);
              void load(result.next_page_offset);
            }}>
              Next
            </button>
          </div>
        </>
      )}
      {open !== undefined && (
        <section class="card" aria-label={`point ${String(open.id)}`}>
          <h2>Point {String(open.id)}</h2>
          <div class="row">
            <button type="button" class="secondary" onClick={() => findSimilar(open)}>
              Find similar
            </button>
            <button type="button" class="secondary" onClick={() => navigate('search', { collection, id: String(open.id) })}>
              Open in search
            </button>
          </div>
          <div class="columns">
            <div>
              <h3>Payload</h3>
              <JsonView value={open.payload ?? {}} />
            </div>
            <div>
              <h3>Vectors</h3>
              <JsonView value={open.vector ?? null} maxArray={8} />
            </div>
          </div>
        </section>
      )}
      {similar !== undefined && (
        <section class="card" aria-label="similar points">
          <h2>Similar points</h2>
          <ResultsTable points={similar} collection={collection} />
        </section>
      )}
      {deleting !== undefined && (
        <Confirm
          title={`Delete point ${String(deleting.id)}?`}
          body={<p>The point is removed from {collection}.</p>}
          onCancel={() => setDeleting(undefined)}
          onConfirm={() => {
            const p = deleting;
            setDeleting(undefined);
            void action.run(() => api('POST', collectionPath(collection, '/points/delete?wait=true'), { points: [p.id] }), `Deleted point ${String(p.id)}`).then(() => load(pages[pages.length - 1] ?? null));
          }}
        />
      )}
      {collections.error !== undefined && <Notice kind="error">{collections.error}</Notice>}
    </div>
  );
}

export function ResultsTable({ points, collection }: { points: Point[]; collection: string }) {
  return (
    <DataTable label="results" headers={['#', 'ID', 'Score', 'Payload']} empty={points.length === 0 && 'No results.'}>
        {points.map((p, i) => (
          <tr key={String(p.id)}>
            <td>{i + 1}</td>
            <td>
              <a href={`#/points?${new URLSearchParams({ collection, id: String(p.id) }).toString()}`}>{String(p.id)}</a>
            </td>
            <td>{typeof p.score === 'number' ? p.score.toFixed(4) : ''}</td>
            <td class="mono">{payloadSummary(p.payload)}</td>
          </tr>
        ))}
    </DataTable>
  );
}
