/** The shell: connect first (when the server needs a credential), then the pages, routed by `#/page`. */
import { useEffect, useState } from 'preact/hooks';
import { api, ApiError, getCredential, setCredential } from './api.js';
import { describeAccess, makeSession, type Session, type SessionInfo } from './session.js';
import { ConnectPage } from './pages/connect.js';
import { CollectionsPage } from './pages/collections.js';
import { PointsPage } from './pages/points.js';
import { SearchPage } from './pages/search.js';
import { VisualizePage } from './pages/visualize.js';
import { TokensPage } from './pages/tokens.js';
import { SnapshotsPage } from './pages/snapshots.js';
import { AuditPage } from './pages/audit.js';
import { ServicePage } from './pages/service.js';
import { ConsolePage } from './pages/console.js';
import { Notice } from './ui.js';
import { authLabel } from './session.js';

export interface PageProps {
  readonly session: Session;
  /** Query parameters of the hash route (`#/points?collection=docs&id=7`). */
  readonly params: URLSearchParams;
}

interface PageDef {
  readonly id: string;
  readonly title: string;
  /** Shown only when the caller may run this operation (on some collection, for collection operations). */
  readonly needs?: string;
  readonly hidden?: (s: Session) => boolean;
  readonly render: (p: PageProps) => preact.JSX.Element;
}

const PAGES: readonly PageDef[] = [
  { id: 'collections', title: 'Collections', needs: 'get_collections', render: (p) => <CollectionsPage {...p} /> },
  { id: 'points', title: 'Points', needs: 'scroll_points', render: (p) => <PointsPage {...p} /> },
  { id: 'search', title: 'Search', needs: 'query_points', render: (p) => <SearchPage {...p} /> },
  { id: 'visualize', title: 'Visualize', needs: 'scroll_points', render: (p) => <VisualizePage {...p} /> },
  { id: 'snapshots', title: 'Snapshots', needs: 'list_snapshots', render: (p) => <SnapshotsPage {...p} /> },
  { id: 'tokens', title: 'Access tokens', needs: 'create_access_token', hidden: (s) => s.server.hide_jwt_dashboard && !s.server.api_keys_file, render: (p) => <TokensPage {...p} /> },
  { id: 'audit', title: 'Audit', needs: 'get_audit_logs', render: (p) => <AuditPage {...p} /> },
  { id: 'service', title: 'Service', needs: 'telemetry', render: (p) => <ServicePage {...p} /> },
  { id: 'console', title: 'Console', render: (p) => <ConsolePage {...p} /> },
];

function currentRoute(): { page: string; params: URLSearchParams } {
  const hash = location.hash.replace(/^#\/?/, '');
  const [page = '', query = ''] = hash.split('?');
  return { page, params: new URLSearchParams(query) };
}

export function navigate(page: string, params: Record<string, string> = {}): void {
  const q = new URLSearchParams(params).toString();
  location.hash = `#/${page}${q === '' ? '' : `?${q}`}`;
}

export function App() {
  const [route, setRoute] = useState(currentRoute());
  const [session, setSession] = useState<Session | null>(null);
  const [checking, setChecking] = useState(true);
  const [problem, setProblem] = useState<string | undefined>();

  useEffect(() => {
    const onHash = (): void => setRoute(currentRoute());
    addEventListener('hashchange', onHash);
    return () => removeEventListener('hashchange', onHash);
  }, []);

  /** Tries the stored credential (or none: a server without keys lets everyone in). */
  const connect = async (credential: string | null): Promise<string | undefined> => {
    try {
      const info = await api<SessionInfo>('GET', '/dashboard/api/session', undefined, credential);
      setCredential(credential);
      setSession(makeSession(info));
      return undefined;
    } catch (e) {
      if (e instanceof ApiError && (e.status === 401 || e.status === 403)) return e.message;
      return e instanceof Error ? e.message : String(e);
    } finally {
      setChecking(false);
    }
  };

  useEffect(() => {
    // Only a saved credential is tried: probing without one would log a 401 on servers that need a key.
    const saved = getCredential();
    if (saved === null) {
      setChecking(false);
      return;
    }
    void connect(saved).then((error) => {
      if (error !== undefined) setProblem(`The saved credential no longer works: ${error}`);
    });
  }, []);

  if (checking) return <div class="loading">Connecting…</div>;
  if (session === null || route.page === 'connect') {
    return (
      <ConnectPage
        session={session}
        problem={problem}
        onConnect={async (credential) => {
          const error = await connect(credential);
          if (error === undefined) navigate(route.page === 'connect' || route.page === '' ? 'collections' : route.page);
          return error;
        }}
        onDisconnect={() => {
          setCredential(null);
          setSession(null);
          setProblem(undefined);
        }}
      />
    );
  }

  const visible = PAGES.filter((p) => (p.needs === undefined || session.can(p.needs)) && p.hidden?.(session) !== true);
  const page = visible.find((p) => p.id === route.page) ?? visible[0];
  return (
    <div class="shell">
      <nav class="sidebar" aria-label="pages">
        <div class="sidebar-inner">
        <div class="brand">
          <span class="logo" aria-hidden="true">➶</span> Quiver
        </div>
        {visible.map((p) => (
          <a key={p.id} href={`#/${p.id}`} class={p.id === page?.id ? 'active' : ''} aria-current={p.id === page?.id ? 'page' : undefined}>
            {p.title}
          </a>
        ))}
        <div class="whoami">
          <a href="#/connect" class={route.page === 'connect' ? 'active' : ''}>
            Connection
          </a>
          <small title={describeAccess(session.parsedAccess)}>
            {session.auth_type === 'None' ? 'no authentication' : session.key_name ?? session.subject ?? authLabel(session.auth_type)} · {describeAccess(session.parsedAccess)}
          </small>
        </div>
        </div>
      </nav>
      <main class="content">
        {page === undefined ? <Notice kind="warn">This credential may not use any page.</Notice> : (
          <>
            <h1>{page.title}</h1>
            {page.render({ session, params: route.params })}
          </>
        )}
      </main>
    </div>
  );
}
