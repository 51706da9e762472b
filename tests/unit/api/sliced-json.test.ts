import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { forEachSlice, parseJsonInSlices, SLICED_PARSE_MIN_CHARS } from '../../../src/api/rest/sliced-json.js';
import { startTicker } from '../../support/ticker.js';

/** Pads `body` (a JSON object text without its closing brace) past the sliced-parse threshold. */
function big(points: unknown[], extra = ''): string {
  let text = `{"points":${JSON.stringify(points)}${extra}}`;
  while (text.length < SLICED_PARSE_MIN_CHARS) {
    points.push(...points.slice(0, 50));
    text = `{"points":${JSON.stringify(points)}${extra}}`;
  }
  return text;
}

const odd = [
  { id: 1, vector: [0.1, -2e-7, 3], payload: { 'q"uote': 'a "quoted" ] } [ string', back: 'ends with \\', nested: [[], {}, [{ a: [1, { b: '}' }] }]] } },
  { id: '550e8400-e29b-41d4-a716-446655440000', vector: [1, 2, 3], payload: { ünï: 'côdé ☃', empty: '', n: null, t: true, f: false } },
  { id: 3, vector: [4, 5, 6], payload: null },
];

async function errorOf(f: () => unknown): Promise<string> {
  try {
    await f();
  } catch (e) {
    return (e as Error).message;
  }
  return 'no error';
}

describe('parseJsonInSlices', () => {
  it('gives what JSON.parse gives for large bodies: strings with quotes, brackets and escapes, nesting, other members', async () => {
    const texts = [
      big([...odd]),
      big([...odd], ',"update_mode":"upsert","shard_key":["a","b"],"x":{"points":[1,2]},"points2":[]'),
      // Whitespace everywhere JSON allows it, and a duplicate key (the last one wins, as in JSON.parse).
      ` \n{ "wait" : true ,\t"points" :\r\n ${JSON.stringify(big([...odd]).length > 0 ? odd : [])} , "points" : [ ${Array.from({ length: 12000 }, (_, i) => ` {"id" : ${i} , "vector":[ ${i} , 1 ] } `).join(' , ')} ] } \n`,
      big([...odd], ',"__proto__":{"polluted":true}'),
      `[${big([...odd])}]`, // not an object at the top: one JSON.parse
    ];
    for (const text of texts) {
      assert.ok(text.length >= SLICED_PARSE_MIN_CHARS);
      assert.deepEqual(await parseJsonInSlices(text), JSON.parse(text));
    }
    // `__proto__` stays an own property (the whole-text path), never the prototype.
    const withProto = (await parseJsonInSlices(texts[3]!)) as Record<string, unknown>;
    assert.equal(Object.getPrototypeOf(withProto), Object.prototype);
    assert.deepEqual(Object.getOwnPropertyDescriptor(withProto, '__proto__')?.value, { polluted: true });
  });

  it('parses a large array member a slice at a time, letting other callbacks run in between', async () => {
    const text = big(Array.from({ length: 4000 }, (_, i) => ({ id: i, vector: [i, i / 3, -i] })));
    const ticker = startTicker();
    const parsed = await parseJsonInSlices(text);
    const ticks = ticker.stop();
    assert.deepEqual(parsed, JSON.parse(text));
    // 4,000 elements in slices of 128: the ticker ran between the slices.
    assert.ok(ticks >= Math.floor(4000 / 128), `${ticks} ticks`);
  });

  it('malformed large bodies fail with JSON.parse’s own error', async () => {
    const good = big([...odd]);
    const bad = [
      good.replace('},{', '},,{'), // double comma between elements
      good.replace(/}]}$/, '},]}'), // trailing comma
      good.replace('},{', '}{'), // missing comma
      `${good} x`, // garbage after the object
      good.slice(0, -5), // cut short
      good.replace('"vector":[4,5,6]', '"vector":[4,5,6}'), // mismatched bracket
      good.replace('"vector":[1,2,3]', '"vector":[1,2,3,]'), // trailing comma inside an element
      good.replace('"payload":null', '"payload":nul'),
      good.replace('{"points"', '{points'), // an unquoted key
      good.replace('"points":', '"points" '), // no colon
    ];
    for (const text of bad) {
      const expected = await errorOf(() => JSON.parse(text));
      assert.notEqual(expected, 'no error');
      assert.equal(await errorOf(() => parseJsonInSlices(text)), expected);
    }
  });

  it('small bodies are one JSON.parse call', async () => {
    assert.deepEqual(await parseJsonInSlices('{"points":[{"id":1}]}'), { points: [{ id: 1 }] });
    assert.equal(await errorOf(() => parseJsonInSlices('{"a":')), await errorOf(() => JSON.parse('{"a":')));
  });
});

describe('forEachSlice', () => {
  it('visits every element in order and yields between slices', async () => {
    const seen: number[] = [];
    const ticker = startTicker();
    await forEachSlice(
      Array.from({ length: 10 }, (_, i) => i * 2),
      (v, i) => seen.push(v + i),
      3,
    );
    const ticks = ticker.stop();
    assert.deepEqual(seen, [0, 3, 6, 9, 12, 15, 18, 21, 24, 27]);
    assert.ok(ticks >= 3, `${ticks} ticks`);
  });
});
