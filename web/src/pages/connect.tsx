/** Connect: an API key or JWT, kept in sessionStorage only; then who the caller is and what they may do. */
import { useState } from 'preact/hooks';
import { authLabel, describeAccess, type Session } from '../session.js';
import { Notice } from '../ui.js';

interface Props {
  readonly session: Session | null;
  readonly problem: string | undefined;
  readonly onConnect: (credential: string | null) => Promise<string | undefined>;
  readonly onDisconnect: () => void;
}

export function ConnectPage({ session, problem, onConnect, onDisconnect }: Props) {
  const [credential, setValue] = useState('');
  const [error, setError] = useState<string | undefined>(problem);
  const [busy, setBusy] = useState(false);
  return (
    <div class="connect">
      <div class="card connect-card">
        <h1>
          <span class="logo" aria-hidden="true">➶</span> Quiver dashboard
        </h1>
        {session !== null && <Identity session={session} />}
        <form
          onSubmit={(e) => {
            e.preventDefault();
            setBusy(true);
            void onConnect(credential.trim()).then((err) => {
              setBusy(false);
              setError(err === undefined ? undefined : `Not connected: ${err}`);
            });
          }}
        >
          <label>
            {session === null ? 'API key or JWT' : 'Switch to another API key or JWT'}
            <input
              type="password"
              name="credential"
              autocomplete="off"
              spellcheck={false}
              value={credential}
              onInput={(e) => setValue(e.currentTarget.value)}
              placeholder="api key, named key (qvk_…) or access token"
            />
          </label>
          <p class="hint">Kept in this tab's session storage only: closing the tab forgets it. It is sent in a header, never in a URL.</p>
          <div class="row">
            <button type="submit" disabled={busy || credential.trim() === ''}>
              Connect
            </button>
            {session === null && (
              <button
                type="button"
                class="secondary"
                disabled={busy}
                title="For a server without any API key"
                onClick={() => {
                  setBusy(true);
                  void onConnect(null).then((err) => {
                    setBusy(false);
                    setError(err === undefined ? undefined : `This server needs a key: ${err}`);
                  });
                }}
              >
                Connect without a key
              </button>
            )}
            {session !== null && (
              <>
                <button type="button" class="secondary" onClick={onDisconnect}>
                  Disconnect
                </button>
                <a class="button-link" href="#/collections">
                  Back to the dashboard
                </a>
              </>
            )}
          </div>
        </form>
        {error !== undefined && <Notice kind="error">{error}</Notice>}
      </div>
    </div>
  );
}

export function Identity({ session }: { session: Session }) {
  const a = session.parsedAccess;
  return (
    <div class="identity" aria-label="identity">
      <dl>
        <dt>Authenticated as</dt>
        <dd>{session.auth_type === 'None' ? 'anyone (this server has no API key)' : `${authLabel(session.auth_type)}${session.key_name === null ? '' : ` "${session.key_name}"`}`}</dd>
        {session.subject !== null && (
          <>
            <dt>Subject</dt>
            <dd>{session.subject}</dd>
          </>
        )}
        <dt>Access</dt>
        <dd>{describeAccess(a)}</dd>
        <dt>Expires</dt>
        <dd>{session.expires_at === null ? 'never' : new Date(session.expires_at).toLocaleString()}</dd>
        <dt>Server</dt>
        <dd>Quiver {session.server.version}</dd>
      </dl>
      {a.kind === 'collections' && (
        <table>
          <thead>
            <tr>
              <th>Collection</th>
              <th>Read</th>
              <th>Write points</th>
              <th>Snapshots, indexes</th>
            </tr>
          </thead>
          <tbody>
            {a.grants.map((g) => (
              <tr key={g.collection}>
                <td>{g.collection}</td>
                <td>{session.can('scroll_points', g.collection) ? 'yes' : 'no'}</td>
                <td>{session.can('upsert_points', g.collection) ? 'yes' : 'no'}</td>
                <td>{session.can('create_snapshot', g.collection) ? 'yes' : 'no'}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </div>
  );
}
