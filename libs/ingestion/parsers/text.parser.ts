import { decodeText } from '../text-decoding.js';
import type { ParsedPage } from '../parsed-document.js';

/** Plain text and Markdown: a single page; Markdown syntax is kept because the chunker uses its headings. */
export function parseText(bytes: Uint8Array): ParsedPage[] {
  return [{ pageNumber: 1, text: decodeText(bytes).text }];
}
