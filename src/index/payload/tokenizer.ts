import type { TextIndexOptions } from './field-schema.js';
import { ENGLISH_STOPWORDS } from './stopwords-english.js';
import { snowballStemmer, type Stemmer } from './stemmer.js';

const NON_WORD = /[^\p{Alphabetic}\p{N}]+/u;
const WHITESPACE = /\p{White_Space}+/u;
const COMBINING_MARKS = /\p{M}+/gu;

/** Letters that do not decompose under NFD but fold to ASCII (Lucene `ASCIIFoldingFilter` subset). */
const SPECIAL_FOLDS: Readonly<Record<string, string>> = {
  æ: 'ae', Æ: 'AE', ø: 'o', Ø: 'O', œ: 'oe', Œ: 'OE', ß: 'ss', ẞ: 'SS', ł: 'l', Ł: 'L', đ: 'd', Đ: 'D',
  ð: 'd', Ð: 'D', þ: 'th', Þ: 'TH', ı: 'i', ħ: 'h', Ħ: 'H', ŋ: 'n', Ŋ: 'N', ŧ: 't', Ŧ: 'T',
};
const SPECIAL_FOLD_CHARS = new RegExp(`[${Object.keys(SPECIAL_FOLDS).join('')}]`, 'gu');

/**
 * Full-text analysis with Qdrant's tokenizers (`full_text_index/tokenizers`):
 * - `word`: splits on every character that is not alphanumeric (Unicode);
 * - `whitespace`: splits on Unicode whitespace;
 * - `prefix`: word tokens, indexed as every prefix from `min_token_len` (default 1) to
 *   `max_token_len` characters; queries use the word truncated to `max_token_len`;
 * - `multilingual`: Qdrant segments CJK/Thai text with charabia; Quiver falls back to `word`.
 *
 * Tokens are then lowercased (default on), ASCII-folded (opt-in), dropped when they are stopwords,
 * stemmed (Snowball `stemmer`), then dropped when shorter than `min_token_len` / longer than
 * `max_token_len` (not for prefix documents), in Qdrant's order (`TokensProcessor`). Prefix documents
 * are stemmed before their prefixes are taken; prefix queries are stemmed before they are truncated.
 */
export class TextAnalyzer {
  readonly options: TextIndexOptions;
  private readonly stopwords: ReadonlySet<string>;
  private readonly stem: Stemmer | undefined;

  constructor(options: TextIndexOptions) {
    this.options = options;
    this.stopwords = buildStopwords(options);
    this.stem = options.stemmer === null ? undefined : snowballStemmer(options.stemmer);
  }

  /** Document tokens in text order (duplicates kept, for phrase matching). */
  documentTokens(text: string): string[] {
    const out: string[] = [];
    const o = this.options;
    if (o.tokenizer === 'whitespace') {
      for (const raw of text.split(WHITESPACE)) {
        const t = this.process(raw, true);
        if (t !== null) out.push(t);
      }
      return out;
    }
    const words = text.split(NON_WORD);
    if (o.tokenizer !== 'prefix') {
      for (const raw of words) {
        const t = this.process(raw, true);
        if (t !== null) out.push(t);
      }
      return out;
    }
    const minN = o.minTokenLen ?? 1;
    const maxN = o.maxTokenLen ?? Number.MAX_SAFE_INTEGER;
    for (const raw of words) {
      const word = this.process(raw, false);
      if (word === null) continue;
      const chars = Array.from(word);
      for (let n = minN; n <= maxN; n++) {
        if (n >= chars.length) {
          out.push(word);
          break;
        }
        out.push(chars.slice(0, n).join(''));
      }
    }
    return out;
  }

  /** Query tokens (for `text` and `text_any`), in order, duplicates kept. */
  queryTokens(text: string): string[] {
    if (this.options.tokenizer !== 'prefix') return this.documentTokens(text);
    const out: string[] = [];
    const o = this.options;
    const maxN = o.maxTokenLen ?? Number.MAX_SAFE_INTEGER;
    for (const raw of text.split(NON_WORD)) {
      if (raw.length === 0) continue;
      let word = o.asciiFolding ? foldToAscii(raw) : raw;
      if (o.lowercase) word = word.toLowerCase();
      if (this.stem !== undefined) word = this.stem(word);
      const chars = Array.from(word);
      // Tokens shorter than min_token_len never exist in the index (stopwords are not applied:
      // a partial word must still find longer words that start with a stopword).
      if (o.minTokenLen !== null && chars.length < o.minTokenLen) continue;
      out.push(chars.length > maxN ? chars.slice(0, maxN).join('') : word);
    }
    return out;
  }

  /** Distinct document tokens. */
  documentTokenSet(text: string): Set<string> {
    return new Set(this.documentTokens(text));
  }

  private process(raw: string, checkMaxLen: boolean): string | null {
    if (raw.length === 0) return null;
    const o = this.options;
    let token = o.asciiFolding ? foldToAscii(raw) : raw;
    if (o.lowercase) token = token.toLowerCase();
    if (this.stopwords.size > 0 && this.stopwords.has(token)) return null;
    if (this.stem !== undefined) token = this.stem(token);
    if (o.minTokenLen !== null || (checkMaxLen && o.maxTokenLen !== null)) {
      const len = codePointLength(token);
      if (o.minTokenLen !== null && len < o.minTokenLen) return null;
      if (checkMaxLen && o.maxTokenLen !== null && len > o.maxTokenLen) return null;
    }
    return token;
  }
}

function codePointLength(s: string): number {
  let n = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 0xd800 || c > 0xdbff) n++;
  }
  return n;
}

/** Folds accented characters to ASCII ("ação" → "acao"). */
export function foldToAscii(text: string): string {
  // eslint-disable-next-line no-control-regex
  if (/^[\u0000-\u007f]*$/.test(text)) return text;
  return text
    .normalize('NFD')
    .replace(COMBINING_MARKS, '')
    .replace(SPECIAL_FOLD_CHARS, (c) => SPECIAL_FOLDS[c] ?? c);
}

function buildStopwords(options: TextIndexOptions): ReadonlySet<string> {
  const s = options.stopwords;
  const words = new Set<string>();
  if (s === null) return words;
  const languages = typeof s === 'string' ? [s] : (s.languages ?? []);
  for (const language of languages) {
    if (language === 'english') for (const w of ENGLISH_STOPWORDS) words.add(w);
  }
  if (typeof s !== 'string') for (const w of s.custom ?? []) words.add(w);
  if (!options.lowercase) return words;
  const lowered = new Set<string>();
  for (const w of words) lowered.add(w.toLowerCase());
  return lowered;
}

/** True when every token of `query` is in `tokens`; an empty query matches nothing. */
export function hasAllTokens(tokens: ReadonlySet<string>, query: readonly string[]): boolean {
  if (query.length === 0) return false;
  for (const t of query) if (!tokens.has(t)) return false;
  return true;
}

/** True when some token of `query` is in `tokens`. */
export function hasAnyToken(tokens: ReadonlySet<string>, query: readonly string[]): boolean {
  for (const t of query) if (tokens.has(t)) return true;
  return false;
}

/** True when `phrase` occurs as consecutive tokens of `document`; an empty phrase matches nothing. */
export function hasPhrase(document: readonly string[], phrase: readonly string[]): boolean {
  const n = phrase.length;
  if (n === 0 || n > document.length) return false;
  outer: for (let i = 0; i + n <= document.length; i++) {
    for (let j = 0; j < n; j++) if (document[i + j] !== phrase[j]) continue outer;
    return true;
  }
  return false;
}
