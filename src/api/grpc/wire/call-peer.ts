/** The connection a gRPC call came in on: the client's address and, with mTLS, its verified certificate. */
import type { ServerHttp2Session } from 'node:http2';
import { TLSSocket } from 'node:tls';
import type { PeerIdentity } from '../../../auth/cert-identity.js';

export interface CallPeer {
  /** The client's IP address. */
  readonly remote: string | undefined;
  /** The client certificate, when the connection is TLS and the certificate was verified against the CA (mTLS). */
  certificate(): PeerIdentity | undefined;
}

/** The connection facts of one HTTP/2 session, read once for all its calls. */
export class SessionPeer implements CallPeer {
  readonly remote: string | undefined;
  readonly #socket: ServerHttp2Session['socket'];
  #certificate: PeerIdentity | undefined | null = null;

  constructor(session: ServerHttp2Session) {
    this.#socket = session.socket;
    this.remote = this.#socket.remoteAddress;
  }

  certificate(): PeerIdentity | undefined {
    if (this.#certificate === null) {
      const socket = this.#socket;
      // As grpc-js: nothing unless the TLS socket is `authorized`, and nothing when no certificate was sent.
      const peer = socket instanceof TLSSocket && socket.authorized ? socket.getPeerCertificate() : undefined;
      this.#certificate = peer === undefined || peer.raw === undefined ? undefined : { subject: peer.subject, subjectaltname: peer.subjectaltname };
    }
    return this.#certificate;
  }
}
