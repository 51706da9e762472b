/**
 * Slowloris clients for a child server: 100 connections stop in the middle of their headers, 100 more declare a
 * 900 KiB body and trickle it a byte at a time. Used by tests/faults/slow-clients.test.ts (behaviour: everything
 * still answered, memory bounded) and bench/slow-clients.ts (latency under them, a robustness-job threshold).
 */
import { connect, type Socket } from 'node:net';
import { readFileSync } from 'node:fs';
import type { ChildServer } from './app.js';

export const MB = 1024 * 1024;

/** The child's resident memory in bytes (Linux /proc). */
export function rss(server: ChildServer): number {
  const kb = /VmRSS:\s+(\d+)\s+kB/.exec(readFileSync(`/proc/${server.proc.pid}/status`, 'utf8'))?.[1];
  return Number(kb ?? 0) * 1024;
}

export function openSocket(server: ChildServer): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const s = connect(server.port, '127.0.0.1', () => resolve(s));
    s.once('error', reject);
  });
}

export interface SlowClients {
  readonly sockets: readonly Socket[];
  /** Slow connections the server has closed so far. */
  closedByServer(): number;
  /** Stops trickling and closes every slow connection. */
  release(): void;
}

/** Opens the 200 slow connections against `collection` (which must exist) and keeps them trickling. */
export async function holdSlowClients(server: ChildServer, collection: string): Promise<SlowClients> {
  const sockets: Socket[] = [];
  let closed = 0;
  const track = (s: Socket): Socket => {
    s.on('close', () => closed++);
    s.on('error', () => undefined);
    sockets.push(s);
    return s;
  };
  for (let i = 0; i < 100; i++) track(await openSocket(server)).write(`POST /collections/${collection}/points/scroll HTTP/1.1\r\nHost: localhost\r\nContent-Type: applic`);
  const trickle: Socket[] = [];
  for (let i = 0; i < 100; i++) {
    const s = track(await openSocket(server));
    s.write(`PUT /collections/${collection}/points?wait=true HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\nContent-Length: ${900 * 1024}\r\n\r\n{"points":[`);
    s.write(' '.repeat(64 * 1024));
    trickle.push(s);
  }
  const dripper = setInterval(() => {
    for (const s of trickle) if (!s.destroyed) s.write(' ');
  }, 500);
  return {
    sockets,
    closedByServer: () => closed,
    release: () => {
      clearInterval(dripper);
      for (const s of sockets) s.destroy();
    },
  };
}
