/**
 * An offline, deterministic embedder: feature hashing of words, word bigrams and
 * character trigrams into a fixed-size vector. No model, no network, no randomness,
 * so it suits tests, development and installs without an embedding API. It captures
 * lexical overlap (shared words, shared word parts), not meaning: "car" and
 * "automobile" are unrelated to it.
 */
import type { EmbeddingProvider } from './embedding-provider.js';

/** Relative weights: whole words matter most, word pairs add phrase matching, trigrams fuzziness. */
const WEIGHT = { word: 1, stopWord: 0.15, bigram: 0.5, trigram: 0.3 } as const;

/**
 * Frequent English function words carry little topical signal; down-weighting them
 * (no IDF is available offline) keeps them from dominating short queries.
 */
const STOP_WORDS = new Set(
  (
    'a an and are as at be been but by can did do does for from had has have how i if in into is it its ' +
    'me my no not of on or our so than that the their them then there these they this to was we were ' +
    'what when where which who why will with you your'
  ).split(' '),
);

const WORD = /[\p{L}\p{N}]+/gu;
const COMBINING_MARKS = /\p{M}+/gu;

/** The built-in model's name. Its vectors at different dimensions are different models (embedding sets). */
export const LOCAL_EMBEDDING_MODEL = 'local-hash-v1';

/**
 * Any dimension from 2 up: features are hashed into however many buckets there are, so
 * `local-hash-v1` at 768 and at 1536 are two offline models whose vectors cannot be
 * compared, which is what an embedding-model switch between them needs.
 */
export class LocalEmbedder implements EmbeddingProvider {
  readonly model = LOCAL_EMBEDDING_MODEL;

  constructor(readonly dimensions: number = 1536) {
    if (!Number.isInteger(dimensions) || dimensions < 2) {
      throw new RangeError(`dimensions must be an integer ≥ 2, got ${dimensions}`);
    }
  }

  async embed(texts: string[], signal?: AbortSignal): Promise<number[][]> {
    const vectors: number[][] = [];
    for (const text of texts) {
      signal?.throwIfAborted();
      vectors.push(this.embedOne(text));
    }
    return vectors;
  }

  private embedOne(text: string): number[] {
    // Compatibility forms folded (ﬁ → fi, full-width → ASCII), accents stripped (é → e), lower case.
    const folded = text.normalize('NFKD').replace(COMBINING_MARKS, '').toLowerCase();
    const words = folded.match(WORD) ?? [];

    // Term frequencies per hashed feature; a 32-bit collision merely merges two features.
    const features = new Map<number, { count: number; weight: number }>();
    const add = (hash: number, weight: number) => {
      const feature = features.get(hash);
      if (feature) feature.count++;
      else features.set(hash, { count: 1, weight });
    };

    let previous: string | undefined;
    for (const word of words) {
      const stop = STOP_WORDS.has(word);
      add(fnv1a(word, 0, word.length, SEED.word), stop ? WEIGHT.stopWord : WEIGHT.word);
      if (previous !== undefined) {
        const first = fnv1a(previous, 0, previous.length, SEED.bigram);
        add(fnv1a(word, 0, word.length, fnvStep(first, 0x20)), WEIGHT.bigram);
      }
      if (!stop) {
        // Trigrams of the word padded with boundary markers: "<ab", "abc", "bc>".
        const padded = `<${word}>`;
        for (let i = 0; i + 3 <= padded.length; i++) add(fnv1a(padded, i, i + 3, SEED.trigram), WEIGHT.trigram);
      }
      previous = word;
    }

    const vector = new Float64Array(this.dimensions);
    for (const [hash, { count, weight }] of features) {
      const mixed = fmix32(hash);
      const index = (mixed & 0x7fffffff) % this.dimensions;
      // A per-feature sign makes colliding features cancel on average instead of piling up.
      const sign = mixed & 0x80000000 ? -1 : 1;
      vector[index]! += sign * weight * (1 + Math.log(count)); // sublinear tf
    }
    return unitLength(vector);
  }
}

/**
 * L2-normalised. A text without words (empty, punctuation only) gets a fixed unit
 * vector rather than zeros, so cosine distance stays defined for it.
 */
function unitLength(vector: Float64Array): number[] {
  let sumOfSquares = 0;
  for (const x of vector) sumOfSquares += x * x;
  if (sumOfSquares === 0) {
    vector[0] = 1;
    return Array.from(vector);
  }
  const norm = Math.sqrt(sumOfSquares);
  return Array.from(vector, (x) => x / norm);
}

const FNV_OFFSET = 0x811c9dc5;
const FNV_PRIME = 0x01000193;

/** FNV-1a, 32-bit, over UTF-16 code units of text[start, end), continuing from `seed`. */
function fnv1a(text: string, start: number, end: number, seed: number): number {
  let hash = seed;
  for (let i = start; i < end; i++) hash = fnvStep(hash, text.charCodeAt(i));
  return hash;
}

function fnvStep(hash: number, unit: number): number {
  return Math.imul(hash ^ unit, FNV_PRIME) >>> 0;
}

/** Separate hash spaces per feature kind, so the word "abc" and the trigram "abc" differ. */
const SEED = {
  word: fnv1a('w:', 0, 2, FNV_OFFSET),
  bigram: fnv1a('b:', 0, 2, FNV_OFFSET),
  trigram: fnv1a('t:', 0, 2, FNV_OFFSET),
} as const;

/** MurmurHash3's finaliser: spreads FNV's weak low bits over the whole word before indexing. */
function fmix32(hash: number): number {
  let h = hash;
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}
