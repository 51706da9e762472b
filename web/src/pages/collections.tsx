/** Collections: list with counts and status, create (dense, named, sparse vectors; HNSW, optimizer), delete, aliases, payload indexes. */
import { useState } from 'preact/hooks';
import type { PageProps } from '../app.js';
import { navigate } from '../app.js';
import { api, collectionPath } from '../api.js';
import { DataTable, Confirm, JsonView, Notice, formatNumber, useAction, useAsync } from '../ui.js';

interface CollectionInfo {
  status: string;
  optimizer_status: unknown;
  points_count: number;
  vectors_count?: number;
  indexed_vectors_count: number;
  segments_count: number;
  config: { params: { vectors?: unknown; sparse_vectors?: unknown }; hnsw_config?: unknown; optimizer_config?: unknown };
  payload_schema: Record<string, { data_type: string; points: number }>;
}

interface Row {
  name: string;
  info?: CollectionInfo;
  error?: string;
}

function vectorSummary(vectors: unknown): string {
  if (vectors === undefined || vectors === null) return '—';
  const v = vectors as Record<string, unknown>;
  if (typeof v['size'] === 'number') return `${String(v['size'])} · ${String(v['distance'])}`;
  return Object.entries(v)
    .map(([name, p]) => `${name}: ${String((p as Record<string, unknown>)['size'])} · ${String((p as Record<string, unknown>)['distance'])}`)
    .join(', ');
}

export function CollectionsPage({ session }: PageProps) {
  const list = useAsync(async (): Promise<Row[]> => {
    const names = (await api<{ collections: Array<{ name: string }> }>('GET', '/collections')).collections.map((c) => c.name).sort();
    return Promise.all(
      names.map(async (name) => {
        try {
          return { name, info: await api<CollectionInfo>('GET', collectionPath(name)) };
        } catch (e) {
          return { name, error: e instanceof Error ? e.message : String(e) };
        }
      }),
    );
  }, []);
  const [selected, setSelected] = useState<string | undefined>();
  const [deleting, setDeleting] = useState<string | undefined>();
  const action = useAction();
  const rows = list.data ?? [];
  const current = rows.find((r) => r.name === selected);

  return (
    <div class="page">
      {list.error !== undefined && <Notice kind="error">{list.error}</Notice>}
      {action.notice}
      <DataTable label="collections" headers={['Name', 'Status', 'Points', 'Vectors', 'Indexed vectors', 'Optimizer', 'Vector params', '']} empty={rows.length === 0 && !list.loading && <>No collections{session.can('create_collection') ? ' yet: create one below.' : ' visible to this credential.'}</>}>
          {rows.map((r) => (
            <tr key={r.name} class={r.name === selected ? 'selected' : ''}>
              <td>
                <button type="button" class="link" onClick={() => setSelected(r.name === selected ? undefined : r.name)}>
                  {r.name}
                </button>
              </td>
              <td>{r.info === undefined ? r.error : <span class={`status status-${r.info.status}`}>{r.info.status}</span>}</td>
              <td>{formatNumber(r.info?.points_count)}</td>
              <td>{formatNumber(r.info?.vectors_count ?? r.info?.points_count)}</td>
              <td>
                {formatNumber(r.info?.indexed_vectors_count)}
                {r.info !== undefined && r.info.points_count > 0 && (
                  <progress max={r.info.points_count} value={Math.min(r.info.indexed_vectors_count, r.info.points_count)} aria-label={`indexed ${r.name}`} />
                )}
              </td>
              <td>{r.info === undefined ? '' : typeof r.info.optimizer_status === 'string' ? r.info.optimizer_status : 'error'}</td>
              <td>{vectorSummary(r.info?.config.params.vectors)}</td>
              <td class="actions">
                <button type="button" class="secondary" onClick={() => navigate('points', { collection: r.name })}>
                  Points
                </button>
                {session.can('delete_collection') && (
                  <button type="button" class="danger" onClick={() => setDeleting(r.name)}>
                    Delete
                  </button>
                )}
              </td>
            </tr>
          ))}
      </DataTable>
      {deleting !== undefined && (
        <Confirm
          title={`Delete collection ${deleting}?`}
          body={<p>All its points and indexes are deleted. This cannot be undone.</p>}
          confirmText={deleting}
          onCancel={() => setDeleting(undefined)}
          onConfirm={() => {
            const name = deleting;
            setDeleting(undefined);
            void action.run(() => api('DELETE', collectionPath(name)), `Deleted ${name}`).then(() => list.reload());
          }}
        />
      )}
      {current?.info !== undefined && <CollectionDetails name={current.name} info={current.info} session={session} onChange={list.reload} />}
      <div class="columns">
        {session.can('create_collection') && <CreateCollection onCreated={list.reload} />}
        <Aliases session={session} names={rows.map((r) => r.name)} />
      </div>
    </div>
  );
}

