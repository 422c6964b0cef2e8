/**
 * The keyword side's reading of a query, in websearch syntax, split in two:
 *
 * - `any`: the plain words, joined with "or". A question ("how do I reset the
 *   device") must not require every word: its words are OR-ed, stop words are
 *   dropped by the text search configuration (to_tsvector/websearch_to_tsquery
 *   with the tenant's language), and ts_rank_cd ranks chunks that hold more of
 *   them, closer together, first.
 * - `all`: quoted phrases and -exclusions, which keep their websearch meaning
 *   (the phrase is required, the excluded word must be absent).
 *
 * The SQL ANDs the two tsqueries (`&&`); either may be empty. Pure, so tested
 * without a database; the query is first cut to MAX_KEYWORD_TERMS words.
 */
export interface KeywordQuery {
  any: string;
  all: string;
}

/** websearch_to_tsquery's own operator word: a user's "or" is kept as a plain word only where it cannot act as one. */
const OR = /^or$/i;

export function keywordQuery(text: string): KeywordQuery {
  const all: string[] = [];
  // Quoted phrases first (an unbalanced quote is just a character), then the words around them.
  const rest = text.replace(/"([^"]*)"/g, (_, phrase: string) => {
    const words = phrase.split(/\s+/).filter(Boolean);
    if (words.length) all.push(`"${words.join(' ')}"`);
    return ' ';
  });
  const any: string[] = [];
  for (const word of rest.split(/\s+/)) {
    const w = word.replace(/"/g, '');
    if (!w || OR.test(w)) continue;
    if (w.startsWith('-') && w.length > 1 && /[\p{L}\p{N}]/u.test(w)) all.push(w);
    else if (/[\p{L}\p{N}]/u.test(w)) any.push(w.replace(/^-+/, ''));
  }
  return { any: any.join(' or '), all: all.join(' ') };
}
