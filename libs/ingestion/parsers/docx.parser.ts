import mammoth from 'mammoth';
import { IngestionError, IngestionMessages } from '../ingestion.error.js';
import type { ParseLimits, ParsedPage } from '../parsed-document.js';
import { checkZipExpansion } from '../zip-bounds.js';
import { parseHtml } from './html.parser.js';

const MB = 1024 * 1024;

/**
 * DOCX has no stable notion of pages (they depend on rendering), so the whole document
 * is page 1. mammoth converts it to HTML (Heading 1–6 styles become <h1>–<h6>, lists,
 * tables), which the HTML parser turns into the same text shape as an HTML upload:
 * headings as "# " lines, so chunks follow the document's sections and carry their
 * heading path.
 */
export async function parseDocx(bytes: Uint8Array, limits: ParseLimits): Promise<ParsedPage[]> {
  // mammoth (JSZip) inflates whole entries in memory: measure the expansion first,
  // stopping at the limit, so a decompression bomb never reaches it.
  await checkZipExpansion(
    bytes,
    { maxUncompressedBytes: limits.maxUncompressedBytes ?? 200 * MB, maxRatio: limits.maxCompressionRatio ?? 100 },
    IngestionMessages.corruptDocx,
  );
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
