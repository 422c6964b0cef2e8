import mammoth from 'mammoth';
import { IngestionError, IngestionMessages } from '../ingestion.error.js';
import type { ParsedPage } from '../parsed-document.js';
import { parseHtml } from './html.parser.js';

/**
 * DOCX has no stable notion of pages (they depend on rendering), so the whole document
 * is page 1. mammoth converts it to HTML (Heading 1–6 styles become <h1>–<h6>, lists,
 * tables), which the HTML parser turns into the same text shape as an HTML upload:
 * headings as "# " lines, so chunks follow the document's sections and carry their
 * heading path.
 */
export async function parseDocx(bytes: Uint8Array): Promise<ParsedPage[]> {
  // A Buffer view over the same memory: no copy.
  const buffer = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  try {
    const { value } = await mammoth.convertToHtml({ buffer });
    return parseHtml(new TextEncoder().encode(value));
  } catch (error) {
    // mammoth/JSZip fail on damaged archives and on ZIPs lacking the parts Word writes.
    throw new IngestionError(IngestionMessages.corruptDocx, true, { cause: error });
  }
}
