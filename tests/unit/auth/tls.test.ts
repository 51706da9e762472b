import { strict as assert } from 'node:assert';
import { execFileSync } from 'node:child_process';
import { copyFileSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import {
  TlsReloader, httpsServerOptions, loadTlsMaterial,
  type ReloadTimer, type SecureContextTarget, type TlsMaterial,
} from '../../../src/auth/tls.js';
import { issueCert, makeTestPki, type TestPki } from '../../support/certs.js';

let pki: TestPki;
let work: string;
let n = 0;

/** A fresh copy of the server cert/key (and CA) that a test may overwrite. */
function copyFiles(): { cert: string; key: string; ca_cert: string } {
  const dir = join(work, `case-${n++}`);
  mkdirSync(dir);
  const files = { cert: join(dir, 'cert.pem'), key: join(dir, 'key.pem'), ca_cert: join(dir, 'ca.pem') };
  copyFileSync(pki.server.cert, files.cert);
  copyFileSync(pki.server.key, files.key);
  copyFileSync(pki.ca.cert, files.ca_cert);
  return files;
}

function throwsMessage(fn: () => unknown, expected: RegExp | string): void {
  assert.throws(fn, (error: unknown) => {
    assert.ok(error instanceof Error);
    if (typeof expected === 'string') assert.equal(error.message, expected);
    else assert.match(error.message, expected);
    return true;
  });
}

before(() => {
  pki = makeTestPki();
  work = join(pki.dir, 'work');
  mkdirSync(work);
});

after(() => pki.cleanup());

void describe('loadTlsMaterial', () => {
  void it('returns the cert, key and CA bytes when the files are valid', () => {
    const m = loadTlsMaterial({ cert: pki.server.cert, key: pki.server.key, ca_cert: pki.ca.cert });
    assert.deepEqual(m.cert, readFileSync(pki.server.cert));
    assert.deepEqual(m.key, readFileSync(pki.server.key));
    assert.deepEqual(m.ca, readFileSync(pki.ca.cert));
  });

  void it('leaves ca undefined when tls.ca_cert is not set', () => {
    assert.equal(loadTlsMaterial({ cert: pki.server.cert, key: pki.server.key, ca_cert: null }).ca, undefined);
    assert.equal(loadTlsMaterial({ cert: pki.server.cert, key: pki.server.key }).ca, undefined);
  });

  void it('accepts a chain file (leaf first, then the CA) and a CA bundle', () => {
    const f = copyFiles();
    writeFileSync(f.cert, Buffer.concat([readFileSync(pki.server.cert), readFileSync(pki.ca.cert)]));
    writeFileSync(f.ca_cert, Buffer.concat([readFileSync(pki.ca.cert), readFileSync(pki.otherCa.cert)]));
    const m = loadTlsMaterial(f);
    assert.ok(m.cert.length > readFileSync(pki.server.cert).length);
  });

  void it('names tls.cert and the file when the certificate is missing', () => {
    const missing = join(work, 'nope', 'cert.pem');
    throwsMessage(() => loadTlsMaterial({ cert: missing, key: pki.server.key }), `tls.cert: cannot read ${missing} (ENOENT)`);
  });

  void it('names tls.key and the file when the key is missing', () => {
    const missing = join(work, 'missing-key.pem');
    throwsMessage(() => loadTlsMaterial({ cert: pki.server.cert, key: missing }), `tls.key: cannot read ${missing} (ENOENT)`);
  });

  void it('names tls.ca_cert and the file when the CA is missing', () => {
    const missing = join(work, 'missing-ca.pem');
    throwsMessage(
      () => loadTlsMaterial({ cert: pki.server.cert, key: pki.server.key, ca_cert: missing }),
      `tls.ca_cert: cannot read ${missing} (ENOENT)`,
    );
  });

  void it('reports the errno when the path is a directory', () => {
    throwsMessage(() => loadTlsMaterial({ cert: work, key: pki.server.key }), `tls.cert: cannot read ${work} (EISDIR)`);
  });

  void it('requires tls.cert and tls.key', () => {
    throwsMessage(() => loadTlsMaterial({ cert: null, key: pki.server.key }), /^tls\.cert: required/);
    throwsMessage(() => loadTlsMaterial({ cert: pki.server.cert, key: null }), /^tls\.key: required/);
  });

  void it('refuses a certificate file without a PEM certificate', () => {
    const f = copyFiles();
    writeFileSync(f.cert, 'not a certificate\n');
    throwsMessage(() => loadTlsMaterial(f), `tls.cert: ${f.cert} contains no PEM certificate (expected "-----BEGIN CERTIFICATE-----")`);
  });

  void it('refuses a corrupted PEM certificate', () => {
    const f = copyFiles();
    writeFileSync(f.cert, '-----BEGIN CERTIFICATE-----\nTUlJQm9rZW4=\n-----END CERTIFICATE-----\n');
    throwsMessage(() => loadTlsMaterial(f), new RegExp(`^tls\\.cert: ${f.cert} has an invalid PEM certificate \\(number 1\\)`));
  });

  void it('refuses a key file that is not a private key', () => {
    const f = copyFiles();
    copyFileSync(pki.server.cert, f.key);
    throwsMessage(() => loadTlsMaterial(f), new RegExp(`^tls\\.key: ${f.key} is not a valid PEM private key`));
  });

  void it('refuses an encrypted private key', () => {
    const f = copyFiles();
    execFileSync('openssl', ['pkcs8', '-topk8', '-in', pki.server.key, '-out', f.key, '-passout', 'pass:secret'], { stdio: 'ignore' });
    throwsMessage(() => loadTlsMaterial(f), `tls.key: ${f.key} is encrypted; Quiver needs an unencrypted PEM private key`);
  });

  void it('refuses a key that does not belong to the certificate', () => {
    const f = copyFiles();
    copyFileSync(pki.client.key, f.key);
    throwsMessage(() => loadTlsMaterial(f), `tls.key: ${f.key} does not match the certificate in ${f.cert} (tls.cert)`);
  });

  void it('refuses an invalid CA file, naming tls.ca_cert', () => {
    const f = copyFiles();
    writeFileSync(f.ca_cert, 'garbage');
    throwsMessage(() => loadTlsMaterial(f), new RegExp(`^tls\\.ca_cert: ${f.ca_cert} contains no PEM certificate`));
  });
});

void describe('httpsServerOptions', () => {
  const material: TlsMaterial = { cert: Buffer.from('c'), key: Buffer.from('k'), ca: Buffer.from('a') };

  void it('does not ask for client certificates by default', () => {
    const options = httpsServerOptions({ service: { verify_https_client_certificate: false } }, material);
    assert.deepEqual(options, {
      cert: material.cert, key: material.key, ca: material.ca, requestCert: false, rejectUnauthorized: false, minVersion: 'TLSv1.2',
    });
  });

  void it('requires and verifies client certificates with verify_https_client_certificate', () => {
    const options = httpsServerOptions({ service: { verify_https_client_certificate: true } }, material);
    assert.equal(options.requestCert, true);
    assert.equal(options.rejectUnauthorized, true);
    assert.equal(options.ca, material.ca);
  });

  void it('throws when client verification is on but there is no CA', () => {
    throwsMessage(
      () => httpsServerOptions({ service: { verify_https_client_certificate: true } }, { cert: material.cert, key: material.key }),
      /^tls\.ca_cert: required/,
    );
  });

  void it('omits ca when there is none', () => {
    const options = httpsServerOptions({ service: { verify_https_client_certificate: false } }, { cert: material.cert, key: material.key });
    assert.equal('ca' in options, false);
  });
});

/** A manual timer: `tick()` runs the scheduled callback. */
function manualTimer(): ReloadTimer & { tick(): void; intervals: number[]; cancelled: number } {
  let callback: (() => void) | undefined;
  const timer = {
    intervals: [] as number[],
    cancelled: 0,
    every(intervalMs: number, cb: () => void) {
      timer.intervals.push(intervalMs);
      callback = cb;
      return {
        cancel: () => {
          timer.cancelled++;
          callback = undefined;
        },
      };
    },
    tick() {
      callback?.();
    },
  };
  return timer;
}

function recorder(): SecureContextTarget & { contexts: Parameters<SecureContextTarget['setSecureContext']>[0][] } {
  const target = {
    contexts: [] as Parameters<SecureContextTarget['setSecureContext']>[0][],
    setSecureContext(options: Parameters<SecureContextTarget['setSecureContext']>[0]) {
      target.contexts.push(options);
    },
  };
  return target;
}

void describe('TlsReloader', () => {
  function setup(files: ReturnType<typeof copyFiles> = copyFiles(), ttlSeconds: number | null = 60) {
    const target = recorder();
    const timer = manualTimer();
    const warnings: string[] = [];
    const infos: string[] = [];
    const reloader = new TlsReloader(target, {
      files, ttlSeconds, initial: loadTlsMaterial(files), timer, warn: (m) => warnings.push(m), info: (m) => infos.push(m),
    });
    return { files, target, timer, warnings, infos, reloader };
  }

  void it('schedules a reload every cert_ttl seconds', () => {
    const { timer, reloader } = setup(copyFiles(), 5);
    reloader.start();
    reloader.start();
    assert.deepEqual(timer.intervals, [5000]);
    reloader.stop();
  });

  void it('does not schedule anything when cert_ttl is null', () => {
    const { timer, reloader } = setup(copyFiles(), null);
    reloader.start();
    assert.deepEqual(timer.intervals, []);
  });

  void it('does not touch the server while the files are unchanged', () => {
    const { timer, target, warnings, reloader } = setup();
    reloader.start();
    timer.tick();
    assert.equal(reloader.reloadNow(), 'unchanged');
    assert.equal(target.contexts.length, 0);
    assert.deepEqual(warnings, []);
  });

  void it('applies a new certificate and key on the next tick', () => {
    const { files, timer, target, infos, reloader } = setup();
    const next = issueCert(work, `rotated-${n++}`, pki.ca, 'server');
    copyFileSync(next.cert, files.cert);
    copyFileSync(next.key, files.key);
    reloader.start();
    timer.tick();
    assert.equal(target.contexts.length, 1);
    const [context] = target.contexts;
    assert.deepEqual(context?.cert, readFileSync(next.cert));
    assert.deepEqual(context?.key, readFileSync(next.key));
    assert.deepEqual(context?.ca, readFileSync(pki.ca.cert));
    assert.equal(context?.minVersion, 'TLSv1.2');
    assert.equal(infos.length, 1);
    assert.match(infos[0] ?? '', /TLS material reloaded/);
  });

  void it('applies a new CA alone', () => {
    const { files, target, reloader } = setup();
    copyFileSync(pki.otherCa.cert, files.ca_cert);
    assert.equal(reloader.reloadNow(), 'reloaded');
    assert.deepEqual(target.contexts[0]?.ca, readFileSync(pki.otherCa.cert));
  });

  void it('keeps the old material and warns when the new certificate is broken', () => {
    const { files, target, warnings, reloader } = setup();
    writeFileSync(files.cert, 'half-written');
    assert.equal(reloader.reloadNow(), 'failed');
    assert.equal(target.contexts.length, 0);
    assert.equal(warnings.length, 1);
    assert.match(warnings[0] ?? '', /still serving the previous certificate/);
    assert.ok(warnings[0]?.includes(`tls.cert: ${files.cert}`));
  });

  void it('keeps the old material when the new key does not match the certificate', () => {
    const { files, target, warnings, reloader } = setup();
    copyFileSync(pki.client.key, files.key);
    assert.equal(reloader.reloadNow(), 'failed');
    assert.equal(target.contexts.length, 0);
    assert.match(warnings[0] ?? '', /tls\.key: .* does not match the certificate/);
  });

  void it('keeps the old material when the new CA is broken', () => {
    const { files, target, warnings, reloader } = setup();
    writeFileSync(files.ca_cert, '');
    assert.equal(reloader.reloadNow(), 'failed');
    assert.equal(target.contexts.length, 0);
    assert.match(warnings[0] ?? '', /tls\.ca_cert: /);
  });

  void it('recovers once the files are fixed', () => {
    const { files, target, reloader } = setup();
    const good = readFileSync(files.cert);
    writeFileSync(files.cert, 'broken');
    assert.equal(reloader.reloadNow(), 'failed');
    writeFileSync(files.cert, good);
    assert.equal(reloader.reloadNow(), 'unchanged');
    const next = issueCert(work, `rotated-${n++}`, pki.ca, 'server');
    copyFileSync(next.cert, files.cert);
    copyFileSync(next.key, files.key);
    assert.equal(reloader.reloadNow(), 'reloaded');
    assert.equal(target.contexts.length, 1);
  });

  void it('keeps the old material when the server refuses the new context', () => {
    const files = copyFiles();
    const warnings: string[] = [];
    const reloader = new TlsReloader(
      { setSecureContext: () => { throw new Error('boom'); } },
      { files, ttlSeconds: 60, warn: (m) => warnings.push(m) },
    );
    assert.equal(reloader.reloadNow(), 'failed');
    assert.match(warnings[0] ?? '', /boom/);
    // Without `initial`, the first successful load is applied.
    const ok = new TlsReloader(recorder(), { files, ttlSeconds: 60, warn: (m) => warnings.push(m) });
    assert.equal(ok.reloadNow(), 'reloaded');
  });

  void it('stop() cancels the timer and is idempotent', () => {
    const { timer, target, files, reloader } = setup();
    reloader.start();
    reloader.stop();
    reloader.stop();
    assert.equal(timer.cancelled, 1);
    copyFileSync(pki.otherCa.cert, files.ca_cert);
    timer.tick();
    assert.equal(target.contexts.length, 0);
  });

  void it('uses an unref\'d interval by default, so it never keeps the process alive', () => {
    const files = copyFiles();
    const timeouts = (): number => process.getActiveResourcesInfo().filter((r) => r === 'Timeout').length;
    const before = timeouts();
    const reloader = new TlsReloader(recorder(), { files, ttlSeconds: 3600, warn: () => undefined }).start();
    assert.equal(timeouts(), before);
    reloader.stop();
  });
});
