/**
 * How the keyword side reads a query. Pure, so tested without a database.
 *
 * A question ("how do I create a partial index") must not require every word, nor
 * let any one common word decide: its words are reduced to lexemes by the tenant's
 * text search configuration (stop words dropped, stemmed: to_tsvector), then searched
 * in tiers, each filling what the previous left (keywordTiers):
 *   1. every lexeme (AND),
 *   2. all but one (an OR of ANDs), for 3–8 lexemes,
 *   3. any lexeme (OR),
 * and within a tier ts_rank ranks (the section's heading path weighs more than the
 * text, see the SectionPaths migration; ts_rank rather than ts_rank_cd since the
 * KeywordRankAndPath migration, measured). Neither has any notion of a word's rarity,
 * so a plain OR let chunks full of "file" or "index" outrank the one chunk holding
 * every word of the question (bench/EVAL.md).
 *
 * Quoted phrases and -exclusions keep their websearch meaning (the phrase is
 * required, the excluded word absent): they are ANDed to every tier.
 */
export interface KeywordQuery {
  /** The plain words, for to_tsvector. */
  words: string;
  /** Phrases and exclusions in websearch syntax, for websearch_to_tsquery; '' when none. */
  all: string;
}

export function keywordQuery(text: string): KeywordQuery {
  const all: string[] = [];
  // Quoted phrases first (an unbalanced quote is just a character), then the words around them.
  const rest = text.replace(/"([^"]*)"/g, (_, phrase: string) => {
    const words = phrase.split(/\s+/).filter(Boolean);
    if (words.length) all.push(`"${words.join(' ')}"`);
    return ' ';
  });
  const words: string[] = [];
  for (const word of rest.split(/\s+/)) {
    const w = word.replace(/"/g, '');
    if (!/[\p{L}\p{N}]/u.test(w)) continue;
    if (w.startsWith('-')) all.push(w);
    else words.push(w);
  }
  return { words: words.join(' '), all: all.join(' ') };
}

/** A lexeme as a tsquery operand: quoted, with quotes and backslashes escaped (tsquery's input syntax). */
export const tsqueryOperand = (lexeme: string) => `'${lexeme.replace(/\\/g, '\\\\').replace(/'/g, "''")}'`;

/** Beyond this many lexemes the "all but one" tier would be too large a tsquery to be worth it. */
const MAX_ALL_BUT_ONE = 8;

/**
 * The tiers' tsqueries (text form, for ::tsquery), strictest first; none for no lexemes.
 *
 * `common`: the set's common words (keyword-stats.ts), each in half of its rows or more. They stay in the AND of every
 * word, which the index answers from its rarest word, but not in the OR parts: an all-but-one branch made of common
 * words only is left out, and the last tier is any word that is not common (none when all are), so rows holding only
 * a word found nearly everywhere cannot crowd out the rows of the question's telling words, nor cost a read of most
 * of the tenant.
 */
export function keywordTiers(lexemes: readonly string[], common: ReadonlySet<string> = new Set()): string[] {
  const words = [...new Set(lexemes)];
  const and = (ws: readonly string[]) => ws.map(tsqueryOperand).join(' & ');
  if (!words.length) return [];
  if (words.length === 1) return [tsqueryOperand(words[0]!)];
  const tiers = [and(words)];
  if (words.length >= 3 && words.length <= MAX_ALL_BUT_ONE) {
    const branches = words.map((_, skip) => words.filter((__, i) => i !== skip)).filter((b) => b.some((w) => !common.has(w)));
    if (branches.length) tiers.push(branches.map((b) => `( ${and(b)} )`).join(' | '));
  }
  const telling = words.filter((w) => !common.has(w));
  if (telling.length) tiers.push(telling.map(tsqueryOperand).join(' | '));
  return tiers;
}
