/**
 * Splits a parsed document into overlapping, token-bounded chunks for embedding.
 *
 * Offsets: the pages' texts are joined with PAGE_SEPARATOR ("\n\n") into one string
 * (see joinPages), and every chunk is the exact slice [charStart, charEnd) of it:
 * `joinPages(pages).slice(c.charStart, c.charEnd) === c.content`. This lets a citation
 * point back into the document and consecutive chunks' overlap be computed exactly.
 * A chunk may therefore span a page break; pageFrom/pageTo are the first and last
 * pages it touches.
 *
 * Sizes: tokenCount is the real cl100k_base count of content and never exceeds
 * targetTokens. Chunks are filled greedily, but when the next unit doesn't fit, the
 * chunk may end earlier at a stronger boundary (heading > paragraph > sentence) as
 * long as it is at least half full. Each chunk then starts with the trailing sentences
 * (or, failing that, words) of the previous one, up to overlapTokens.
 *
 * Pure and deterministic: same pages and options, same chunks.
 */
import { Boundary, breakPositions, splitIntoUnits, type Unit } from './chunk-units.js';
import { countTokens, tokensWithin } from '../ai/tokenizer.js';
import type { ChunkRow } from '../database/embeddings/chunk-row.js';

export interface PageText {
  pageNumber: number;
  text: string;
}

/** A chunk as stored (ChunkRow); its offsets refer to joinPages(pages). */
export interface Chunk extends ChunkRow {
  /**
   * The heading path of the section the chunk starts in ("CREATE SEQUENCE › Parameters"),
   * from the Markdown headings of the text (HTML and DOCX headings are written as such by
   * their parsers); null before any heading and for text without headings (PDF pages).
   */
  section: string | null;
}

export interface ChunkOptions {
  targetTokens?: number;
  overlapTokens?: number;
}

export const PAGE_SEPARATOR = '\n\n';

/** The text chunk offsets refer to. */
export function joinPages(pages: readonly PageText[]): string {
  return pages.map((page) => page.text).join(PAGE_SEPARATOR);
}

/** A chunk may end early at a stronger boundary only if that leaves it at least this full. */
const MIN_FILL = 0.5;

export function chunkPages(pages: readonly PageText[], options: ChunkOptions = {}): Chunk[] {
  const targetTokens = options.targetTokens ?? 500;
  const overlapTokens = options.overlapTokens ?? 50;
  if (!Number.isInteger(targetTokens) || targetTokens < 16) {
    throw new RangeError(`targetTokens must be an integer ≥ 16, got ${targetTokens}`);
  }
  if (!Number.isInteger(overlapTokens) || overlapTokens < 0 || overlapTokens * 2 > targetTokens) {
    throw new RangeError(`overlapTokens must be an integer between 0 and targetTokens / 2, got ${overlapTokens}`);
  }

  const text = joinPages(pages);
  // Units leave room for the overlap, so overlap + one unit always fits in a chunk.
  const units = splitIntoUnits(text, targetTokens - overlapTokens);
  const pageAt = pageLocator(pages);
  const sectionAt = sectionLocator(text);
  return packUnits(text, units, targetTokens, overlapTokens).map((span, index) => ({
    index,
    content: text.slice(span.start, span.end),
    pageFrom: pageAt(span.start),
    pageTo: pageAt(span.end - 1),
    charStart: span.start,
    charEnd: span.end,
    tokenCount: span.tokens,
    section: sectionAt(span.ownStart),
  }));
}

/** Separates the headings of a section path, as shown to users. */
export const SECTION_SEPARATOR = ' › ';

/** A section path longer than this is cut (from the front: the nearest headings say most). */
const MAX_SECTION_CHARS = 300;

/**
 * Maps an offset to the heading path in force there: every ATX heading ("## Title")
 * outside fenced code blocks opens a section and closes those of its level and deeper.
 * Consecutive equal titles collapse (an HTML page titled by both <title> and <h2>).
 */
