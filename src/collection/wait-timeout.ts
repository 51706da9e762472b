/**
 * The `timeout` of a `wait=true` write (Qdrant 1.19): when the write is not applied within `timeoutMs`, the
 * request is answered `{"status": "wait_timeout"}` and the write goes on (it is not cancelled, as in Qdrant).
 * The operation id is not known yet at that point (Quiver numbers an operation when it is applied), so it is
 * null. A write that fails after the answer was sent is reported to `onLateFailure`, never left unhandled.
 */
import type { UpdateResult } from './types.js';

export interface WaitTimeoutResult {
  readonly operationId: number | null;
  readonly status: 'wait_timeout';
}

export function withWaitTimeout(
  pending: Promise<UpdateResult>,
  timeoutMs: number,
  onLateFailure: (e: unknown) => void,
): Promise<UpdateResult | WaitTimeoutResult> {
  return new Promise((resolve, reject) => {
    let answered = false;
    const timer = setTimeout(() => {
      answered = true;
      resolve({ operationId: null, status: 'wait_timeout' });
    }, timeoutMs);
    pending.then(
      (r) => {
        clearTimeout(timer);
        if (!answered) resolve(r);
      },
      (e: unknown) => {
        clearTimeout(timer);
        if (answered) onLateFailure(e);
        else reject(e instanceof Error ? e : new Error(String(e)));
      },
    );
  });
}
