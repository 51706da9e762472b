/**
 * Verifies an audit directory's hash chain and checkpoint (`quiver audit verify`). Reads each file once, line by
 * line (memory bounded by the longest line), and stops at the first bad line.
 *
 * Detected, with the key:
 * - an edited line, down to one byte (the hash covers the line's exact text: reformatting, a duplicate key or a
 *   reordered member count as edits);
 * - a deleted, inserted, duplicated or reordered line anywhere before the newest line (`seq` breaks, or the
 *   first line of a file has no `prev_hash`, or its `prev_hash` is not the previous file's last hash);
 * - lines cut from the end of the newest file, an emptied or deleted newest file (the chain alone cannot see a
 *   missing *last* line), and old files deleted outside retention — through the checkpoint `audit.head`;
 * - a missing or edited checkpoint, an incomplete line in any file but the newest;
 * - forged lines or checkpoints: producing either needs the key.
 *
 * A directory whose `audit.format` marker names a newer format is refused (not reported as tampered).
 *
 * Not detected:
 * - `audit.head` replaced by an older copy of itself together with the lines written since cut off: nothing in
 *   the directory proves which checkpoint is the latest. Likewise a wiped directory is an empty, intact log. Ship
 *   lines off the host as well (`audit.sink: both`) when that matters;
 * - anything done by someone holding the key: with the per-directory key (`.audit-key`) that is anyone who can
 *   read the directory;
 * - after a power cut (not a process crash) the unsynced checkpoint may lag the log by the last few commits;
 *   lines cut from the end in that window are not seen.
 *
 * An incomplete last line of the newest file is ignored (not counted): it is a write in flight, or one torn by a
 * crash that the server cuts away when it next starts — never acknowledged either way, so nothing is lost by it.
 * Verifying a live directory is fine, except that a rotation during the run can raise a false alarm: re-run.
 */
import { join } from 'node:path';
import { forEachLineSync, listDir, readFileIfPresent } from './audit-fs.js';
import { chainHash, CHECKPOINT_FILE, GENESIS_HASH, parseChainLine, readCheckpoint } from './chain.js';
import { AUDIT_FORMAT_FILE, auditFormatVersion } from './format.js';
import { auditFilesIn } from './rotation.js';

/** The verdict: the number of lines checked, or the first bad line (1-based within `file`; 0 for `audit.head`). */
export type AuditVerifyResult =
  | { readonly ok: true; readonly lines: number }
  | { readonly ok: false; readonly file: string; readonly line: number; readonly reason: string };

/** The last good line seen. */
interface Position {
  readonly file: string;
  readonly line: number;
  readonly seq: number;
  readonly hash: string;
}

class Bad extends Error {
  constructor(
    readonly file: string,
    readonly line: number,
    readonly reason: string,
  ) {
    super(reason);
  }
}

/**
 * Checks every audit file of `dir` (oldest first) and the checkpoint against `key`.
 * @throws the fs error when a file cannot be read (a missing directory is an empty, intact log)
 * @example
 * const r = verifyAuditDir('./storage/audit', key);
 * if (!r.ok) console.error(`${r.file}:${r.line}: ${r.reason}`);
 */
export function verifyAuditDir(dir: string, key: Buffer): AuditVerifyResult {
  try {
    return { ok: true, lines: check(dir, key) };
  } catch (e) {
    if (e instanceof Bad) return { ok: false, file: e.file, line: e.line, reason: e.reason };
    throw e;
  }
}

