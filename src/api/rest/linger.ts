/**
 * Lingering close for a request answered before its body has arrived (413 for a body past
 * `service.max_request_size_mb`, or a body that cannot be parsed). Fastify answers such a request with
 * `connection: close`, and Node then closes the socket as soon as the answer is written. A client still sending its
 * body gets a TCP reset from the closed socket, and its kernel discards the answer it had not read yet: the client
 * sees "connection reset" instead of the 413 (seen in the slow-clients fault test on a loaded machine).
 *
 * As web servers do (nginx's `lingering_close`), the connection stays open after the answer while the rest of the
 * body is read and discarded (Node dumps an unread body), for at most {@link LINGER_MS} and {@link LINGER_BYTES};
 * past either the socket is destroyed, as it would have been at once. A body that ends in time leaves an ordinary
 * keep-alive connection.
 */
import { Socket } from 'node:net';
import type { FastifyInstance } from 'fastify';

/** How long a refused request's body is read and discarded after the answer. */
export const LINGER_MS = 5_000;
/** How much of it. */
export const LINGER_BYTES = 64 * 1024 * 1024;

export function lingerOnEarlyAnswers(app: FastifyInstance): void {
  app.addHook('onSend', (request, reply, payload, done) => {
    const raw = request.raw;
    // Only a real connection lingers (a request injected in process has a stand-in socket, and nothing to drain).
    if (reply.getHeader('connection') !== 'close' || raw.complete || !(raw.socket instanceof Socket) || raw.socket.destroyed) {
      done(null, payload);
      return;
    }
    reply.removeHeader('connection');
    const socket = raw.socket;
    reply.raw.once('finish', () => {
      if (raw.complete) return;
      let read = 0;
      const stop = (): void => {
        clearTimeout(timer);
        raw.off('data', count);
      };
      const count = (chunk: Buffer): void => {
        read += chunk.length;
        if (read > LINGER_BYTES) socket.destroy();
      };
      const timer = setTimeout(() => socket.destroy(), LINGER_MS);
      timer.unref();
      raw.on('data', count);
      raw.once('end', stop);
      socket.once('close', stop);
    });
    done(null, payload);
  });
}
