import type { FieldCondition } from '../filter/types.js';
import { leafValues } from '../json-path.js';
import type { JsonPath } from '../json-path.js';
import type { JsonRecord } from '../../json.js';
import { textIndexOptions } from './field-schema.js';
import type { FieldSchema } from './field-schema.js';
import { EMPTY_OFFSETS, fromSet, unionOfSets } from './offsets.js';
import type { OffsetList } from './offsets.js';
import { exactEstimate, soleCheck } from './payload-index.js';
import type { CardinalityEstimate, FacetSource, PayloadFieldIndex } from './payload-index.js';
import { TextAnalyzer, hasPhrase } from './tokenizer.js';

interface TextEntry {
  readonly tokens: readonly string[];
  /** Token sequence of each string value; kept only with `phrase_matching`. */
  readonly documents: readonly (readonly string[])[] | null;
}

/**
 * `text` (full-text) index: an inverted index token → offsets. Creating it also changes how
 * `matches()` evaluates `match.text` / `text_any` / `phrase` on the field (tokens instead of
 * substrings), like Qdrant's full-text index. All string values of a point form one token set.
 * - `text`: every query token present (an empty query matches nothing);
 * - `text_any`: at least one query token present;
 * - `phrase`: the tokens appear consecutively within one string value; answered by the index
 *   only with `phrase_matching` (otherwise `matches()` re-tokenizes the payload).
 */
export class TextIndex implements PayloadFieldIndex {
  readonly path: JsonPath;
  readonly schema: FieldSchema;
  readonly analyzer: TextAnalyzer;
  private readonly postings = new Map<string, Set<number>>();
  private readonly byPoint = new Map<number, TextEntry>();

  constructor(path: JsonPath, schema: FieldSchema) {
    this.path = path;
    this.schema = schema;
    this.analyzer = new TextAnalyzer(textIndexOptions(schema));
  }

  get pointsCount(): number {
    return this.byPoint.size;
  }

  add(offset: number, payload: JsonRecord | null | undefined): void {
    this.remove(offset);
    const keepDocs = this.analyzer.options.phraseMatching;
    const tokens = new Set<string>();
    const documents: string[][] = [];
    for (const value of leafValues(payload, this.path)) {
      if (typeof value !== 'string') continue;
      const doc = this.analyzer.documentTokens(value);
      for (const t of doc) tokens.add(t);
      if (keepDocs) documents.push(doc);
    }
    if (tokens.size === 0) return;
    const list = [...tokens];
    this.byPoint.set(offset, { tokens: list, documents: keepDocs ? documents : null });
    for (const t of list) {
      let set = this.postings.get(t);
      if (set === undefined) {
        set = new Set();
        this.postings.set(t, set);
      }
      set.add(offset);
    }
  }

  remove(offset: number): void {
    const entry = this.byPoint.get(offset);
    if (entry === undefined) return;
    this.byPoint.delete(offset);
    for (const t of entry.tokens) {
      const set = this.postings.get(t);
      if (set === undefined) continue;
      set.delete(offset);
      if (set.size === 0) this.postings.delete(t);
    }
  }

  candidates(condition: FieldCondition): OffsetList | null {
    const check = soleCheck(condition);
    if (check === null || check.kind !== 'match') return null;
    const m = check.match;
    if (m.kind === 'text') return this.allOf(this.analyzer.queryTokens(m.text));
    if (m.kind === 'text_any') {
      const sets: Set<number>[] = [];
      for (const t of new Set(this.analyzer.queryTokens(m.text))) {
        const s = this.postings.get(t);
        if (s !== undefined) sets.push(s);
      }
      return unionOfSets(sets);
    }
    if (m.kind === 'phrase') {
      if (!this.analyzer.options.phraseMatching) return null;
      const phrase = this.analyzer.documentTokens(m.text);
      const withAll = this.allOf(phrase);
      const hits: number[] = [];
      for (const offset of withAll) {
        const docs = this.byPoint.get(offset)?.documents ?? [];
        if (docs.some((d) => hasPhrase(d, phrase))) hits.push(offset);
      }
      return Uint32Array.from(hits);
    }
    return null;
  }

  estimate(condition: FieldCondition): CardinalityEstimate | null {
    const check = soleCheck(condition);
    if (check === null || check.kind !== 'match') return null;
    const m = check.match;
    const total = this.byPoint.size;
    if (m.kind === 'text' || (m.kind === 'phrase' && this.analyzer.options.phraseMatching)) {
      const tokens = new Set(m.kind === 'text' ? this.analyzer.queryTokens(m.text) : this.analyzer.documentTokens(m.text));
      if (tokens.size === 0) return exactEstimate(0);
      let smallest = Number.POSITIVE_INFINITY;
      let prob = 1;
      for (const t of tokens) {
        const size = this.postings.get(t)?.size ?? 0;
        if (size === 0) return exactEstimate(0);
        smallest = Math.min(smallest, size);
        prob *= size / Math.max(1, total);
      }
      if (tokens.size === 1 && m.kind === 'text') return exactEstimate(smallest);
      return { min: 0, exp: Math.min(smallest, Math.round(prob * total)), max: smallest };
    }
    if (m.kind === 'text_any') {
      let sum = 0;
      let largest = 0;
      let miss = 1;
      for (const t of new Set(this.analyzer.queryTokens(m.text))) {
        const size = this.postings.get(t)?.size ?? 0;
        sum += size;
        largest = Math.max(largest, size);
        miss *= 1 - size / Math.max(1, total);
      }
      const max = Math.min(sum, total);
      return { min: largest, exp: Math.max(largest, Math.min(max, Math.round((1 - miss) * total))), max };
    }
    return null;
  }

  facetSource(): FacetSource | null {
    return null;
  }

  /** Offsets holding every token (sorted); nothing for an empty token list or an unknown token. */
  private allOf(tokens: readonly string[]): OffsetList {
    const distinct = new Set(tokens);
    if (distinct.size === 0) return EMPTY_OFFSETS;
    const sets: Set<number>[] = [];
    for (const t of distinct) {
      const s = this.postings.get(t);
      if (s === undefined) return EMPTY_OFFSETS;
      sets.push(s);
    }
    sets.sort((a, b) => a.size - b.size);
    const [first, ...others] = sets as [Set<number>, ...Set<number>[]];
    if (others.length === 0) return fromSet(first);
    const hits = new Set<number>();
    outer: for (const o of first) {
      for (const s of others) if (!s.has(o)) continue outer;
      hits.add(o);
    }
    return fromSet(hits);
  }
}
