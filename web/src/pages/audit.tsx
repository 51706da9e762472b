/** Audit: the newest entries of the audit log matching filters and a time range, and whether the hash chain verifies. */
import { useState } from 'preact/hooks';
import type { PageProps } from '../app.js';
import { api } from '../api.js';
import { DataTable, Notice, useAction, useAsync } from '../ui.js';

interface Entry {
  timestamp: string;
  method?: string;
  auth_type?: string;
  subject?: string;
  key_name?: string;
  collection?: string;
  result?: string;
  error?: string;
  remote?: string;
  api?: string;
  [k: string]: unknown;
}

const FILTERS = ['method', 'collection', 'result', 'auth_type', 'subject', 'key_name', 'remote'];

function toRfc3339(local: string): string | null {
  return local === '' ? null : new Date(local).toISOString();
}

export function AuditPage({ session }: PageProps) {
  const verify = useAsync(() => (session.can('verify_audit_logs') ? api<{ ok: boolean; lines?: number; file?: string; line?: number; reason?: string }>('GET', '/audit/verify') : Promise.resolve(undefined)), []);
  const [filters, setFilters] = useState<Record<string, string>>({});
  const [from, setFrom] = useState('');
  const [to, setTo] = useState('');
  const [limit, setLimit] = useState(100);
  const [entries, setEntries] = useState<Entry[] | undefined>();
  const action = useAction();
  const query = (): Promise<boolean> =>
    action.run(async () => {
      const f = Object.fromEntries(Object.entries(filters).filter(([, v]) => v !== ''));
      const r = await api<{ entries: Entry[] }>('POST', '/audit/logs', { limit, time_from: toRfc3339(from), time_to: toRfc3339(to), filters: f });
      setEntries(r.entries);
      verify.reload();
    });
  return (
    <div class="page">
      {verify.data !== undefined && (
        <div aria-label="chain verification">
          {verify.data.ok ? (
            <Notice kind="ok">Hash chain verifies: {verify.data.lines?.toLocaleString('en-US')} lines intact.</Notice>
          ) : (
            <Notice kind="error">
              Hash chain does NOT verify: {verify.data.file}:{verify.data.line}: {verify.data.reason}
            </Notice>
          )}
        </div>
      )}
      {verify.error !== undefined && <Notice kind="info">{verify.error}</Notice>}
      <form
        class="card"
        aria-label="audit query"
        onSubmit={(e) => {
          e.preventDefault();
          void query();
        }}
      >
        <div class="row wrap">
          {FILTERS.map((f) => (
            <label key={f}>
              {f}
              {f === 'result' ? (
                <select aria-label="result" value={filters[f] ?? ''} onChange={(e) => setFilters({ ...filters, [f]: e.currentTarget.value })}>
                  <option value="">(any)</option>
                  <option value="ok">ok</option>
                  <option value="denied">denied</option>
                </select>
              ) : (
                <input aria-label={f} value={filters[f] ?? ''} onInput={(e) => setFilters({ ...filters, [f]: e.currentTarget.value })} />
              )}
            </label>
          ))}
        </div>
        <div class="row">
          <label>
            From
            <input type="datetime-local" value={from} onInput={(e) => setFrom(e.currentTarget.value)} />
          </label>
          <label>
            To
            <input type="datetime-local" value={to} onInput={(e) => setTo(e.currentTarget.value)} />
          </label>
          <label>
            Limit
            <input type="number" min={1} max={10000} value={limit} onInput={(e) => setLimit(Number(e.currentTarget.value))} />
          </label>
          <button type="submit" disabled={action.busy}>
            Query
          </button>
        </div>
      </form>
      {action.notice}
      {entries !== undefined && (
        <DataTable label="audit entries" headers={['Time', 'Operation', 'Collection', 'Who', 'Result', 'Remote']} empty={entries.length === 0 && 'No entries match.'}>
            {entries.map((e, i) => (
              <tr key={i} class={e.result === 'denied' ? 'denied' : ''}>
                <td>{new Date(e.timestamp).toLocaleString()}</td>
                <td class="mono">{e.method ?? ''}</td>
                <td>{e.collection ?? ''}</td>
                <td>{[e.auth_type, e.key_name, e.subject].filter((x) => x !== undefined && x !== null).join(' · ')}</td>
                <td>{e.result === 'denied' ? <span class="status status-red">denied</span> : e.result ?? ''}{e.error !== undefined && e.error !== null ? <div class="small">{e.error}</div> : null}</td>
                <td class="mono">{e.remote ?? ''}</td>
              </tr>
            ))}
        </DataTable>
      )}
    </div>
  );
}
