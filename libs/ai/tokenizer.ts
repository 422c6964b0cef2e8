/**
 * Token counting with cl100k_base, the encoding of text-embedding-3-small, so chunk
 * sizes measured here are the sizes the embedding API will see.
 *
 * Document text is untrusted: by default gpt-tokenizer throws when the input contains
 * a special-token string such as "<|endoftext|>". Passing an empty disallow list makes
 * those strings count as the ordinary text they are, so a document can't break counting.
 */
import { countTokens as countCl100k, isWithinTokenLimit } from 'gpt-tokenizer/encoding/cl100k_base';

const PLAIN_TEXT = { disallowedSpecial: new Set<string>() };

export function countTokens(text: string): number {
  return countCl100k(text, PLAIN_TEXT);
}

/** The token count when it is ≤ limit, else false; stops encoding as soon as the limit is passed. */
export function tokensWithin(text: string, limit: number): number | false {
  return isWithinTokenLimit(text, limit, PLAIN_TEXT);
}
