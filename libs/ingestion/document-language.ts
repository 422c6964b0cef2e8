/**
 * The text search configuration of a document, from the language of its text: so that a tenant's
 * German manual is stemmed as German ("Häuser" finds "Haus") next to its English ones. Detection by
 * `franc` (trigrams, 187 languages), mapped to the configurations PostgreSQL ships. Pure.
 *
 * Measured on the PostgreSQL manual's 1,169 English pages (bench/EVAL.md): below ~600 characters of
 * prose franc often named a neighbour (French, Scots, Galician on pages of a few lines); above it, with
 * up to three windows voting, every page came out English (1,056 pages; 113 too short).
 */
import { francAll } from 'franc';

/** ISO 639-3 (franc) → PostgreSQL text search configuration (pg_ts_config of PostgreSQL 15). */
const CONFIG_OF: Readonly<Record<string, string>> = {
  arb: 'arabic',
  hye: 'armenian',
  eus: 'basque',
  cat: 'catalan',
  dan: 'danish',
  nld: 'dutch',
  eng: 'english',
  fin: 'finnish',
  fra: 'french',
  deu: 'german',
  ell: 'greek',
  hin: 'hindi',
  hun: 'hungarian',
  ind: 'indonesian',
  gle: 'irish',
  ita: 'italian',
  lit: 'lithuanian',
  npi: 'nepali',
  nob: 'norwegian',
  nno: 'norwegian',
  por: 'portuguese',
  ron: 'romanian',
  rus: 'russian',
  srp: 'serbian',
  spa: 'spanish',
  swe: 'swedish',
  tam: 'tamil',
  tur: 'turkish',
  ydd: 'yiddish',
};

/** Less prose than this is too little to tell a language by: the fallback is used. */
export const MIN_DETECT_CHARS = 600;
/** franc reads at most 2,048 characters; up to this many windows, spread over the text, vote. */
const WINDOW = 2048;
const WINDOWS = 3;
/** See detectSearchConfig: franc's scores of unrelated languages stay below this share of the winner's on real text. */
const NEIGHBOUR = 0.998;

/** Configurations that detection can give, besides `simple`. */
export const DETECTABLE_CONFIGS: readonly string[] = [...new Set(Object.values(CONFIG_OF))];

/**
 * The configuration for `text`: its detected language's, `simple` (no stemming, no stop words) for a language
 * PostgreSQL has no configuration for (Polish, Chinese, …), and `fallback` when there is too little prose to
 * tell (franc's scores of related languages lie within 1 % of each other: no margin separates a close call).
 */
export function detectSearchConfig(text: string, fallback: string): string {
  // Code blocks and markup say nothing of the language.
  const prose = text
    .replace(/```[\s\S]*?(```|$)/g, ' ')
    .replace(/[#*_`|>[\]()-]+/g, ' ')
    .replace(/\s+/g, ' ')
    .trim();
  if (prose.length < MIN_DETECT_CHARS) return fallback;
  const windows = Math.min(WINDOWS, Math.ceil(prose.length / WINDOW));
  const scores = new Map<string, number>();
  for (let i = 0; i < windows; i++) {
    const at = windows === 1 ? 0 : Math.floor(((prose.length - WINDOW) * i) / (windows - 1));
    for (const [lang, score] of francAll(prose.slice(at, at + WINDOW), { minLength: 1 })) {
      scores.set(lang, (scores.get(lang) ?? 0) + score);
    }
  }
  const ranked = [...scores].sort((a, b) => b[1] - a[1]);
  const [top] = ranked;
  if (!top || top[0] === 'und') return fallback;
  if (CONFIG_OF[top[0]]) return CONFIG_OF[top[0]]!;
  // A language without a configuration whose neighbour with one scores all but the same (Scots and English,
  // Bulgarian and Russian, Galician and Spanish): the neighbour's stemmer serves better than none.
  const neighbour = ranked.find(([lang, score]) => CONFIG_OF[lang] && score >= NEIGHBOUR * top[1]);
  return neighbour ? CONFIG_OF[neighbour[0]]! : 'simple';
}

/**
 * The configuration a document's chunks are indexed with: the tenant's `fixed` one when it chose one, else the
 * detected one (`simple` when this PostgreSQL lacks it).
 */
export function documentSearchConfig(
  language: { fixed: string | null; fallback: string; installed: ReadonlySet<string> },
  pages: readonly { text: string }[],
): string {
  if (language.fixed) return language.fixed;
  const detected = detectSearchConfig(pages.map((p) => p.text).join('\n\n'), language.fallback);
  return language.installed.has(detected) ? detected : 'simple';
}
