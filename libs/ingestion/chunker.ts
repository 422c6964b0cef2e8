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
import { countTokens, tokensWithin } from './tokenizer.js';

export interface PageText {
  pageNumber: number;
  text: string;
}

export interface Chunk {
  index: number;
  content: string;
  pageFrom: number;
  pageTo: number;
  /** Offsets into joinPages(pages), end exclusive. */
  charStart: number;
  charEnd: number;
  tokenCount: number;
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
  return packUnits(text, units, targetTokens, overlapTokens).map((span, index) => ({
    index,
    content: text.slice(span.start, span.end),
    pageFrom: pageAt(span.start),
    pageTo: pageAt(span.end - 1),
    charStart: span.start,
    charEnd: span.end,
    tokenCount: span.tokens,
  }));
}

interface Span {
  start: number;
  end: number;
  tokens: number;
}

function packUnits(text: string, units: Unit[], target: number, overlap: number): Span[] {
  const spans: Span[] = [];
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
      estimate += added;
      cumulative.push(estimate);
      next++;
    }
    if (next < units.length) next = preferredEnd(units, first, next, cumulative, target);

    // Measure for real; BPE merges across unit edges can make the estimate a little low.
    let start: number = carry?.start ?? units[first]!.start;
    let tokens = countTokens(text.slice(start, units[next - 1]!.end));
    while (tokens > target) {
      if (next - 1 > first) next--; // give back the last unit
      else if (start !== units[first]!.start) start = units[first]!.start; // then the overlap
      else break; // a lone unit is ≤ target − overlap tokens by construction: not reached
      tokens = countTokens(text.slice(start, units[next - 1]!.end));
    }
    const end = units[next - 1]!.end;
    spans.push({ start, end, tokens });

    const newStart = units[first]!.start;
    carry = next < units.length && overlap > 0 ? overlapTail(text, start, newStart, end, overlap) : null;
    first = next;
  }
  return spans;
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
function earliestFitting(
  starts: number[],
  count: (at: number) => number | false,
): { at: number; tokens: number } | null {
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
