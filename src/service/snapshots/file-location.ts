/**
 * `file://` recovery locations. The file must resolve — after every symlink — inside `storage.snapshots_path`:
 * a location outside it (`/etc/passwd`, `..`, a symlink pointing out) is refused with 403 before the file is
 * even looked at, so the endpoint cannot be used to probe or read the host's files.
 */
import { fileURLToPath } from 'node:url';
import { resolve, sep } from 'node:path';
import { AppError } from '../../errors.js';
import { closeFile, openRegularFile, pathInfo, realPathIfExists, type OpenedFile } from '../../storage/fs.js';
import { printable } from './names.js';

function inside(path: string, root: string): boolean {
  return path.startsWith(root.endsWith(sep) ? root : root + sep);
}

function outside(shown: string): AppError {
  return new AppError('FORBIDDEN', [`snapshot file \`${printable(shown)}\` is outside the snapshots directory (storage.snapshots_path)`]);
}

/**
 * Opens the snapshot file a `file://` URL names, after checking that it lies inside `root`.
 * @throws AppError(FORBIDDEN) when it resolves outside `root`; AppError(BAD_INPUT) when the URL is not a local
 *   absolute file URL, or the file does not exist or is not a regular file.
 */
export function openSnapshotFileUrl(url: URL, root: string): OpenedFile {
  if (url.protocol !== 'file:') throw new AppError('BAD_REQUEST', [`${printable(url.href)} is not a file:// URL`]);
  if (url.hostname !== '' && url.hostname !== 'localhost') throw new AppError('BAD_INPUT', ['Bad request: Invalid snapshot URI, file path must be absolute or on localhost']);
  let path: string;
  try {
    path = fileURLToPath(url);
  } catch {
    throw new AppError('BAD_INPUT', ['Bad request: Invalid snapshot URI, file path must be absolute or on localhost']);
  }
  return openInside(path, root, url.pathname);
}

/**
 * Opens `path` (absolute, or relative to `root`) after checking that it resolves inside `root`.
 * @throws like {@link openSnapshotFileUrl}.
 */
export function openInside(path: string, root: string, shown = path): OpenedFile {
  if (path.includes('\0')) throw new AppError('BAD_INPUT', ['Bad request: snapshot path contains NUL']);
  const rootAbs = resolve(root);
  const rootReal = realPathIfExists(rootAbs) ?? rootAbs;
  const lexical = resolve(rootAbs, path);
  // Lexical check first: a path outside the directory is refused without touching the filesystem.
  if (!inside(lexical, rootAbs) && !inside(lexical, rootReal)) throw outside(shown);
  const real = realPathIfExists(lexical);
  if (real === undefined) throw new AppError('BAD_INPUT', [`Bad request: Snapshot file \`${printable(shown)}\` does not exist`]);
  if (!inside(real, rootReal)) throw outside(shown);
  const opened = openRegularFile(real);
  if (opened === undefined) throw new AppError('BAD_INPUT', [`Bad request: Snapshot file \`${printable(shown)}\` is not a regular file`]);
  // The file opened must still be the one checked (a directory swapped for a symlink in between is caught here).
  const again = realPathIfExists(real);
  const info = again === undefined ? undefined : pathInfo(again);
  if (again === undefined || !inside(again, rootReal) || info === undefined || info.dev !== opened.dev || info.ino !== opened.ino) {
    closeFile(opened.fd);
    throw outside(shown);
  }
  return opened;
}