function sectionLocator(text: string): (offset: number) => string | null {
  const marks: { at: number; path: string | null }[] = [];
  const stack: { level: number; title: string }[] = [];
  let fenced = false;
  for (const line of text.matchAll(/^.*$/gm)) {
    if (/^\s*(```|~~~)/.test(line[0])) fenced = !fenced;
    if (fenced) continue;
    const h = /^(#{1,6})[ \t]+(.+?)[ \t#]*$/.exec(line[0]);
    if (!h) continue;
    const level = h[1]!.length;
    // Emphasis and code marks go; underscores stay (identifiers such as referential_constraints).
    const title = h[2]!.replace(/[*`]+/g, '').replace(/\s+/g, ' ').trim();
    if (!title) continue;
    while (stack.length && stack[stack.length - 1]!.level >= level) stack.pop();
    stack.push({ level, title });
    const titles = stack.map((x) => x.title).filter((t, i, a) => i === 0 || t !== a[i - 1]);
    let path = titles.join(SECTION_SEPARATOR);
    if (path.length > MAX_SECTION_CHARS) path = `…${path.slice(path.length - MAX_SECTION_CHARS + 1)}`;
    marks.push({ at: line.index, path });
  }
  return (offset) => {
    let lo = 0;
    let hi = marks.length - 1;
    let found: string | null = null;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      if (marks[mid]!.at <= offset) {
        found = marks[mid]!.path;
        lo = mid + 1;
      } else hi = mid - 1;
    }
    return found;
  };
}

interface Span {
  start: number;
  end: number;
  tokens: number;
}

/** A chunk's span, and where its own content starts (after the overlap it repeats). */
interface ChunkSpan extends Span {
  ownStart: number;
}

/**
 * A heading ends the chunk before it once the chunk holds this share of the target, so
 * chunks follow the document's sections (and name one section); smaller sections are
 * packed together rather than making tiny chunks.
 */
const SECTION_MIN_FILL = 0.2;

function packUnits(text: string, units: Unit[], target: number, overlap: number): ChunkSpan[] {
  const spans: ChunkSpan[] = [];
  let carry: Span | null = null; // the previous chunk's tail that this one repeats
  let first = 0; // first unit not yet in any chunk
  while (first < units.length) {
    // Greedy fill on estimated sizes (sum of unit counts plus line breaks between them);
    // cumulative[k] is the estimate for a chunk ending after unit first + k.
    const cumulative: number[] = [];
    let estimate = carry?.tokens ?? 0;
    let next = first;
    while (next < units.length) {
      const added = (next > first || carry ? separatorTokens(text, units, next) : 0) + units[next]!.tokens;
      if (next > first && estimate + added > target) break;
      if (next > first && units[next]!.boundary === Boundary.Heading && estimate >= target * SECTION_MIN_FILL) break;
      estimate += added;
      cumulative.push(estimate);
      next++;
    }
    if (next < units.length) next = preferredEnd(units, first, next, cumulative, target);
    if (next < units.length && units[next]!.boundary === Boundary.Heading) {
      next = joinClosingSections(text, units, next, cumulative[next - first - 1]!, target);
    }

    // Measure for real; BPE merges across unit edges can make the estimate a little low.
    let start: number = carry?.start ?? units[first]!.start;
    let tokens = countTokens(text.slice(start, units[next - 1]!.end));
    while (tokens > target) {
      if (next - 1 > first)
        next--; // give back the last unit
      else if (start !== units[first]!.start)
        start = units[first]!.start; // then the overlap
      else break; // a lone unit is ≤ target − overlap tokens by construction: not reached
      tokens = countTokens(text.slice(start, units[next - 1]!.end));
    }
    const end = units[next - 1]!.end;
    const newStart = units[first]!.start;
    spans.push({ start, end, tokens, ownStart: newStart });

    // No overlap into a new section: its chunk starts at its heading.
    const sectionStarts = next < units.length && units[next]!.boundary === Boundary.Heading;
    carry = next < units.length && overlap > 0 && !sectionStarts ? overlapTail(text, start, newStart, end, overlap) : null;
    first = next;
  }
  return spans;
}

