/**
 * Calls to the server's REST API with the session's credential. The credential lives in sessionStorage only
 * (gone when the tab closes), is sent as `api-key` or `Authorization: Bearer`, and never goes into a URL.
 */
const STORAGE_KEY = 'quiver.credential';

/** A JWT has three base64url parts; anything else is an API key. */
export function isJwt(text: string): boolean {
  return /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*$/.test(text);
}

export function getCredential(): string | null {
  return sessionStorage.getItem(STORAGE_KEY);
}

export function setCredential(value: string | null): void {
  if (value === null || value === '') sessionStorage.removeItem(STORAGE_KEY);
  else sessionStorage.setItem(STORAGE_KEY, value);
}

/** The credential headers for `credential` (default: the session's). */
export function authHeaders(credential: string | null = getCredential()): Record<string, string> {
  if (credential === null || credential === '') return {};
  return isJwt(credential) ? { authorization: `Bearer ${credential}` } : { 'api-key': credential };
}

/** A refused or failed call: the HTTP status and Qdrant's error text. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
    this.name = 'ApiError';
  }
}

export interface RawResponse {
  readonly status: number;
  readonly ok: boolean;
  readonly text: string;
  readonly json: unknown;
  readonly ms: number;
}

/** Any request, answered as is (the console). */
export async function rawRequest(method: string, path: string, body?: string, credential?: string | null): Promise<RawResponse> {
  const started = performance.now();
  const headers: Record<string, string> = { ...authHeaders(credential) };
  if (body !== undefined && body.trim() !== '') headers['content-type'] = 'application/json';
  const res = await fetch(path, { method, headers, ...(body !== undefined && body.trim() !== '' ? { body } : {}) });
  const text = await res.text();
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    json = undefined;
  }
  return { status: res.status, ok: res.ok, text, json, ms: performance.now() - started };
}

function errorText(r: RawResponse): string {
  const status = (r.json as { status?: { error?: unknown } } | undefined)?.status;
  if (status !== undefined && typeof status === 'object' && typeof status.error === 'string') return status.error;
  return r.text.trim() === '' ? `HTTP ${r.status}` : r.text.trim();
}

/** A JSON call: the `result` of Qdrant's envelope, or an {@link ApiError}. */
export async function api<T = unknown>(method: string, path: string, body?: unknown, credential?: string | null): Promise<T> {
  const r = await rawRequest(method, path, body === undefined ? undefined : JSON.stringify(body), credential);
  if (!r.ok) throw new ApiError(r.status, errorText(r));
  const json = r.json as { result?: T } | undefined;
  return (json !== undefined && typeof json === 'object' && json !== null && 'result' in json ? json.result : json) as T;
}

/** A binary download with the credential (the browser saves the blob; no credential in a URL). */
export async function download(path: string, filename: string): Promise<void> {
  const res = await fetch(path, { headers: authHeaders() });
  if (!res.ok) throw new ApiError(res.status, (await res.text()) || `HTTP ${res.status}`);
  const url = URL.createObjectURL(await res.blob());
  const a = document.createElement('a');
  a.href = url;
  a.download = filename;
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}

/** A multipart upload with progress (XHR: fetch has no upload progress). */
export function upload(path: string, field: string, file: Blob, filename: string, onProgress: (fraction: number) => void): Promise<unknown> {
  return new Promise((resolve, reject) => {
    const xhr = new XMLHttpRequest();
    xhr.open('POST', path);
    for (const [k, v] of Object.entries(authHeaders())) xhr.setRequestHeader(k, v);
    xhr.upload.onprogress = (e) => {
      if (e.lengthComputable) onProgress(e.loaded / e.total);
    };
    xhr.onload = () => {
      let json: unknown;
      try {
        json = JSON.parse(xhr.responseText);
      } catch {
        json = undefined;
      }
      if (xhr.status >= 200 && xhr.status < 300) resolve((json as { result?: unknown } | undefined)?.result);
      else reject(new ApiError(xhr.status, errorText({ status: xhr.status, ok: false, text: xhr.responseText, json, ms: 0 })));
    };
    xhr.onerror = () => reject(new ApiError(0, 'network error'));
    const form = new FormData();
    form.append(field, file, filename);
    xhr.send(form);
  });
}

export function errorMessage(e: unknown): string {
  if (e instanceof ApiError) return `${e.status === 0 ? '' : `${e.status}: `}${e.message}`;
  return e instanceof Error ? e.message : String(e);
}

/** `/collections/{name}` with the name escaped. */
export function collectionPath(name: string, rest = ''): string {
  return `/collections/${encodeURIComponent(name)}${rest}`;
}
