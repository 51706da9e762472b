/** Small shared pieces: notices, JSON view, confirm dialog, collection picker, copy button, async state. */
import type { ComponentChildren } from 'preact';
import { useCallback, useEffect, useState } from 'preact/hooks';
import { api, errorMessage } from './api.js';

export function Notice({ kind, children }: { kind: 'error' | 'ok' | 'info' | 'warn'; children: ComponentChildren }) {
  return <div class={`notice notice-${kind}`} role={kind === 'error' ? 'alert' : 'status'}>{children}</div>;
}

/** Pretty JSON; long number arrays (vectors) are cut to `maxArray` items. */
export function JsonView({ value, maxArray = 0 }: { value: unknown; maxArray?: number }) {
  const text = JSON.stringify(
    value,
    (_k, v: unknown) => {
      if (maxArray > 0 && Array.isArray(v) && v.length > maxArray && v.every((x) => typeof x === 'number')) {
        return [...v.slice(0, maxArray).map((x: number) => Number(x.toFixed(4))), `… ${v.length - maxArray} more (${v.length} dims)`];
      }
      return v;
    },
    2,
  );
  return <pre class="json">{text}</pre>;
}

export function CopyButton({ text, label = 'Copy' }: { text: string; label?: string }) {
  const [done, setDone] = useState(false);
  return (
    <button
      type="button"
      class="secondary"
      onClick={() => {
        void navigator.clipboard.writeText(text).then(
          () => setDone(true),
          () => setDone(false),
        );
      }}
    >
      {done ? 'Copied' : label}
    </button>
  );
}

/** A confirmation dialog: `confirmText`, when given, must be typed (deleting a collection). */
export function Confirm({ title, body, confirmText, onConfirm, onCancel }: { title: string; body: ComponentChildren; confirmText?: string; onConfirm: () => void; onCancel: () => void }) {
  const [typed, setTyped] = useState('');
  const ok = confirmText === undefined || typed === confirmText;
  return (
    <div class="modal-backdrop" role="dialog" aria-modal="true" aria-label={title}>
      <div class="modal">
        <h3>{title}</h3>
        <div>{body}</div>
        {confirmText !== undefined && (
          <label>
            Type <code>{confirmText}</code> to confirm
            <input value={typed} onInput={(e) => setTyped(e.currentTarget.value)} aria-label="confirmation" autoFocus />
          </label>
        )}
        <div class="row">
          <button type="button" class="danger" disabled={!ok} onClick={onConfirm}>
            Confirm
          </button>
          <button type="button" class="secondary" onClick={onCancel}>
            Cancel
          </button>
        </div>
      </div>
    </div>
  );
}

export interface Async<T> {
  readonly data: T | undefined;
  readonly error: string | undefined;
  readonly loading: boolean;
  readonly reload: () => void;
}

/** Runs `load` now and whenever `deps` change or `reload()` is called. */
export function useAsync<T>(load: () => Promise<T>, deps: unknown[]): Async<T> {
  const [state, setState] = useState<{ data?: T; error?: string; loading: boolean }>({ loading: true });
  const [tick, setTick] = useState(0);
  useEffect(() => {
    let live = true;
    setState((s) => ({ ...s, loading: true }));
    load().then(
      (data) => live && setState({ data, loading: false }),
      (e: unknown) => live && setState({ error: errorMessage(e), loading: false }),
    );
    return () => {
      live = false;
    };
  }, [...deps, tick]);
  const reload = useCallback(() => setTick((t) => t + 1), []);
  return { data: state.data, error: state.error, loading: state.loading, reload };
}

/** The collections the caller may see (the server filters the list for collection-scoped credentials). */
export function useCollections(): Async<string[]> {
  return useAsync(async () => (await api<{ collections: Array<{ name: string }> }>('GET', '/collections')).collections.map((c) => c.name).sort(), []);
}

export function CollectionPicker({ value, onChange, names }: { value: string; onChange: (name: string) => void; names: readonly string[] }) {
  useEffect(() => {
    if (value === '' && names.length > 0) onChange(names[0] ?? '');
  }, [names, value]);
  return (
    <label>
      Collection
      <select value={value} onChange={(e) => onChange(e.currentTarget.value)} aria-label="collection">
        {names.length === 0 && <option value="">(no collections)</option>}
        {names.map((n) => (
          <option key={n} value={n}>
            {n}
          </option>
        ))}
      </select>
    </label>
  );
}

/** Runs an action, showing its error or success. */
export function useAction(): { run: (f: () => Promise<unknown>, success?: string) => Promise<boolean>; notice: ComponentChildren; busy: boolean } {
  const [result, setResult] = useState<{ kind: 'ok' | 'error'; text: string } | undefined>();
  const [busy, setBusy] = useState(false);
  const run = async (f: () => Promise<unknown>, success?: string): Promise<boolean> => {
    setBusy(true);
    setResult(undefined);
    try {
      await f();
      if (success !== undefined) setResult({ kind: 'ok', text: success });
      return true;
    } catch (e) {
      setResult({ kind: 'error', text: errorMessage(e) });
      return false;
    } finally {
      setBusy(false);
    }
  };
  return { run, busy, notice: result === undefined ? null : <Notice kind={result.kind}>{result.text}</Notice> };
}

export function formatNumber(n: unknown): string {
  return typeof n === 'number' ? n.toLocaleString('en-US') : '—';
}

export function formatBytes(n: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let i = 0;
  let v = n;
  while (v >= 1024 && i < units.length - 1) {
    v /= 1024;
    i++;
  }
  return `${v.toFixed(i === 0 ? 0 : 1)} ${units[i] ?? ''}`;
}

/** A data table: the header cells, the rows, and a one-cell row with `empty` when it is given (not false). */
export function DataTable({ label, headers, empty, children }: { label?: string; headers: readonly string[]; empty?: ComponentChildren; children?: ComponentChildren }) {
  return (
    <table class="data" aria-label={label}>
      <thead>
        <tr>
          {headers.map((h, i) => (
            <th key={i}>{h}</th>
          ))}
        </tr>
      </thead>
      <tbody>
        {children}
        {empty !== undefined && empty !== null && empty !== false && (
          <tr>
            <td colSpan={headers.length} class="empty">
              {empty}
            </td>
          </tr>
        )}
      </tbody>
    </table>
  );
}
