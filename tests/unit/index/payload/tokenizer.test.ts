import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { parseFieldSchema, textIndexOptions } from '../../../../src/index/payload/field-schema.js';
import { TextAnalyzer, foldToAscii, hasAllTokens, hasPhrase } from '../../../../src/index/payload/tokenizer.js';

function analyzer(params: Record<string, unknown> = {}): TextAnalyzer {
  return new TextAnalyzer(textIndexOptions(parseFieldSchema({ type: 'text', ...params })));
}

describe('TextAnalyzer', () => {
  it('word: splits on non-alphanumerics (unicode) and lowercases by default', () => {
    assert.deepEqual(analyzer().documentTokens('hello, world! Привет, мир!'), ['hello', 'world', 'привет', 'мир']);
    assert.deepEqual(analyzer({ lowercase: false }).documentTokens('Hello, World'), ['Hello', 'World']);
    assert.deepEqual(analyzer().documentTokens("it's 2024-01-01"), ['it', 's', '2024', '01', '01']);
  });

  it('whitespace: splits on whitespace only', () => {
    assert.deepEqual(analyzer({ tokenizer: 'whitespace' }).documentTokens('Hello,  world!\tnew\nline'), ['hello,', 'world!', 'new', 'line']);
  });

  it('multilingual falls back to word', () => {
    assert.deepEqual(analyzer({ tokenizer: 'multilingual' }).documentTokens('What are you waiting for?'), ['what', 'are', 'you', 'waiting', 'for']);
  });

  it('prefix: documents index every prefix up to max_token_len, queries are truncated', () => {
    const a = analyzer({ tokenizer: 'prefix', min_token_len: 1, max_token_len: 4 });
    assert.deepEqual(a.documentTokens('Hello, Мир!'), ['h', 'he', 'hel', 'hell', 'м', 'ми', 'мир']);
    assert.deepEqual(a.queryTokens('hello, мир!'), ['hell', 'мир']);
    const b = analyzer({ tokenizer: 'prefix', min_token_len: 2 });
    assert.deepEqual(b.documentTokens('hello'), ['he', 'hel', 'hell', 'hello']);
    assert.deepEqual(b.queryTokens('h hel'), ['hel'], 'query tokens shorter than min_token_len are dropped');
    assert.equal(hasAllTokens(b.documentTokenSet('hello world'), b.queryTokens('hel wor')), true);
  });

  it('drops tokens outside min_token_len / max_token_len', () => {
    assert.deepEqual(analyzer({ min_token_len: 2, max_token_len: 4 }).documentTokens('a bb ccc dddd eeeee'), ['bb', 'ccc', 'dddd']);
  });

  it('drops stopwords (english list and custom words, compared after lowercasing)', () => {
    assert.deepEqual(analyzer({ stopwords: 'english' }).documentTokens('The quick fox and the dog'), ['quick', 'fox', 'dog']);
    assert.deepEqual(analyzer({ stopwords: { custom: ['Fox'] } }).documentTokens('The quick fox'), ['the', 'quick']);
    assert.deepEqual(analyzer({ stopwords: { languages: ['en'], custom: ['quick'] } }).documentTokens('The quick fox'), ['fox']);
  });

  it('snowball stemmer: english stems documents and queries alike (running, runs → run), as Snowball English (Porter2) does', () => {
    const a = analyzer({ stemmer: { type: 'snowball', language: 'english' } });
    assert.deepEqual(a.documentTokens('Running runs RUN'), ['run', 'run', 'run']);
    // Porter2, not the original Porter algorithm (which gives gener, dy, new).
    assert.deepEqual(a.documentTokens('generously dying news skies'), ['generous', 'die', 'news', 'sky']);
    assert.deepEqual(a.queryTokens('runs'), ['run']);
    assert.equal(hasAllTokens(a.documentTokenSet('She was running home'), a.queryTokens('runs')), true);
    assert.equal(hasAllTokens(analyzer().documentTokenSet('She was running home'), analyzer().queryTokens('runs')), false, 'no stemming without a stemmer');
    assert.deepEqual(analyzer({ stemmer: { type: 'none' } }).documentTokens('running'), ['running']);
  });

  it('snowball stemmer: other languages, stopwords before stemming, lengths after it, prefixes of the stem', () => {
    assert.deepEqual(analyzer({ stemmer: { type: 'snowball', language: 'german' } }).documentTokens('Häuser laufen'), ['haus', 'lauf']);
    assert.deepEqual(analyzer({ stemmer: { type: 'snowball', language: 'russian' } }).documentTokens('кошки'), ['кошк']);
    assert.deepEqual(analyzer({ stemmer: { type: 'snowball', language: 'french' } }).documentTokens('chevaux'), ['cheval']);
    // The stopword check sees the word before stemming: "runs" is dropped, "running" (stem "run") is not.
    assert.deepEqual(analyzer({ stopwords: { custom: ['runs'] }, stemmer: { type: 'snowball', language: 'english' } }).documentTokens('runs running'), ['run']);
    assert.deepEqual(analyzer({ max_token_len: 3, stemmer: { type: 'snowball', language: 'english' } }).documentTokens('running'), ['run'], 'length is checked on the stem');
    const p = analyzer({ tokenizer: 'prefix', min_token_len: 2, max_token_len: 10, stemmer: { type: 'snowball', language: 'english' } });
    assert.deepEqual(p.documentTokens('running'), ['ru', 'run']);
    assert.deepEqual(p.queryTokens('runs'), ['run']);
    // Words outside the language (digits, other scripts) pass through unchanged.
    assert.deepEqual(analyzer({ stemmer: { type: 'snowball', language: 'english' } }).documentTokens('2024 мир'), ['2024', 'мир']);
  });

  it('folds accents with ascii_folding', () => {
    assert.equal(foldToAscii('ação Ørsted straße'), 'acao Orsted strasse');
    assert.deepEqual(analyzer({ ascii_folding: true }).documentTokens('Ação Café'), ['acao', 'cafe']);
  });

  it('phrase: consecutive tokens', () => {
    assert.equal(hasPhrase(['a', 'good', 'cheap', 'b'], ['good', 'cheap']), true);
    assert.equal(hasPhrase(['good', 'x', 'cheap'], ['good', 'cheap']), false);
    assert.equal(hasPhrase(['good'], []), false);
  });
});