/**
 * Closing sections (what is left of the document from `next`, which starts a section) smaller than
 * this share of the target join the chunk before them rather than becoming a chunk of their own: a
 * reference page's "See Also" or "Compatibility" tail says too little alone to be found or quoted.
 */
const CLOSING_MAX_FILL = 0.2;

/** `next`, or the end of the units when the rest of the document is small and fits in the chunk (estimated `filled` tokens). */
function joinClosingSections(text: string, units: Unit[], next: number, filled: number, target: number): number {
  let rest = 0;
  for (let i = next; i < units.length; i++) {
    rest += separatorTokens(text, units, i) + units[i]!.tokens;
    if (rest >= target * CLOSING_MAX_FILL || filled + rest > target) return next;
  }
  return units.length;
}

/** "\n" and "\n\n" are tokens of their own; a space merges into the next word's token. */
function separatorTokens(text: string, units: Unit[], index: number): number {
  const gap = text.slice(units[index - 1]?.end ?? units[index]!.start, units[index]!.start);
  return gap.includes('\n') ? 1 : 0;
}

/**
 * `next` is the first unit that didn't fit. Returns where the chunk should end instead:
 * before the strongest boundary among those leaving it at least MIN_FILL full, the
 * latest one on ties (so by default: exactly where it overflowed).
 */
function preferredEnd(units: Unit[], first: number, next: number, cumulative: number[], target: number): number {
  let best = next;
  for (let end = next - 1; end > first; end--) {
    if (cumulative[end - first - 1]! < target * MIN_FILL) break;
    if (units[end]!.boundary > units[best]!.boundary) best = end;
  }
  return best;
}

/** Characters examined for the overlap: generous for overlapTokens of real text. */
const OVERLAP_CHARS_PER_TOKEN = 16;

/**
 * The tail of the chunk [chunkStart, end) to repeat at the start of the next one: the
 * longest run of whole trailing sentences within maxTokens, else of whole words. It
 * starts inside the chunk's new content (never reaching back into the part it repeated
 * from its own predecessor) and never covers the whole chunk.
 */
function overlapTail(text: string, chunkStart: number, newStart: number, end: number, maxTokens: number): Span | null {
  const from = Math.max(newStart, end - maxTokens * OVERLAP_CHARS_PER_TOKEN);
  for (const level of [Boundary.Sentence, Boundary.Word] as const) {
    const candidates = breakPositions(text, from, end, level);
    if (from === newStart && newStart > chunkStart) candidates.unshift(newStart);
    const found = earliestFitting(candidates, (at) => tokensWithin(text.slice(at, end), maxTokens));
    if (found) return { start: found.at, end, tokens: found.tokens };
  }
  return null;
}

/** Binary search over ascending starts; a later start never has more tokens after it. */
function earliestFitting(starts: number[], count: (at: number) => number | false): { at: number; tokens: number } | null {
  let lo = 0;
  let hi = starts.length - 1;
  let found: { at: number; tokens: number } | null = null;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    const tokens = count(starts[mid]!);
    if (tokens === false) lo = mid + 1;
    else {
      found = { at: starts[mid]!, tokens };
      hi = mid - 1;
    }
  }
  return found;
}

/** Maps an offset in the joined text to the number of the page it falls in. */
function pageLocator(pages: readonly PageText[]): (offset: number) => number {
  const starts: number[] = [];
  let at = 0;
  for (const page of pages) {
    starts.push(at);
    at += page.text.length + PAGE_SEPARATOR.length;
  }
  return (offset) => {
    let lo = 0;
    let hi = starts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (starts[mid]! <= offset) lo = mid;
      else hi = mid - 1;
    }
    return pages[lo]!.pageNumber;
  };
}
