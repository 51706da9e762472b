/**
 * TLS for the gRPC port from the same material and the same reloads as REST: this provider is a
 * `SecureContextTarget` of `TlsReloader` (src/auth/tls.ts) and a grpc-js `CertificateProvider`, so a reloaded
 * certificate, key or CA reaches new gRPC connections exactly when it reaches new HTTPS ones.
 */
import type { ServerCredentials } from '@grpc/grpc-js';
import { experimental } from '@grpc/grpc-js';
import type { SecureContextTarget, TlsMaterial } from '../../auth/tls.js';

type CaListener = experimental.CaCertificateUpdateListener;
type IdentityListener = experimental.IdentityCertificateUpdateListener;

export class ReloadingCertificates implements experimental.CertificateProvider, SecureContextTarget {
  #material: { cert: Buffer; key: Buffer; ca?: Buffer | undefined };
  readonly #ca = new Set<CaListener>();
  readonly #identity = new Set<IdentityListener>();

  constructor(material: TlsMaterial) {
    this.#material = material;
  }

  setSecureContext(options: { cert: Buffer; key: Buffer; ca?: Buffer }): void {
    this.#material = options;
    for (const l of this.#identity) l({ certificate: options.cert, privateKey: options.key });
    if (options.ca !== undefined) for (const l of this.#ca) l({ caCertificate: options.ca });
  }

  // grpc-js registers its watcher only after adding these listeners: the current material is delivered on the
  // next microtask so that the watcher hears it (a synchronous call would be lost and no connection accepted).
  addCaCertificateListener(listener: CaListener): void {
    this.#ca.add(listener);
    queueMicrotask(() => {
      const ca = this.#material.ca;
      if (this.#ca.has(listener) && ca !== undefined) listener({ caCertificate: ca });
    });
  }

  removeCaCertificateListener(listener: CaListener): void {
    this.#ca.delete(listener);
  }

  addIdentityCertificateListener(listener: IdentityListener): void {
    this.#identity.add(listener);
    queueMicrotask(() => {
      if (this.#identity.has(listener)) listener({ certificate: this.#material.cert, privateKey: this.#material.key });
    });
  }

  removeIdentityCertificateListener(listener: IdentityListener): void {
    this.#identity.delete(listener);
  }
}

/**
 * Server credentials: TLS with the provider's certificate; with `verifyClient`, client certificates are required
 * and checked against the provider's CA (mTLS); with a CA but no verification, a client certificate is asked
 * for and not required.
 */
export function grpcServerCredentials(provider: ReloadingCertificates, hasCa: boolean, verifyClient: boolean): ServerCredentials {
  // grpc-js passes (identity, ca) to the credentials in this order despite the parameter names.
  return experimental.createCertificateProviderServerCredentials(provider, hasCa ? provider : null, verifyClient);
}

/** Applies a reload to several targets (the HTTPS server and the gRPC certificates). */
export function fanOut(targets: readonly SecureContextTarget[]): SecureContextTarget {
  return { setSecureContext: (options) => targets.forEach((t) => t.setSecureContext(options)) };
}
