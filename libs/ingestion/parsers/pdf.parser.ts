import { PasswordException, PDFParse } from 'pdf-parse';
import { IngestionError, IngestionMessages } from '../ingestion.error.js';
import type { ParseLimits, ParsedPage } from '../parsed-document.js';

/** One entry per page, numbered as in the PDF, including pages without text. */
export async function parsePdf(bytes: Uint8Array, limits: ParseLimits): Promise<ParsedPage[]> {
  // pdf.js transfers the data to its (in-process) worker, which detaches the buffer;
  // copy unless the caller has handed the bytes over.
  const data = limits.detachInput ? bytes : bytes.slice();
  // isEvalSupported: false stops pdf.js compiling font programs with new Function(),
  // the vector of CVE-2024-4367 (code execution from a crafted font).
  const parser = new PDFParse({ data, isEvalSupported: false });
  try {
    // The page count comes from the page tree, so oversized documents are refused
    // before any page is parsed.
    const { total } = await parser.getInfo();
    if (total > limits.maxPages) {
      throw new IngestionError(IngestionMessages.tooManyPages(total, limits.maxPages), true);
    }
    const { pages } = await parser.getText();
    return pages.map((page) => ({ pageNumber: page.num, text: page.text }));
  } catch (error) {
    throw toIngestionError(error);
  } finally {
    await parser.destroy();
  }
}

function toIngestionError(error: unknown): IngestionError {
  if (error instanceof IngestionError) return error;
  if (error instanceof PasswordException) {
    return new IngestionError(IngestionMessages.encryptedPdf, true, { cause: error });
  }
  // InvalidPDFException, FormatError and whatever else pdf.js trips over: the same bytes
  // will fail the same way on every attempt.
  return new IngestionError(IngestionMessages.corruptPdf, true, { cause: error });
}
