import { strict as assert } from 'node:assert';
import { execFileSync } from 'node:child_process';
import { statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, it } from 'node:test';
import { verifyAuditDir } from '../../../../src/auth/audit/verify.js';
import { readLines, tempDir } from './helpers.js';

const CHILD = fileURLToPath(new URL('./disk-full-child.ts', import.meta.url));
const KEY = Buffer.from('disk-full-key');
const LIMIT_BLOCKS = 40; // ulimit -f counts 512-byte blocks: 20 KiB

interface ChildReport {
  ok: number;
  refused: number;
  lost: number;
  warnings: string[];
}

/** Runs the child with a file size limit; the log file hits it part-way through a group commit. */
function runFull(mode: 'open' | 'closed'): { dir: string; report: ChildReport } {
  const dir = tempDir();
  const out = execFileSync('/bin/sh', ['-c', `ulimit -f ${LIMIT_BLOCKS} && exec "$0" --import tsx "$1" "$2" "$3"`, process.execPath, CHILD, dir, mode], {
    encoding: 'utf8',
  });
  return { dir, report: JSON.parse(out) as ChildReport };
}

void describe('audit file sink on a full disk (EFBIG under ulimit -f)', () => {
  void it('fail-open: counts the lost lines, cuts failed appends back, and the chain stays valid', () => {
    const { dir, report } = runFull('open');
    assert.equal(report.refused, 0);
    assert.ok(report.lost > 0, 'some lines must be lost');
    const lines = readLines(dir, 'audit.2030-06-01.log');
    assert.equal(lines.length, report.ok - report.lost);
    assert.equal(lines.length + report.lost, 400);
    assert.ok(statSync(join(dir, 'audit.2030-06-01.log')).size <= LIMIT_BLOCKS * 512);
    assert.equal(report.warnings.filter((w) => w.includes('being lost')).length, 1);
    assert.deepEqual(verifyAuditDir(dir, KEY), { ok: true, lines: lines.length });
  });

  void it('fail-closed: refuses the lines it cannot write, loses none it acknowledged', () => {
    const { dir, report } = runFull('closed');
    assert.equal(report.lost, 0);
    assert.ok(report.refused > 0, 'some writes must be refused');
    const lines = readLines(dir, 'audit.2030-06-01.log');
    assert.equal(lines.length, report.ok);
    assert.equal(report.ok + report.refused, 400);
    assert.deepEqual(verifyAuditDir(dir, KEY), { ok: true, lines: report.ok });
  });
});
