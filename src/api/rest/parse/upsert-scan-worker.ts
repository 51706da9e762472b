/**
 * Worker-thread side of `upsert-scan-thread.ts`: scans upsert bodies (`upsert-scan.ts`) and posts back the points,
 * the vectors' buffer transferred, not copied. A body it does not read is answered `scanned: null`; a failure of
 * the scanner itself `error` (the main thread then takes the general path either way).
 */
import { parentPort } from 'node:worker_threads';
import { scanUpsert } from './upsert-scan.js';
import { bodyText, type ScanRequest, type ScanReply } from './upsert-scan-thread.js';

const port = parentPort;
if (port !== null) {
  port.on('message', (request: ScanRequest) => {
    const reply = (message: ScanReply, transfer: ArrayBuffer[] = []): void => port.postMessage(message, transfer);
    scanUpsert(bodyText(request.body), false).then(
      (s) => {
        if (s === undefined) reply({ id: request.id, scanned: null });
        else reply({ id: request.id, scanned: { members: s.members, form: s.form, ids: s.ids, dim: s.dim, vectors: s.vectors, payloads: s.payloads } }, [s.vectors.buffer as ArrayBuffer]);
      },
      (e: unknown) => reply({ id: request.id, error: e instanceof Error ? e.message : String(e) }),
    );
  });
}