function CollectionDetails({ name, info, session, onChange }: { name: string; info: CollectionInfo; session: PageProps['session']; onChange: () => void }) {
  const [field, setField] = useState('');
  const [schema, setSchema] = useState('keyword');
  const action = useAction();
  const canIndex = session.can('create_field_index', name);
  return (
    <section class="card" aria-label={`details of ${name}`}>
      <h2>{name}</h2>
      {action.notice}
      <h3>Payload indexes</h3>
      <DataTable headers={['Field', 'Type', 'Points', '']} empty={Object.keys(info.payload_schema).length === 0 && 'No payload indexes.'}>
          {Object.entries(info.payload_schema).map(([f, s]) => (
            <tr key={f}>
              <td>{f}</td>
              <td>{s.data_type}</td>
              <td>{formatNumber(s.points)}</td>
              <td>
                {canIndex && (
                  <button type="button" class="danger" onClick={() => void action.run(() => api('DELETE', collectionPath(name, `/index/${encodeURIComponent(f)}?wait=true`)), `Index on ${f} deleted`).then(onChange)}>
                    Delete
                  </button>
                )}
              </td>
            </tr>
          ))}
      </DataTable>
      {canIndex && (
        <form
          class="row"
          onSubmit={(e) => {
            e.preventDefault();
            void action.run(() => api('PUT', collectionPath(name, '/index?wait=true'), { field_name: field, field_schema: schema }), `Index on ${field} created`).then(onChange);
          }}
        >
          <label>
            Field
            <input value={field} onInput={(e) => setField(e.currentTarget.value)} required placeholder="e.g. city" />
          </label>
          <label>
            Type
            <select value={schema} onChange={(e) => setSchema(e.currentTarget.value)}>
              {['keyword', 'integer', 'float', 'bool', 'geo', 'text', 'datetime', 'uuid'].map((t) => (
                <option key={t}>{t}</option>
              ))}
            </select>
          </label>
          <button type="submit">Create index</button>
        </form>
      )}
      <h3>Configuration</h3>
      <JsonView value={info.config} />
    </section>
  );
}

interface VectorRow {
  name: string;
  size: number;
  distance: string;
}

