import mammoth from 'mammoth';
import { IngestionError, IngestionMessages } from '../ingestion.error.js';
import type { ParseLimits, ParsedPage } from '../parsed-document.js';
import { checkZipExpansion } from '../zip-bounds.js';

const MB = 1024 * 1024;

/**
 * DOCX has no stable notion of pages (they depend on rendering), so the whole document
 * is page 1. mammoth separates paragraphs with blank lines, which the chunker uses.
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
    const { value } = await mammoth.extractRawText({ buffer });
    return [{ pageNumber: 1, text: value }];
  } catch (error) {
    // mammoth/JSZip fail on damaged archives and on ZIPs lacking the parts Word writes.
    throw new IngestionError(IngestionMessages.corruptDocx, true, { cause: error });
  }
}
