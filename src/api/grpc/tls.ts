/**
 * TLS for the gRPC port from the same material and the same reloads as REST: this holder is a
 * `SecureContextTarget` of `TlsReloader` (src/auth/tls.ts) and passes each reload to the gRPC server attached to
 * it, so a reloaded certificate, key or CA reaches new gRPC connections exactly when it reaches new HTTPS ones.
 */
import type { SecureServerOptions } from 'node:http2';
import { httpsServerOptions, type SecureContextTarget, type TlsMaterial } from '../../auth/tls.js';

type ContextOptions = Parameters<SecureContextTarget['setSecureContext']>[0];

export class ReloadingCertificates implements SecureContextTarget {
  #material: TlsMaterial;
  readonly #targets = new Set<SecureContextTarget>();

  constructor(material: TlsMaterial) {
    this.#material = material;
  }

  setSecureContext(options: ContextOptions): void {
    this.#material = options;
    for (const t of this.#targets) t.setSecureContext(options);
  }

  /**
   * Options of a TLS server with the current material: with `verifyClient`, client certificates are required and
   * checked against the CA (mTLS); with a CA but no verification, a client certificate is asked for and not
   * required (an unverified one grants nothing).
   * @throws Error when client verification is on but there is no CA
   */
  serverOptions(hasCa: boolean, verifyClient: boolean): SecureServerOptions {
    const options = httpsServerOptions({ service: { verify_https_client_certificate: verifyClient } }, this.#material);
    return { ...options, requestCert: verifyClient || hasCa, rejectUnauthorized: verifyClient };
  }

  /** Sends every later reload to `target` too, until the returned function is called. */
  attach(target: SecureContextTarget): () => void {
    this.#targets.add(target);
    return () => this.#targets.delete(target);
  }
}

/** Applies a reload to several targets (the HTTPS server and the gRPC certificates). */
export function fanOut(targets: readonly SecureContextTarget[]): SecureContextTarget {
  return { setSecureContext: (options) => targets.forEach((t) => t.setSecureContext(options)) };
}
