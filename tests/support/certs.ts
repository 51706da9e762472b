/**
 * Test PKI made with the `openssl` CLI in a temp dir: a CA, a server certificate for 127.0.0.1 / ::1 / localhost,
 * a client certificate signed by the CA, and an unrelated second CA with its own client certificate. EC P-256
 * keys keep generation fast. Everything is valid for a day.
 */
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** A PEM certificate and its PEM private key, as file paths. */
export interface CertPair {
  readonly cert: string;
  readonly key: string;
}

export interface TestPki {
  readonly dir: string;
  readonly ca: CertPair;
  /** Signed by `ca`; SAN IP:127.0.0.1, IP:::1, DNS:localhost. */
  readonly server: CertPair;
  /** Signed by `ca`, extendedKeyUsage clientAuth. */
  readonly client: CertPair;
  /** A second CA, unrelated to `ca`. */
  readonly otherCa: CertPair;
  /** Signed by `otherCa`. */
  readonly otherClient: CertPair;
  /** Removes `dir`. */
  cleanup(): void;
}

function openssl(args: readonly string[]): void {
  execFileSync('openssl', args, { stdio: ['ignore', 'ignore', 'pipe'] });
}

const EC_KEY = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'] as const;

function serial(): string {
  return `0x${randomBytes(8).toString('hex')}`;
}

/** A self-signed CA in `dir/<name>.pem` + `dir/<name>.key`. */
export function makeCa(dir: string, name: string, commonName = `Quiver Test ${name}`): CertPair {
  const pair = { cert: join(dir, `${name}.pem`), key: join(dir, `${name}.key`) };
  openssl([
    'req', '-x509', ...EC_KEY, '-keyout', pair.key, '-out', pair.cert, '-days', '1', '-set_serial', serial(),
    '-subj', `/CN=${commonName}`,
    '-addext', 'basicConstraints=critical,CA:TRUE',
    '-addext', 'keyUsage=critical,keyCertSign,cRLSign',
  ]);
  return pair;
}

/** A leaf certificate signed by `ca`: `server` (SAN for the loopback addresses) or `client`. */
export function issueCert(dir: string, name: string, ca: CertPair, kind: 'server' | 'client', commonName = name): CertPair {
  const pair = { cert: join(dir, `${name}.pem`), key: join(dir, `${name}.key`) };
  const csr = join(dir, `${name}.csr`);
  const ext = join(dir, `${name}.ext`);
  writeFileSync(
    ext,
    [
      'basicConstraints=critical,CA:FALSE',
      'keyUsage=critical,digitalSignature,keyEncipherment',
      kind === 'server' ? 'extendedKeyUsage=serverAuth' : 'extendedKeyUsage=clientAuth',
      ...(kind === 'server' ? ['subjectAltName=IP:127.0.0.1,IP:::1,DNS:localhost'] : []),
      '',
    ].join('\n'),
  );
  openssl(['req', '-new', ...EC_KEY, '-keyout', pair.key, '-out', csr, '-subj', `/CN=${commonName}`]);
  openssl([
    'x509', '-req', '-in', csr, '-CA', ca.cert, '-CAkey', ca.key, '-set_serial', serial(), '-days', '1',
    '-extfile', ext, '-out', pair.cert,
  ]);
  rmSync(csr);
  rmSync(ext);
  return pair;
}

/** Generates the whole test PKI in a new temp dir. */
export function makeTestPki(): TestPki {
  const dir = mkdtempSync(join(tmpdir(), 'quiver-pki-'));
  const ca = makeCa(dir, 'ca');
  const otherCa = makeCa(dir, 'other-ca');
  return {
    dir,
    ca,
    server: issueCert(dir, 'server', ca, 'server', 'localhost'),
    client: issueCert(dir, 'client', ca, 'client', 'quiver-test-client'),
    otherCa,
    otherClient: issueCert(dir, 'other-client', otherCa, 'client', 'quiver-other-client'),
    cleanup: () => rmSync(dir, { recursive: true, force: true }),
  };
}

/**
 * The environment of a server with `key` as admin key, mTLS on with `pki`, and two certificate identities
 * (`service.tls_client_access`): `CN=quiver-test-client` (pki.client) may read and write collection `docs`;
 * `CN=svc-reader` may read everything.
 */
export function certIdentityEnv(pki: TestPki, key: string): Record<string, string> {
  return {
    QDRANT__SERVICE__API_KEY: key,
    QDRANT__SERVICE__ENABLE_TLS: 'true',
    QDRANT__SERVICE__VERIFY_HTTPS_CLIENT_CERTIFICATE: 'true',
    QDRANT__TLS__CERT: pki.server.cert,
    QDRANT__TLS__KEY: pki.server.key,
    QDRANT__TLS__CA_CERT: pki.ca.cert,
    QDRANT__SERVICE__TLS_CLIENT_ACCESS: JSON.stringify([
      { identity: 'CN=quiver-test-client', access: [{ collection: 'docs', access: 'rw' }] },
      { identity: 'CN=svc-reader', access: 'r' },
    ]),
  };
}
