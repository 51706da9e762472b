import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { decodePage, encodePage, LinePager } from '../../../src/cluster/snapshot-pages.js';
import { isAppError } from '../../../src/errors.js';

/** Every page of `lines` at `maxBytes`. */
function pages(lines: string[], maxBytes: number): { pages: Buffer[] } {
  const pager = new LinePager(lines[Symbol.iterator]());
  const out: Buffer[] = [];
  for (let guard = 0; !pager.done; guard++) {
    assert.ok(guard < 10_000, 'the pager makes progress');
    out.push(pager.next(maxBytes));
  }
  return { pages: out };
}

void describe('snapshot pages: lines cut into bounded pages', () => {
  const lines = ['{"id":1}\n', '{"id":2,"p":{"é":"ü"}}\n', `{"id":3,"p":"${'x'.repeat(300)}"}\n`, '{"id":4}\n'];
  const all = Buffer.from(lines.join(''), 'utf8');

  void it('pages hold at most maxBytes, only the last is shorter, and together they are the lines', () => {
    for (const max of [1, 7, 9, 64, 100, 333, all.length - 1, all.length, all.length + 50]) {
      const { pages: got } = pages(lines, max);
      assert.deepEqual(Buffer.concat(got), all, `max ${max}`);
      for (const [i, p] of got.entries()) {
        assert.ok(p.length <= max, `max ${max}: page ${i} holds ${p.length}`);
        if (i < got.length - 1) assert.equal(p.length, max, `max ${max}: page ${i} is full`);
      }
      assert.equal(got.length, Math.max(1, Math.ceil(all.length / max)), `max ${max}: page count`);
    }
  });

  void it('cuts a line longer than a page across pages, multi-byte characters included', () => {
    const long = `{"p":"${'ß'.repeat(1000)}"}\n`;
    const { pages: got } = pages([long, '{"id":5}\n'], 128);
    assert.ok(got.length > 10);
    assert.equal(Buffer.concat(got).toString('utf8'), `${long}{"id":5}\n`);
  });

  void it('an empty source (or one of empty lines) gives one empty last page', () => {
    assert.deepEqual(pages(['', ''], 10).pages, [Buffer.alloc(0)]);
    const { pages: got } = pages([], 10);
    assert.deepEqual(got, [Buffer.alloc(0)]);
  });

  void it('close() closes the line source and ends the pages', () => {
    let closed = false;
    const source = lines[Symbol.iterator]();
    const pager = new LinePager({ next: () => source.next(), return: () => ((closed = true), { done: true, value: undefined }) });
    assert.equal(pager.next(5).length, 5);
    assert.equal(pager.done, false);
    pager.close();
    assert.equal(closed, true);
    assert.equal(pager.done, true);
    assert.equal(pager.next(5).length, 0);
  });

  void it('refuses a page size below one byte', () => {
    const pager = new LinePager(lines[Symbol.iterator]());
    assert.throws(() => pager.next(0), RangeError);
    assert.throws(() => pager.next(1.5), RangeError);
  });
});

void describe('snapshot pages: the answer frame', () => {
  void it('round-trips meta and bytes', () => {
    const data = Buffer.from('{"id":1}\n{"id":2}\n');
    for (const meta of [{ cursor: 'c-1' }, { cursor: null }]) {
      const got = decodePage(encodePage(meta, data));
      assert.deepEqual(got.meta, meta);
      assert.deepEqual(Buffer.from(got.data), data);
    }
    const error = { error: { code: 'UNAVAILABLE', message: 'node x does not hold shards 1' } };
    const got = decodePage(encodePage(error));
    assert.deepEqual(got.meta, error);
    assert.equal(got.data.byteLength, 0);
  });

  void it('decodes a frame sitting inside a larger buffer', () => {
    const frame = encodePage({ cursor: 'abc' }, Buffer.from('xyz\n'));
    const big = Buffer.concat([Buffer.from('junk'), frame]);
    const got = decodePage(big.subarray(4));
    assert.deepEqual(got.meta, { cursor: 'abc' });
    assert.equal(Buffer.from(got.data).toString(), 'xyz\n');
  });

  void it('refuses malformed frames with a service error', () => {
    const header = (meta: string, extra = ''): Buffer => {
      const m = Buffer.from(meta);
      const b = Buffer.alloc(4);
      b.writeUInt32BE(m.length);
      return Buffer.concat([b, m, Buffer.from(extra)]);
    };
    const lying = Buffer.alloc(8);
    lying.writeUInt32BE(100);
    for (const [what, frame] of [
      ['too short', Buffer.from([0, 0])],
      ['meta longer than the frame', lying],
      ['meta not JSON', header('{nope')],
      ['meta without cursor or error', header('{"x":1}')],
      ['cursor of the wrong type', header('{"cursor":5}')],
      ['error without a message', header('{"error":{"code":"X"}}')],
      ['meta null', header('null')],
    ] as const) {
      assert.throws(() => decodePage(frame), (e: unknown) => isAppError(e) && e.code === 'SERVICE_ERROR' && /malformed page/.test(e.message), what);
    }
  });
});
