/** Search playground: query by vector, id or filter only, with hnsw_ef / exact / limit / threshold, and the same call as curl, JS and Python. */
import { useState } from 'preact/hooks';
import type { PageProps } from '../app.js';
import { api, collectionPath } from '../api.js';
import { parseFilterText } from '../filter.js';
import { FilterEditor } from '../filter-editor.js';
import { CollectionPicker, CopyButton, useAction, useCollections } from '../ui.js';
import { ResultsTable, type Point } from './points.js';

type Mode = 'vector' | 'id' | 'filter';

function parseVector(text: string): number[] | string {
  try {
    const v: unknown = JSON.parse(text);
    if (Array.isArray(v) && v.length > 0 && v.every((x) => typeof x === 'number')) return v;
  } catch {
    // fall through
  }
  return 'Vector: expected a JSON list of numbers, e.g. [0.1, 0.2, 0.3]';
}

function py(value: unknown): string {
  return JSON.stringify(value).replace(/\btrue\b/g, 'True').replace(/\bfalse\b/g, 'False').replace(/\bnull\b/g, 'None');
}

export function snippets(collection: string, body: Record<string, unknown>): { curl: string; js: string; python: string } {
  const origin = location.origin;
  const json = JSON.stringify(body);
  const { query, filter, params, limit, score_threshold: threshold, using, with_payload: withPayload } = body;
  const pyArgs = [
    `collection_name=${py(collection)}`,
    ...(query === undefined ? [] : [`query=${py(query)}`]),
    ...(using === undefined ? [] : [`using=${py(using)}`]),
    ...(filter === undefined ? [] : [`query_filter=models.Filter(**${py(filter)})`]),
    ...(params === undefined ? [] : [`search_params=models.SearchParams(**${py(params)})`]),
    `limit=${py(limit)}`,
    ...(typeof threshold === 'number' ? [`score_threshold=${threshold}`] : []),
    `with_payload=${py(withPayload)}`,
  ];
  return {
    curl: `curl -X POST '${origin}${collectionPath(collection, '/points/query')}' \\\n  -H 'api-key: <your key>' -H 'Content-Type: application/json' \\\n  -d '${json.replace(/'/g, "'\\''")}'`,
    js: `import { QdrantClient } from '@qdrant/js-client-rest';\n\nconst client = new QdrantClient({ url: '${origin}', apiKey: '<your key>' });\nconst result = await client.query(${JSON.stringify(collection)}, ${JSON.stringify(body, null, 2)});`,
    python: `from qdrant_client import QdrantClient, models\n\nclient = QdrantClient(url="${origin}", api_key="<your key>")\nresult = client.query_points(\n    ${pyArgs.join(',\n    ')},\n)`,
  };
}

