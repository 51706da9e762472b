/**
 * Connects this node to the NATS cluster named by `cluster.nats`: every server URL, TLS (a CA to verify the
 * servers, a client certificate for mTLS), and this node's own credentials — a `.creds` file (user JWT + nkey
 * seed) or an nkey seed file. The connection reconnects forever; JetStream calls made while it is down fail
 * with a timeout and are answered 503.
 */
import { connect, credsAuthenticator, nkeyAuthenticator, type ConnectionOptions, type NatsConnection } from 'nats';
import type { Config } from '../config/schema.js';
import { readSmallRegularFile } from '../storage/fs.js';

type NatsSettings = Config['cluster']['nats'];

/** A credentials file is a few KB; anything larger is not one. */
const MAX_CREDENTIALS_BYTES = 64 * 1024;

function secretFile(path: string, what: string): Uint8Array {
  const bytes = readSmallRegularFile(path, MAX_CREDENTIALS_BYTES);
  if (bytes === undefined) throw new Error(`${what}: cannot read ${path} (missing, not a regular file, or larger than 64 KiB)`);
  return new Uint8Array(bytes);
}

/** The client options for `settings` (exported for tests). */
export function connectionOptions(settings: NatsSettings, nodeId: string, timeoutMs: number): ConnectionOptions {
  const options: ConnectionOptions = {
    servers: [...settings.servers],
    name: `quiver-${nodeId}`,
    maxReconnectAttempts: -1,
    reconnectTimeWait: 250,
    timeout: timeoutMs,
    pingInterval: 5_000,
  };
  if (settings.credentials_file !== null) {
    options.authenticator = credsAuthenticator(secretFile(settings.credentials_file, 'cluster.nats.credentials_file'));
  } else if (settings.nkey_seed_file !== null) {
    const seed = new TextDecoder().decode(secretFile(settings.nkey_seed_file, 'cluster.nats.nkey_seed_file')).trim();
    options.authenticator = nkeyAuthenticator(new TextEncoder().encode(seed));
  }
  const tls = settings.tls;
  if (tls.enabled) {
    options.tls = {
      ...(tls.ca_cert === null ? {} : { caFile: tls.ca_cert }),
      ...(tls.cert === null ? {} : { certFile: tls.cert }),
      ...(tls.key === null ? {} : { keyFile: tls.key }),
    };
  }
  return options;
}

export function connectNats(settings: NatsSettings, nodeId: string, timeoutMs: number): Promise<NatsConnection> {
  return connect(connectionOptions(settings, nodeId, timeoutMs));
}
