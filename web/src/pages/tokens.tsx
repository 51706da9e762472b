/**
 * Access tokens: the JWT generator (signed on the server by `POST /dashboard/api/tokens`: the admin key never
 * reaches the browser) and the named API keys of `service.api_keys_file`. Secrets are shown once.
 */
import { useState } from 'preact/hooks';
import type { PageProps } from '../app.js';
import { api } from '../api.js';
import { DataTable, Confirm, CopyButton, JsonView, Notice, useAction, useAsync, useCollections } from '../ui.js';

interface Grant {
  collection: string;
  access: 'r' | 'rw' | 'prw';
}

const EXPIRY: Array<[string, number | null]> = [
  ['1 hour', 3600],
  ['1 day', 86_400],
  ['7 days', 7 * 86_400],
  ['30 days', 30 * 86_400],
  ['1 year', 365 * 86_400],
  ['never', null],
];

function AccessEditor({ global, setGlobal, grants, setGrants, names }: { global: '' | 'r' | 'm'; setGlobal: (g: '' | 'r' | 'm') => void; grants: Grant[]; setGrants: (g: Grant[]) => void; names: string[] }) {
  return (
    <fieldset>
      <legend>Access</legend>
      <div class="row">
        {([['r', 'Global read-only'], ['m', 'Global manage'], ['', 'Per collection']] as const).map(([v, label]) => (
          <label key={v} class="check">
            <input type="radio" name="scope" value={v} checked={global === v} onChange={() => setGlobal(v)} /> {label}
          </label>
        ))}
      </div>
      {global === '' && (
        <>
          {grants.map((g, i) => (
            <div class="row" key={i}>
              <label>
                Collection
                <input list="collection-names" aria-label={`grant ${i + 1} collection`} value={g.collection} onInput={(e) => setGrants(grants.map((x, j) => (j === i ? { ...x, collection: e.currentTarget.value } : x)))} required />
              </label>
              <label>
                Access
                <select aria-label={`grant ${i + 1} access`} value={g.access} onChange={(e) => setGrants(grants.map((x, j) => (j === i ? { ...x, access: e.currentTarget.value as Grant['access'] } : x)))}>
                  <option value="r">r — read</option>
                  <option value="rw">rw — read-write</option>
                  <option value="prw">prw — points read-write</option>
                </select>
              </label>
              <button type="button" class="secondary" onClick={() => setGrants(grants.filter((_, j) => j !== i))}>
                Remove
              </button>
            </div>
          ))}
          <datalist id="collection-names">
            {names.map((n) => (
              <option key={n} value={n} />
            ))}
          </datalist>
          <button type="button" class="secondary" onClick={() => setGrants([...grants, { collection: names[0] ?? '', access: 'r' }])}>
            Add collection
          </button>
        </>
      )}
    </fieldset>
  );
}

function accessClaim(global: '' | 'r' | 'm', grants: Grant[]): unknown {
  return global === '' ? grants.map((g) => ({ collection: g.collection, access: g.access })) : global;
}

function TokenGenerator({ names }: { names: string[] }) {
  const [global, setGlobal] = useState<'' | 'r' | 'm'>('');
  const [grants, setGrants] = useState<Grant[]>([{ collection: names[0] ?? '', access: 'r' }]);
  const [expiry, setExpiry] = useState<number | null>(3600);
  const [subject, setSubject] = useState('');
  const [ve, setVe] = useState({ collection: '', key: '', value: '' });
  const [issued, setIssued] = useState<{ token: string; claims: unknown } | undefined>();
  const action = useAction();
  const body = (): Record<string, unknown> => ({
    access: accessClaim(global, grants),
    expires_in: expiry,
    ...(subject === '' ? {} : { subject }),
    ...(ve.collection === '' ? {} : { value_exists: { collection: ve.collection, matches: [{ key: ve.key, value: ve.value }] } }),
  });
  return (
    <section class="card" aria-label="JWT generator">
      <h2>Generate a JWT</h2>
      <p class="hint">The token is signed on the server with its API key; the key never reaches this page.</p>
      <form
        onSubmit={(e) => {
          e.preventDefault();
          setIssued(undefined);
          void action.run(async () => setIssued(await api('POST', '/dashboard/api/tokens', body())));
        }}
      >
        <AccessEditor global={global} setGlobal={setGlobal} grants={grants} setGrants={setGrants} names={names} />
        <div class="row">
          <label>
            Expires in
            <select aria-label="expires in" value={String(expiry)} onChange={(e) => setExpiry(e.currentTarget.value === 'null' ? null : Number(e.currentTarget.value))}>
              {EXPIRY.map(([label, s]) => (
                <option key={label} value={String(s)}>
                  {label}
                </option>
              ))}
            </select>
          </label>
          <label>
            Subject (for the audit log)
            <input name="subject" value={subject} onInput={(e) => setSubject(e.currentTarget.value)} />
          </label>
        </div>
        <fieldset>
          <legend>Revocation condition (value_exists, optional)</legend>
          <div class="row">
            <label>
              Collection
              <input value={ve.collection} onInput={(e) => setVe({ ...ve, collection: e.currentTarget.value })} placeholder="users" />
            </label>
            <label>
              Key
              <input value={ve.key} onInput={(e) => setVe({ ...ve, key: e.currentTarget.value })} placeholder="user_id" required={ve.collection !== ''} />
            </label>
            <label>
              Value
              <input value={ve.value} onInput={(e) => setVe({ ...ve, value: e.currentTarget.value })} placeholder="alice" required={ve.collection !== ''} />
            </label>
          </div>
        </fieldset>
        <button type="submit" disabled={action.busy}>
          Generate token
        </button>
      </form>
      {action.notice}
      {issued !== undefined && (
        <div class="secret" aria-label="issued token">
          <Notice kind="warn">Copy the token now: it is not stored and will not be shown again.</Notice>
          <textarea readOnly rows={3} name="issued-token" value={issued.token} />
          <div class="row">
            <CopyButton text={issued.token} label="Copy token" />
            <button type="button" class="secondary" onClick={() => setIssued(undefined)}>
              Done
            </button>
          </div>
          <h3>Claims</h3>
          <JsonView value={issued.claims} />
        </div>
      )}
    </section>
  );
}

