/**
 * `logger.on_disk`: the log is written at exactly `log_file` (as Qdrant does, so `tail -f` on the configured path
 * works), rotated by size the way logrotate does (`quiver.1.log` newest), keeping `max_log_files` rotated files,
 * and nothing written before close is lost.
 */
import { strict as assert } from 'node:assert';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { Writable } from 'node:stream';
import { openLogger } from '../../../src/logging/logger.js';
import { removeDir, tempDir, testConfig } from '../../support/app.js';

const quiet = new Writable({ write: (_c, _e, cb) => cb() });

describe('log file', () => {
  it('writes at log_file, rotates by size to numbered files and keeps max_log_files of them', async () => {
    const dir = tempDir('quiver-log-');
    try {
      const config = testConfig(dir, {
        QDRANT__LOG_LEVEL: 'INFO',
        QDRANT__LOGGER__ON_DISK__ENABLED: 'true',
        QDRANT__LOGGER__ON_DISK__LOG_FILE: join(dir, 'logs', 'quiver.log'),
        QDRANT__LOGGER__ON_DISK__FORMAT: 'json',
        QDRANT__LOGGER__ON_DISK__MAX_SIZE_MB: '1',
        QDRANT__LOGGER__ON_DISK__MAX_LOG_FILES: '1',
      });
      const opened = openLogger(config, quiet);
      const logger = opened.logger;
      logger.info('first');
      await new Promise((r) => setImmediate(r));
      const pad = 'x'.repeat(1000);
      const total = 2300; // ~2.3 MB: two rotations of 1 MB, of which one rotated file is kept
      for (let i = 0; i < total; i++) {
        logger.info({ seq: i, pad }, 'line');
        // Let the file stream drain now and then, as a server's event loop does.
        if (i % 200 === 0) await new Promise((r) => setImmediate(r));
      }
      await opened.close();
      const files = readdirSync(join(dir, 'logs')).sort();
      assert.deepEqual(files, ['quiver.1.log', 'quiver.log']);
      // The newest lines are in quiver.log, older ones in .1; every kept line is whole and in order.
      const seqs = ['quiver.1.log', 'quiver.log'].flatMap((f) =>
        readFileSync(join(dir, 'logs', f), 'utf8').split('\n').filter((l) => l !== '').map((l) => (JSON.parse(l) as { seq: number }).seq),
      );
      assert.equal(seqs.at(-1), total - 1, 'the last line written before close is in the file');
      for (let i = 1; i < seqs.length; i++) assert.equal(seqs[i], seqs[i - 1]! + 1, 'no line lost or reordered inside the kept files');
    } finally {
      removeDir(dir);
    }
  });

  it('fails to open, with the reason, when the directory cannot be created', () => {
    const dir = tempDir('quiver-log-');
    try {
      const config = testConfig(dir, {
        QDRANT__LOGGER__ON_DISK__ENABLED: 'true',
        QDRANT__LOGGER__ON_DISK__LOG_FILE: join(dir, 'a-file', 'logs', 'quiver.log'),
      });
      writeFileSync(join(dir, 'a-file'), 'not a directory');
      assert.throws(() => openLogger(config, quiet), /EEXIST|ENOTDIR/);
    } finally {
      removeDir(dir);
    }
  });
});
