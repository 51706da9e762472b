/**
 * Child process of kill.test.ts: writes audit events with 32 writers in flight and prints each event's number
 * once its `write` resolved (the moment a server would send the response), until it is killed.
 */
import { JsonlFileSink } from '../../../../src/auth/audit/file-sink.js';

const dir = process.argv[2] as string;
const sink = new JsonlFileSink({ dir, rotation: 'hourly', maxLogFiles: 3, failClosed: true, hmacKey: Buffer.from('kill-test-key') });
let next = 0;
async function writer(): Promise<never> {
  for (;;) {
    const i = next++;
    await sink.write({ timestamp: new Date().toISOString(), api: '/collections', method: 'get_collections', auth_type: 'None', result: 'ok', tracing_id: String(i) });
    process.stdout.write(`${i}\n`);
  }
}
await Promise.all(Array.from({ length: 32 }, writer));
