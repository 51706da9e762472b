/**
 * `authorize()` with its audit line written in the background, the one way both transports decide access.
 * The durable write of the decision's audit event starts when access is decided; an operation that changes state
 * (write, manage or extras) runs only once that line is on disk (fail-closed stops it here), while a read overlaps
 * the fsync with its handler and waits for it only before replying.
 */
import { ACCESS_TABLE, type OperationName } from './access-table.js';
import type { AuditSink } from './audit-event.js';
import type { Auth } from './authenticate.js';
import { authorize, type AuthorizeDeps, type AuthorizeTarget, type PassFor } from './authorize.js';

/**
 * Decides `operation` for `auth` as {@link authorize} does.
 * @param onDurable - called once, before the decision is returned or thrown, with a promise that settles when the
 *   decision's audit lines are durable (it rejects with the sink's error when they could not be written); the
 *   caller must await it before answering the client
 * @throws what `authorize` throws; for a state-changing operation, also the sink's error (fail-closed)
 */
export async function authorizeAudited<O extends OperationName>(
  auth: Auth,
  operation: O,
  target: AuthorizeTarget,
  deps: AuthorizeDeps,
  onDurable: (durable: Promise<void>) => void,
): Promise<PassFor<O>> {
  const sink = deps.audit;
  const writes: Array<Promise<void>> = [];
  const deferred: AuditSink = {
    discards: sink.discards === true,
    write(event) {
      const p = sink.write(event);
      p.catch(() => undefined);
      writes.push(p);
      return Promise.resolve();
    },
  };
  let pass: PassFor<O>;
  try {
    pass = await authorize(auth, operation, target, { ...deps, audit: deferred });
  } finally {
    onDurable(Promise.all(writes).then(() => undefined));
  }
  const need = ACCESS_TABLE[operation].need;
  if (need.write || need.manage || need.extras) await Promise.all(writes);
  return pass;
}