export function SearchPage({ params }: PageProps) {
  const collections = useCollections();
  const [collection, setCollection] = useState(params.get('collection') ?? '');
  const [mode, setMode] = useState<Mode>(params.get('id') !== null ? 'id' : 'vector');
  const [vector, setVector] = useState('');
  const [id, setId] = useState(params.get('id') ?? '');
  const [using, setUsing] = useState('');
  const [filterText, setFilterText] = useState('');
  const [limit, setLimit] = useState(10);
  const [threshold, setThreshold] = useState('');
  const [hnswEf, setHnswEf] = useState('');
  const [exact, setExact] = useState(false);
  const [results, setResults] = useState<Point[] | undefined>();
  const [lang, setLang] = useState<'curl' | 'js' | 'python'>('curl');
  const action = useAction();
  const filter = parseFilterText(filterText);

  const build = (): Record<string, unknown> | string => {
    let query: unknown;
    if (mode === 'vector') {
      const v = parseVector(vector);
      if (typeof v === 'string') return v;
      query = v;
    } else if (mode === 'id') {
      if (id.trim() === '') return 'Point id: required';
      query = /^\d+$/.test(id.trim()) ? Number(id.trim()) : id.trim();
    }
    if (filter.error !== undefined) return filter.error;
    const searchParams = { ...(hnswEf === '' ? {} : { hnsw_ef: Number(hnswEf) }), ...(exact ? { exact: true } : {}) };
    return {
      ...(query === undefined ? {} : { query }),
      ...(using.trim() === '' ? {} : { using: using.trim() }),
      ...(filter.filter === undefined ? {} : { filter: filter.filter }),
      ...(Object.keys(searchParams).length === 0 ? {} : { params: searchParams }),
      limit,
      ...(threshold === '' ? {} : { score_threshold: Number(threshold) }),
      with_payload: true,
    };
  };
  const body = build();
  const code = typeof body === 'string' || collection === '' ? undefined : snippets(collection, body);

  return (
    <div class="page">
      <form
        class="card"
        aria-label="search"
        onSubmit={(e) => {
          e.preventDefault();
          if (typeof body === 'string') return;
          void action.run(async () => setResults((await api<{ points: Point[] }>('POST', collectionPath(collection, '/points/query'), body)).points));
        }}
      >
        <div class="row">
          <CollectionPicker value={collection} onChange={setCollection} names={collections.data ?? []} />
          <fieldset class="segmented" aria-label="query by">
            {(['vector', 'id', 'filter'] as const).map((m) => (
              <label key={m} class={mode === m ? 'on' : ''}>
                <input type="radio" name="mode" value={m} checked={mode === m} onChange={() => setMode(m)} /> {m === 'filter' ? 'filter only' : `by ${m}`}
              </label>
            ))}
          </fieldset>
        </div>
        {mode === 'vector' && (
          <label>
            Query vector (JSON)
            <textarea name="vector" rows={2} spellcheck={false} value={vector} onInput={(e) => setVector(e.currentTarget.value)} placeholder="[0.1, 0.2, 0.3, 0.4]" />
          </label>
        )}
        {mode === 'id' && (
          <label>
            Point id (recommend by example)
            <input name="point-id" value={id} onInput={(e) => setId(e.currentTarget.value)} />
          </label>
        )}
        <FilterEditor text={filterText} onChange={setFilterText} />
        <div class="row">
          <label>
            Vector name
            <input value={using} placeholder="(default)" onInput={(e) => setUsing(e.currentTarget.value)} />
          </label>
          <label>
            Limit
            <input name="limit" type="number" min={1} max={10000} value={limit} onInput={(e) => setLimit(Number(e.currentTarget.value))} />
          </label>
          <label>
            Score threshold
            <input type="number" step="any" value={threshold} onInput={(e) => setThreshold(e.currentTarget.value)} />
          </label>
          <label>
            hnsw_ef
            <input type="number" min={1} value={hnswEf} onInput={(e) => setHnswEf(e.currentTarget.value)} />
          </label>
          <label class="check">
            <input type="checkbox" checked={exact} onChange={(e) => setExact(e.currentTarget.checked)} /> exact
          </label>
        </div>
        {typeof body === 'string' && (mode !== 'vector' || vector !== '') && <div class="field-error">{body}</div>}
        <button type="submit" disabled={typeof body === 'string' || collection === '' || action.busy}>
          Search
        </button>
      </form>
      {action.notice}
      {results !== undefined && (
        <section class="card">
          <h2>Results</h2>
          <ResultsTable points={results} collection={collection} />
        </section>
      )}
      {code !== undefined && (
        <section class="card" aria-label="equivalent call">
          <h2>Equivalent call</h2>
          <div class="row">
            {(['curl', 'js', 'python'] as const).map((l) => (
              <button key={l} type="button" class={lang === l ? '' : 'secondary'} onClick={() => setLang(l)}>
                {l === 'js' ? 'JavaScript' : l === 'python' ? 'Python' : 'curl'}
              </button>
            ))}
            <CopyButton text={code[lang]} />
          </div>
          <pre class="code">{code[lang]}</pre>
        </section>
      )}
    </div>
  );
}
