/** What the cluster benches share: numeric settings from the environment, a JSON call that must answer 200, and the deterministic vectors they write and query. */

/** The environment variable `k` as a number, `d` when unset. */
export const envNumber = (k: string, d: string): number => Number(process.env[k] ?? d);

/** `method path` on `url` with a JSON body; the parsed reply, or an error naming the status when it is not 200. */
export async function call(url: string, method: string, path: string, body?: unknown): Promise<any> {
  const r = await fetch(url + path, { method, headers: { 'content-type': 'application/json' }, body: body === undefined ? undefined : JSON.stringify(body) });
  const json = (await r.json()) as any;
  if (r.status !== 200) throw new Error(`${method} ${path}: ${r.status} ${JSON.stringify(json)}`);
  return json;
}

/** Vector `i` of `dim` components (the same for a given `i` in every run). */
export function vectorOf(i: number, dim: number): number[] {
  return Array.from({ length: dim }, (_, k) => Math.sin(i * 31 + k));
}