function check(dir: string, key: Buffer): number {
  try {
    auditFormatVersion(dir);
  } catch (e) {
    throw new Bad(AUDIT_FORMAT_FILE, 0, (e as Error).message);
  }
  const files = auditFilesIn(listDir(dir));
  const head = readCheckpoint(key, readFileIfPresent(join(dir, CHECKPOINT_FILE)));
  if (head.state === 'invalid') {
    throw new Bad(CHECKPOINT_FILE, 0, `${CHECKPOINT_FILE} does not verify: it was edited, or this is not the log's key`);
  }
  const checkpoint = head.state === 'ok' ? head.checkpoint : undefined;

  let prev: Position | undefined;
  let lines = 0;
  for (const [index, { name }] of files.entries()) {
    let lineNo = 0;
    forEachLineSync(join(dir, name), (text, complete) => {
      lineNo++;
      if (!complete) {
        if (index === files.length - 1) return; // in flight, or torn by a crash: never acknowledged
        throw new Bad(name, lineNo, 'incomplete last line in a file that is no longer written to: bytes were cut off');
      }
      prev = checkLine(key, name, lineNo, text, prev, checkpoint);
      lines++;
    });
  }

  if (checkpoint !== undefined) {
    if (prev === undefined) {
      if (checkpoint.seq > 0) {
        throw new Bad(CHECKPOINT_FILE, 0, `every log file is missing but ${CHECKPOINT_FILE} records lines up to seq ${checkpoint.seq}`);
      }
    } else if (prev.seq < checkpoint.seq) {
      throw new Bad(
        prev.file,
        prev.line + 1,
        `the log ends at seq ${prev.seq} but ${CHECKPOINT_FILE} records seq ${checkpoint.seq}: lines were deleted from the end`,
      );
    }
  } else if (prev !== undefined) {
    throw new Bad(CHECKPOINT_FILE, 0, `${CHECKPOINT_FILE} is missing: it may have been deleted to hide lines cut from the end`);
  }
  return lines;
}

function checkLine(
  key: Buffer,
  file: string,
  lineNo: number,
  text: string,
  prev: Position | undefined,
  checkpoint: { readonly seq: number; readonly hash: string; readonly firstSeq: number } | undefined,
): Position {
  const bad = (reason: string): Bad => new Bad(file, lineNo, reason);
  const line = parseChainLine(text);
  if (line === undefined) throw bad('not an audit line: not a JSON object with a seq and ending with a hash');

  const firstInFile = lineNo === 1;
  let prevHash: string;
  if (prev === undefined) {
    // The oldest line present: anchor on its prev_hash, which the line's own hash covers.
    if (line.prevHash === undefined) throw bad('the first line of the oldest file has no prev_hash: lines were deleted from its start');
    if (line.prevHash === GENESIS_HASH && line.seq !== 1) throw bad(`the chain starts at seq ${line.seq} instead of 1`);
    if (checkpoint !== undefined && line.seq > checkpoint.firstSeq) {
      throw bad(
        `the oldest line is seq ${line.seq} but ${CHECKPOINT_FILE} records that retention kept seq ${checkpoint.firstSeq}: ` +
          'older files or lines were deleted',
      );
    }
    prevHash = line.prevHash;
  } else {
    if (line.seq !== prev.seq + 1) {
      throw bad(`expected seq ${prev.seq + 1}, found seq ${line.seq}: a line was deleted, inserted or reordered`);
    }
    if (firstInFile && line.prevHash === undefined) throw bad('the first line of the file has no prev_hash: lines were deleted from its start');
    if (line.prevHash !== undefined && line.prevHash !== prev.hash) {
      throw bad(`prev_hash does not match the hash of ${prev.file} line ${prev.line}`);
    }
    prevHash = prev.hash;
  }
  if (chainHash(key, prevHash, line.body) !== line.hash) {
    throw bad(prev === undefined ? 'hash mismatch: the line was edited, or this is not the log\'s key' : 'hash mismatch: the line was edited');
  }
  if (checkpoint !== undefined && line.seq === checkpoint.seq && line.hash !== checkpoint.hash) {
    throw bad(`the line does not match ${CHECKPOINT_FILE} (seq ${checkpoint.seq}): lines were replaced`);
  }
  return { file, line: lineNo, seq: line.seq, hash: line.hash };
}
