/**
 * One HTTP request through a `node:http` agent — the benchmarks' client (with a keep-alive agent; undici's pool
 * added ~1 ms per request on these machines, which hides the server). A string body is sent as JSON; `null` sends
 * none.
 */
import { request, type Agent } from 'node:http';

export interface Reply {
  status: number;
  text: string;
}

export function send(agent: Agent, url: string, method: string, path: string, body: string | null, headers: Record<string, string> = {}): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const framing = body === null ? {} : { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) };
    const req = request(`${url}${path}`, { method, agent, headers: { ...framing, ...headers } }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString('utf8') }));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end(body ?? undefined);
  });
}
