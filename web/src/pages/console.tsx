/** Console: type REST requests (`GET /collections`, `POST /collections/x/points/query {…}`), with history. */
import { useState } from 'preact/hooks';
import type { PageProps } from '../app.js';
import { rawRequest, type RawResponse } from '../api.js';
import { Notice } from '../ui.js';

const HISTORY_KEY = 'quiver.console.history';
const METHODS = new Set(['GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'HEAD']);

/** `METHOD /path` on the first line, an optional JSON body after it. */
export function parseCommand(text: string): { method: string; path: string; body: string } | string {
  const trimmed = text.trim();
  const nl = trimmed.search(/\s*\n|\s+[{[]/);
  const head = (nl < 0 ? trimmed : trimmed.slice(0, nl)).trim();
  const body = nl < 0 ? '' : trimmed.slice(nl).trim();
  const [method = '', path = '', ...extra] = head.split(/\s+/);
  if (!METHODS.has(method.toUpperCase())) return 'Start with a method: GET, POST, PUT, PATCH or DELETE';
  if (!path.startsWith('/') || extra.length > 0) return 'Then a path starting with /, e.g. GET /collections';
  if (body !== '') {
    try {
      JSON.parse(body);
    } catch (e) {
      return `The body is not valid JSON: ${e instanceof Error ? e.message : String(e)}`;
    }
  }
  return { method: method.toUpperCase(), path, body };
}

function loadHistory(): string[] {
  try {
    const v: unknown = JSON.parse(sessionStorage.getItem(HISTORY_KEY) ?? '[]');
    return Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : [];
  } catch {
    return [];
  }
}

export function ConsolePage(_: PageProps) {
  const [text, setText] = useState('GET /collections');
  const [history, setHistory] = useState<string[]>(loadHistory());
  const [response, setResponse] = useState<RawResponse | undefined>();
  const [error, setError] = useState<string | undefined>();
  const [busy, setBusy] = useState(false);
  const send = async (): Promise<void> => {
    const cmd = parseCommand(text);
    if (typeof cmd === 'string') {
      setError(cmd);
      return;
    }
    setError(undefined);
    setResponse(undefined);
    setBusy(true);
    try {
      setResponse(await rawRequest(cmd.method, cmd.path, cmd.body === '' ? undefined : cmd.body));
      const next = [text.trim(), ...history.filter((h) => h !== text.trim())].slice(0, 50);
      setHistory(next);
      sessionStorage.setItem(HISTORY_KEY, JSON.stringify(next));
    } catch (e) {
      setError(e instanceof Error ? e.message : String(e));
    } finally {
      setBusy(false);
    }
  };
  let pretty = response?.text ?? '';
  if (response?.json !== undefined) pretty = JSON.stringify(response.json, null, 2);
  return (
    <div class="page console">
      <div class="columns wide-left">
        <div>
          <label>
            Request
            <textarea
              name="console"
              rows={10}
              spellcheck={false}
              value={text}
              onInput={(e) => setText(e.currentTarget.value)}
              onKeyDown={(e) => {
                if (e.key === 'Enter' && (e.ctrlKey || e.metaKey)) {
                  e.preventDefault();
                  void send();
                }
              }}
            />
          </label>
          <div class="row">
            <button type="button" onClick={() => void send()} disabled={busy}>
              Send (Ctrl+Enter)
            </button>
          </div>
          {error !== undefined && <Notice kind="error">{error}</Notice>}
          {response !== undefined && (
            <div aria-label="response">
              <p class={`status-line ${response.ok ? 'ok' : 'bad'}`}>
                HTTP {response.status} · {response.ms.toFixed(0)} ms
              </p>
              <pre class="json response">{pretty}</pre>
            </div>
          )}
        </div>
        <aside class="card" aria-label="history">
          <h3>History</h3>
          {history.length === 0 && <p class="hint">Requests you send appear here.</p>}
          <ul class="history">
            {history.map((h) => (
              <li key={h}>
                <button type="button" class="link mono" onClick={() => setText(h)}>
                  {h.length > 80 ? `${h.slice(0, 77)}…` : h}
                </button>
              </li>
            ))}
          </ul>
        </aside>
      </div>
    </div>
  );
}