function CreateCollection({ onCreated }: { onCreated: () => void }) {
  const [name, setName] = useState('');
  const [vectors, setVectors] = useState<VectorRow[]>([{ name: '', size: 4, distance: 'Cosine' }]);
  const [sparse, setSparse] = useState('');
  const [m, setM] = useState(16);
  const [ef, setEf] = useState(100);
  const [onDisk, setOnDisk] = useState(false);
  const [threshold, setThreshold] = useState(10000);
  const action = useAction();
  const update = (i: number, patch: Partial<VectorRow>): void => setVectors(vectors.map((v, j) => (i === j ? { ...v, ...patch } : v)));
  const named = vectors.length > 1 || vectors[0]?.name !== '';
  const body = (): Record<string, unknown> => {
    const params = (v: VectorRow): Record<string, unknown> => ({ size: v.size, distance: v.distance, ...(onDisk ? { on_disk: true } : {}) });
    const sparseNames = sparse.split(',').map((s) => s.trim()).filter((s) => s !== '');
    return {
      vectors: named ? Object.fromEntries(vectors.map((v) => [v.name, params(v)])) : params(vectors[0] ?? { name: '', size: 4, distance: 'Cosine' }),
      ...(sparseNames.length > 0 ? { sparse_vectors: Object.fromEntries(sparseNames.map((s) => [s, {}])) } : {}),
      hnsw_config: { m, ef_construct: ef },
      optimizers_config: { indexing_threshold: threshold },
    };
  };
  return (
    <section class="card" aria-label="create collection">
      <h2>Create collection</h2>
      {action.notice}
      <form
        onSubmit={(e) => {
          e.preventDefault();
          void action.run(() => api('PUT', collectionPath(name), body()), `Created ${name}`).then((ok) => ok && onCreated());
        }}
      >
        <label>
          Name
          <input name="collection-name" value={name} onInput={(e) => setName(e.currentTarget.value)} required />
        </label>
        <fieldset>
          <legend>Dense vectors {named ? '(named)' : ''}</legend>
          {vectors.map((v, i) => (
            <div class="row" key={i}>
              <label>
                Name
                <input value={v.name} placeholder={vectors.length === 1 ? '(unnamed)' : 'name'} onInput={(e) => update(i, { name: e.currentTarget.value })} required={vectors.length > 1} />
              </label>
              <label>
                Size
                <input name="vector-size" type="number" min={1} max={65536} value={v.size} onInput={(e) => update(i, { size: Number(e.currentTarget.value) })} />
              </label>
              <label>
                Distance
                <select value={v.distance} onChange={(e) => update(i, { distance: e.currentTarget.value })}>
                  {['Cosine', 'Dot', 'Euclid', 'Manhattan'].map((d) => (
                    <option key={d}>{d}</option>
                  ))}
                </select>
              </label>
              {vectors.length > 1 && (
                <button type="button" class="secondary" onClick={() => setVectors(vectors.filter((_, j) => j !== i))}>
                  Remove
                </button>
              )}
            </div>
          ))}
          <button type="button" class="secondary" onClick={() => setVectors([...vectors, { name: `v${vectors.length + 1}`, size: 4, distance: 'Cosine' }])}>
            Add named vector
          </button>
        </fieldset>
        <label>
          Sparse vectors (comma-separated names)
          <input value={sparse} onInput={(e) => setSparse(e.currentTarget.value)} placeholder="e.g. text" />
        </label>
        <div class="row">
          <label>
            HNSW m
            <input type="number" min={0} value={m} onInput={(e) => setM(Number(e.currentTarget.value))} />
          </label>
          <label>
            ef_construct
            <input type="number" min={4} value={ef} onInput={(e) => setEf(Number(e.currentTarget.value))} />
          </label>
          <label>
            Indexing threshold (KB)
            <input type="number" min={0} value={threshold} onInput={(e) => setThreshold(Number(e.currentTarget.value))} />
          </label>
          <label class="check">
            <input type="checkbox" checked={onDisk} onChange={(e) => setOnDisk(e.currentTarget.checked)} /> Vectors on disk
          </label>
        </div>
        <button type="submit" disabled={action.busy}>
          Create
        </button>
      </form>
    </section>
  );
}

function Aliases({ session, names }: { session: PageProps['session']; names: string[] }) {
  const aliases = useAsync(() => api<{ aliases: Array<{ alias_name: string; collection_name: string }> }>('GET', '/aliases'), [names.join(',')]);
  const [alias, setAlias] = useState('');
  const [target, setTarget] = useState('');
  const action = useAction();
  const canEdit = session.can('update_aliases');
  const change = (actions: unknown[], message: string): void => void action.run(() => api('POST', '/collections/aliases', { actions }), message).then(aliases.reload);
  return (
    <section class="card" aria-label="aliases">
      <h2>Aliases</h2>
      {action.notice}
      {aliases.error !== undefined && <Notice kind="error">{aliases.error}</Notice>}
      <DataTable headers={['Alias', 'Collection', '']} empty={(aliases.data?.aliases.length ?? 0) === 0 && 'No aliases.'}>
          {(aliases.data?.aliases ?? []).map((a) => (
            <tr key={a.alias_name}>
              <td>{a.alias_name}</td>
              <td>{a.collection_name}</td>
              <td>
                {canEdit && (
                  <button type="button" class="danger" onClick={() => change([{ delete_alias: { alias_name: a.alias_name } }], `Alias ${a.alias_name} deleted`)}>
                    Delete
                  </button>
                )}
              </td>
            </tr>
          ))}
      </DataTable>
      {canEdit && (
        <form
          class="row"
          onSubmit={(e) => {
            e.preventDefault();
            change([{ create_alias: { alias_name: alias, collection_name: target || names[0] } }], `Alias ${alias} created`);
          }}
        >
          <label>
            Alias
            <input value={alias} onInput={(e) => setAlias(e.currentTarget.value)} required />
          </label>
          <label>
            Collection
            <select value={target || names[0]} onChange={(e) => setTarget(e.currentTarget.value)}>
              {names.map((n) => (
                <option key={n}>{n}</option>
              ))}
            </select>
          </label>
          <button type="submit">Create alias</button>
        </form>
      )}
    </section>
  );
}