interface KeyRow {
  name: string;
  access: unknown;
  created_at: string;
  expires_at: string | null;
  expired: boolean;
}

function NamedKeys({ names }: { names: string[] }) {
  const keys = useAsync(() => api<{ keys: KeyRow[] }>('GET', '/dashboard/api/keys'), []);
  const [name, setName] = useState('');
  const [global, setGlobal] = useState<'' | 'r' | 'm'>('r');
  const [grants, setGrants] = useState<Grant[]>([]);
  const [expires, setExpires] = useState('');
  const [created, setCreated] = useState<string | undefined>();
  const [revoking, setRevoking] = useState<string | undefined>();
  const action = useAction();
  return (
    <section class="card" aria-label="named API keys">
      <h2>Named API keys</h2>
      {keys.error !== undefined && <Notice kind="info">{keys.error}</Notice>}
      {action.notice}
      {keys.data !== undefined && (
        <>
          <DataTable headers={['Name', 'Access', 'Created', 'Expires', '']} empty={keys.data.keys.length === 0 && 'No named keys.'}>
              {keys.data.keys.map((k) => (
                <tr key={k.name} class={k.expired ? 'muted' : ''}>
                  <td>{k.name}</td>
                  <td class="mono">{JSON.stringify(k.access)}</td>
                  <td>{new Date(k.created_at).toLocaleString()}</td>
                  <td>{k.expires_at === null ? 'never' : `${new Date(k.expires_at).toLocaleString()}${k.expired ? ' (expired)' : ''}`}</td>
                  <td>
                    <button type="button" class="danger" onClick={() => setRevoking(k.name)}>
                      Revoke
                    </button>
                  </td>
                </tr>
              ))}
          </DataTable>
          <form
            onSubmit={(e) => {
              e.preventDefault();
              setCreated(undefined);
              void action
                .run(async () => {
                  const r = await api<{ key: string }>('POST', '/dashboard/api/keys', {
                    name,
                    access: accessClaim(global, grants),
                    expires_at: expires === '' ? null : new Date(expires).toISOString(),
                  });
                  setCreated(r.key);
                })
                .then(keys.reload);
            }}
          >
            <div class="row">
              <label>
                Name
                <input name="key-name" value={name} onInput={(e) => setName(e.currentTarget.value)} required pattern="[A-Za-z0-9][A-Za-z0-9_.\-]{0,63}" />
              </label>
              <label>
                Expires (optional)
                <input type="datetime-local" value={expires} onInput={(e) => setExpires(e.currentTarget.value)} />
              </label>
            </div>
            <AccessEditor global={global} setGlobal={setGlobal} grants={grants} setGrants={setGrants} names={names} />
            <button type="submit">Create key</button>
          </form>
          {created !== undefined && (
            <div class="secret" aria-label="created key">
              <Notice kind="warn">Copy the key now: only its hash is stored, it will not be shown again.</Notice>
              <input readOnly value={created} name="created-key" />
              <CopyButton text={created} label="Copy key" />
            </div>
          )}
        </>
      )}
      {revoking !== undefined && (
        <Confirm
          title={`Revoke key ${revoking}?`}
          body={<p>Clients using it are refused from now on.</p>}
          onCancel={() => setRevoking(undefined)}
          onConfirm={() => {
            const n = revoking;
            setRevoking(undefined);
            setCreated(undefined);
            void action.run(() => api('DELETE', `/dashboard/api/keys/${encodeURIComponent(n)}`), `Revoked ${n}`).then(keys.reload);
          }}
        />
      )}
    </section>
  );
}

export function TokensPage({ session }: PageProps) {
  const collections = useCollections();
  const names = collections.data ?? [];
  return (
    <div class="page">
      {session.server.hide_jwt_dashboard ? null : session.server.jwt_rbac ? (
        <TokenGenerator names={names} key={names.join(',')} />
      ) : (
        <Notice kind="info">JWT access tokens are off on this server: set service.api_key and service.jwt_rbac: true.</Notice>
      )}
      {session.server.api_keys_file ? <NamedKeys names={names} /> : <Notice kind="info">Named API keys are off: set service.api_keys_file.</Notice>}
    </div>
  );
}
