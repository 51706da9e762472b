import { strict as assert } from 'node:assert';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { auditFilesIn, expiredFiles, filesOverlapping, parseLogFileName, periodOf, targetFile } from '../../../../src/auth/audit/rotation.js';

const ms = (iso: string): number => Date.parse(iso);

void describe('audit file names and periods', () => {
  void it('names daily and hourly files in UTC', () => {
    assert.equal(periodOf('daily', ms('2030-06-01T23:30:00-02:00')).name, 'audit.2030-06-02.log');
    assert.equal(periodOf('hourly', ms('2030-06-01T23:30:00-02:00')).name, 'audit.2030-06-02-01.log');
    const day = periodOf('daily', ms('2030-06-01T12:00:00Z'));
    assert.equal(day.endMs - day.startMs, 86_400_000);
  });

  void it('parses only real audit file names', () => {
    assert.equal(parseLogFileName('audit.2030-06-01.log')?.rotation, 'daily');
    assert.equal(parseLogFileName('audit.2030-06-01-07.log')?.startMs, ms('2030-06-01T07:00:00Z'));
    for (const name of ['audit.2030-02-30.log', 'audit.2030-06-01-24.log', 'audit.head', '.audit-key', 'audit.2030-6-1.log', 'x.2030-06-01.log']) {
      assert.equal(parseLogFileName(name), undefined, name);
    }
  });

  void it('orders mixed daily and hourly files by period start', () => {
    const names = auditFilesIn(['audit.2030-06-02.log', 'audit.2030-06-01-10.log', 'notes', 'audit.2030-06-01.log']).map((f) => f.name);
    assert.deepEqual(names, ['audit.2030-06-01.log', 'audit.2030-06-01-10.log', 'audit.2030-06-02.log']);
  });

  void it('never targets a file older than the current one', () => {
    const current = periodOf('daily', ms('2030-06-02T00:00:00Z'));
    assert.equal(targetFile('daily', ms('2030-06-01T23:59:59Z'), current), current);
    assert.equal(targetFile('daily', ms('2030-06-03T00:00:00Z'), current).name, 'audit.2030-06-03.log');
    assert.equal(targetFile('daily', ms('2030-06-01T00:00:00Z'), undefined).name, 'audit.2030-06-01.log');
  });

  void it('targets the file its own period names unless that is not newer than the current one, for any instants and rotations', () => {
    const instant = fc.integer({ min: ms('2030-01-01T00:00:00Z'), max: ms('2030-01-04T00:00:00Z') });
    const rotation = fc.constantFrom<'daily' | 'hourly'>('daily', 'hourly');
    fc.assert(
      fc.property(rotation, rotation, instant, instant, (currentRotation, rotationNow, currentAt, at) => {
        const current = periodOf(currentRotation, currentAt);
        const own = periodOf(rotationNow, at);
        const expected = own.startMs <= current.startMs ? current : own;
        assert.deepEqual(targetFile(rotationNow, at, current), expected);
      }),
      { numRuns: 2000 },
    );
  });

  void it('expires all but the newest max files, and selects overlapping ones', () => {
    const files = auditFilesIn(['audit.2030-06-01.log', 'audit.2030-06-02.log', 'audit.2030-06-03.log']);
    assert.deepEqual(expiredFiles(files, 2).map((f) => f.name), ['audit.2030-06-01.log']);
    assert.deepEqual(expiredFiles(files, 5), []);
    assert.deepEqual(filesOverlapping(files, ms('2030-06-02T00:00:00Z'), ms('2030-06-02T23:00:00Z')).map((f) => f.name), ['audit.2030-06-02.log']);
    // The next file may hold late events of the last minute before it starts.
    assert.deepEqual(filesOverlapping(files, ms('2030-06-02T00:00:00Z'), ms('2030-06-03T00:00:00Z')).map((f) => f.name), ['audit.2030-06-02.log', 'audit.2030-06-03.log']);
    assert.equal(filesOverlapping(files, undefined, undefined).length, 3);
  });
});
