import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, symlinkSync, writeFileSync, closeSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { openSnapshotFileUrl } from '../../../../src/service/snapshots/file-location.js';
import { tempDir, removeDir } from '../../../support/app.js';

describe('file:// snapshot locations', () => {
  let dir: string;
  let root: string;
  before(() => {
    dir = tempDir('quiver-fileloc-');
    root = join(dir, 'snapshots');
    mkdirSync(join(root, 'c'), { recursive: true });
    writeFileSync(join(root, 'c', 'ok.snapshot'), 'x');
    writeFileSync(join(dir, 'secret.snapshot'), 'secret');
    symlinkSync(join(dir, 'secret.snapshot'), join(root, 'c', 'escape.snapshot'));
    symlinkSync(dir, join(root, 'updir'));
    symlinkSync(join(root, 'c', 'ok.snapshot'), join(root, 'c', 'inner-link.snapshot'));
  });
  after(() => removeDir(dir));

  const forbidden = (u: string): void =>
    assert.throws(() => openSnapshotFileUrl(new URL(u), root), (e: Error & { kind?: string }) => e.kind === 'forbidden' && /outside the snapshots directory/.test(e.message), u);

  it('opens a snapshot inside the snapshots directory', () => {
    const f = openSnapshotFileUrl(pathToFileURL(join(root, 'c', 'ok.snapshot')), root);
    assert.equal(f.size, 1);
    closeSync(f.fd);
  });

  it('refuses /etc/passwd with 403', () => forbidden('file:///etc/passwd'));

  it('refuses `..` escapes with 403, encoded or not', () => {
    forbidden(`file://${root}/../secret.snapshot`);
    forbidden(`file://${root}/c/%2e%2e/%2e%2e/secret.snapshot`);
    forbidden(`file://${root}/c/..%2F..%2Fsecret.snapshot`.replace('%2F', '/').replace('%2F', '/'));
  });

  it('refuses symlinks that point outside with 403', () => {
    forbidden(pathToFileURL(join(root, 'c', 'escape.snapshot')).href);
    forbidden(pathToFileURL(join(root, 'updir', 'secret.snapshot')).href);
  });

  it('follows symlinks that stay inside', () => {
    const f = openSnapshotFileUrl(pathToFileURL(join(root, 'c', 'inner-link.snapshot')), root);
    closeSync(f.fd);
  });

  it('says a missing file inside the directory does not exist (400), without probing outside', () => {
    assert.throws(() => openSnapshotFileUrl(pathToFileURL(join(root, 'nope.snapshot')), root), /does not exist/);
    forbidden('file:///definitely/not/there.snapshot');
  });

  it('refuses remote file hosts and directories', () => {
    assert.throws(() => openSnapshotFileUrl(new URL('file://example.com/x.snapshot'), root), /absolute or on localhost/);
    assert.throws(() => openSnapshotFileUrl(pathToFileURL(join(root, 'c')), root), /not a regular file/);
  });
});
