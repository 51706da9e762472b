/**
 * Snowball stemmers of the full-text index (Qdrant 1.19 `stemmer: {type: "snowball", language}`), one per
 * language of Qdrant's `SnowballLanguage`. Qdrant stems with the Snowball algorithms (rust-stemmers); Quiver uses
 * the Snowball-generated stemmers of `@orama/stemmers` for every language but English, whose English module is
 * the original Porter algorithm rather than Snowball's English (Porter2), and `porter2` for English. Both were
 * checked word for word against the Snowball C library (libstemmer 2.2.0) over gettext catalogues of each
 * language and English documentation text (≈ 360,000 words, no difference).
 */
import { stem as english } from 'porter2';
import { stemmer as arabic } from '@orama/stemmers/arabic';
import { stemmer as armenian } from '@orama/stemmers/armenian';
import { stemmer as danish } from '@orama/stemmers/danish';
import { stemmer as dutch } from '@orama/stemmers/dutch';
import { stemmer as finnish } from '@orama/stemmers/finnish';
import { stemmer as french } from '@orama/stemmers/french';
import { stemmer as german } from '@orama/stemmers/german';
import { stemmer as greek } from '@orama/stemmers/greek';
import { stemmer as hungarian } from '@orama/stemmers/hungarian';
import { stemmer as italian } from '@orama/stemmers/italian';
import { stemmer as norwegian } from '@orama/stemmers/norwegian';
import { stemmer as portuguese } from '@orama/stemmers/portuguese';
import { stemmer as romanian } from '@orama/stemmers/romanian';
import { stemmer as russian } from '@orama/stemmers/russian';
import { stemmer as spanish } from '@orama/stemmers/spanish';
import { stemmer as swedish } from '@orama/stemmers/swedish';
import { stemmer as tamil } from '@orama/stemmers/tamil';
import { stemmer as turkish } from '@orama/stemmers/turkish';

export type Stemmer = (word: string) => string;

const STEMMERS: Readonly<Record<string, Stemmer>> = {
  arabic, armenian, danish, dutch, english, finnish, french, german, greek, hungarian, italian, norwegian,
  portuguese, romanian, russian, spanish, swedish, tamil, turkish,
};

/** Qdrant 1.19 `SnowballLanguage`, in its order. */
export const SNOWBALL_LANGUAGES: readonly string[] = Object.freeze(Object.keys(STEMMERS));

/** The Snowball stemmer of `language`, or undefined for a language Qdrant does not list. */
export function snowballStemmer(language: string): Stemmer | undefined {
  return Object.hasOwn(STEMMERS, language) ? STEMMERS[language] : undefined;
}
