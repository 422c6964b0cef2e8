import { DOCX_MIME_TYPE } from './file-type.js';
import { IngestionError, IngestionMessages } from './ingestion.error.js';
import { normalizeText } from './normalize-text.js';
import type { ParseLimits, ParsedDocument, ParsedPage } from './parsed-document.js';

export type { ParseLimits, ParsedDocument, ParsedPage } from './parsed-document.js';

/**
 * Extracts normalised text per page from a document whose type was established by
 * detectFileType (never by the client's claims). Throws IngestionError on failure.
 *
 * Runs the parsers in the calling thread: for untrusted uploads use parseInSandbox,
 * which runs this in a child process with a time limit and a cap on its whole memory.
 */
export async function parseDocument(bytes: Uint8Array, mimeType: string, limits: ParseLimits): Promise<ParsedDocument> {
  const pages = (await extractPages(bytes, mimeType, limits)).map((page) => ({
    pageNumber: page.pageNumber,
    text: normalizeText(page.text),
  }));
  // Whitespace-only text, an empty file and a scanned (image-only) PDF all end up here.
  if (pages.every((page) => page.text === '')) {
    throw new IngestionError(IngestionMessages.noText, true);
  }
  return { pages };
}

/**
 * Parsers are imported on demand so that a sandbox worker parsing a text file does not
 * pay for loading pdf.js, and one parsing a PDF does not load mammoth.
 */
async function extractPages(bytes: Uint8Array, mimeType: string, limits: ParseLimits): Promise<ParsedPage[]> {
  switch (mimeType) {
    case 'application/pdf':
      return (await import('./parsers/pdf.parser.js')).parsePdf(bytes, limits);
    case DOCX_MIME_TYPE:
      return (await import('./parsers/docx.parser.js')).parseDocx(bytes, limits);
    case 'text/html':
      return (await import('./parsers/html.parser.js')).parseHtml(bytes);
    case 'text/plain':
    case 'text/markdown':
      return (await import('./parsers/text.parser.js')).parseText(bytes);
    default:
      throw new IngestionError(IngestionMessages.unsupported, true);
  }
}
