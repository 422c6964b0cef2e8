/**
 * Cuts text into the smallest pieces the chunker packs ("units"), each a span of the
 * original string with no surrounding whitespace and at most `limit` tokens.
 *
 * Text is split only as finely as needed, coarsest boundary first: Markdown headings,
 * then blank-line paragraphs, then sentences (and line breaks), then words, and only a
 * "word" longer than the limit (a base64 blob, a URL) is cut mid-word. Each unit
 * records how strong the boundary before it is, so the packer can prefer to end
 * chunks at headings and paragraph ends rather than mid-paragraph.
 */
import { countTokens, tokensWithin } from '../ai/tokenizer.js';

/** Boundary strengths, weakest first; also the splitting levels. */
export const Boundary = { Char: 0, Word: 1, Sentence: 2, Paragraph: 3, Heading: 4 } as const;
export type Boundary = (typeof Boundary)[keyof typeof Boundary];
/** The levels found by pattern; below Word, text is cut by size (splitByBytes). */
type PatternLevel = Exclude<Boundary, typeof Boundary.Char>;

export interface Unit {
  start: number;
  end: number;
  /** Strength of the break between the previous unit and this one. */
  boundary: Boundary;
  tokens: number;
}

/** Where the next piece starts: the end of each match (or, for headings, the line start). */
const BREAKS: Record<PatternLevel, RegExp> = {
  // A line that is an ATX heading ("## Title") starts a section.
  [Boundary.Heading]: /\n(?=#{1,6}[ \t]+\S)/g,
  [Boundary.Paragraph]: /\n[ \t]*\n\s*/g,
  // Terminal punctuation (with closing quotes/brackets) followed by space, CJK full
  // stops, and any line break: list items and table rows are "sentences" too.
  [Boundary.Sentence]: /[.!?…]+["'”’)\]]*\s+|[。！？]+\s*|\n\s*/g,
  [Boundary.Word]: /\s+/g,
};

/** Start offsets, strictly inside (start, end), of the pieces `level` splits the span into. */
export function breakPositions(text: string, start: number, end: number, level: PatternLevel): number[] {
  const pattern = new RegExp(BREAKS[level]); // own lastIndex: the shared literal stays untouched
  const span = text.slice(start, end);
  const positions: number[] = [];
  for (const match of span.matchAll(pattern)) {
    // Headings cut after the newline; the others after the whole whitespace run.
    const at = start + match.index + (level === Boundary.Heading ? 1 : match[0].length);
    if (at > start && at < end) positions.push(at);
  }
  return positions;
}

export function splitIntoUnits(text: string, limit: number): Unit[] {
  const units: Unit[] = [];
  const push = (start: number, end: number, boundary: Boundary, tokens?: number) => {
    [start, end] = trimSpan(text, start, end);
    if (start < end) units.push({ start, end, boundary, tokens: tokens ?? countTokens(text.slice(start, end)) });
  };

  const visit = (start: number, end: number, boundary: Boundary, level: Boundary): void => {
    [start, end] = trimSpan(text, start, end);
    if (start >= end) return;
    const tokens = countWithin(text, start, end, limit);
    if (tokens !== false) return push(start, end, boundary, tokens);
    if (level === Boundary.Char) return splitByBytes(text, start, end, boundary, limit, push);
    const cuts = breakPositions(text, start, end, level);
    let pieceStart = start;
    [...cuts, end].forEach((cut, i) => {
      visit(pieceStart, cut, i === 0 ? boundary : level, (level - 1) as Boundary);
      pieceStart = cut;
    });
  };

  visit(0, text.length, Boundary.Heading, Boundary.Heading);
  return units;
}

/**
 * Characters per token beyond which no real text goes: a longer span is taken to be
 * over the limit without tokenising it (it then merely gets split further than strictly
 * necessary). BPE cost grows quadratically with the length of an unbroken run of
 * letters, so a hostile megabyte-long "word" must never reach the tokenizer whole.
 */
const MAX_CHARS_PER_TOKEN = 64;
/** A prefix this many characters per token long settles most over-limit runs cheaply. */
const PREFIX_CHARS_PER_TOKEN = 16;

function countWithin(text: string, start: number, end: number, limit: number): number | false {
  if (end - start > limit * MAX_CHARS_PER_TOKEN) return false;
  const prefixEnd = start + limit * PREFIX_CHARS_PER_TOKEN;
  if (prefixEnd < end && tokensWithin(text.slice(start, prefixEnd), limit) === false) return false;
  return tokensWithin(text.slice(start, end), limit);
}

/**
 * Last resort for a whitespace-free run longer than the limit: pieces of at most
 * `limit` UTF-8 bytes, cut between code points. A byte-level BPE token covers at least
 * one byte, so such a piece can never exceed `limit` tokens, and no tokenising of the
 * whole run is needed to find the cuts. The packer rejoins the pieces into full chunks.
 */
function splitByBytes(
  text: string,
  start: number,
  end: number,
  boundary: Boundary,
  limit: number,
  push: (start: number, end: number, boundary: Boundary) => void,
): void {
  let pieceStart = start;
  let bytes = 0;
  let pieceBoundary = boundary;
  for (let pos = start; pos < end;) {
    const codePoint = text.codePointAt(pos)!;
    const width = codePoint < 0x80 ? 1 : codePoint < 0x800 ? 2 : codePoint < 0x10000 ? 3 : 4;
    if (bytes + width > limit) {
      push(pieceStart, pos, pieceBoundary);
      pieceStart = pos;
      bytes = 0;
      pieceBoundary = Boundary.Char;
    }
    bytes += width;
    pos += codePoint > 0xffff ? 2 : 1;
  }
  push(pieceStart, end, pieceBoundary);
}

const WHITESPACE = /\s/;

export function trimSpan(text: string, start: number, end: number): [number, number] {
  while (start < end && WHITESPACE.test(text[start]!)) start++;
  while (end > start && WHITESPACE.test(text[end - 1]!)) end--;
  return [start, end];
}
