import { PasswordException, PDFParse, type OutlineNode } from 'pdf-parse';
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
    const { total, outline } = await parser.getInfo();
    if (total > limits.maxPages) {
      throw new IngestionError(IngestionMessages.tooManyPages(total, limits.maxPages), true);
    }
    const { pages } = await parser.getText();
    const headings = outline?.length ? await outlineHeadings(parser, outline) : [];
    return pages.map((page) => ({
      pageNumber: page.num,
      text: withHeadings(
        page.text,
        headings.filter((h) => h.page === page.num),
      ),
    }));
  } catch (error) {
    throw toIngestionError(error);
  } finally {
    await parser.destroy();
  }
}

/** A bookmark of the outline: its depth (1 = top level), title and the page it points at. */
interface OutlineHeading {
  level: number;
  title: string;
  page: number;
}

/** Bookmarks read at most: an outline is a table of contents, not a second copy of the document. */
const MAX_OUTLINE_ENTRIES = 5000;

/**
 * The outline (bookmarks) in document order, each with the page its destination names; entries that point
 * nowhere (a URL, a broken destination) are left out. pdf-parse hands over the outline but not the page of a
 * destination: that takes pdf.js's document (getDestination, getPageIndex), which pdf-parse 2.x keeps in its
 * private `doc` once loaded (getInfo loads it).
 */
async function outlineHeadings(parser: PDFParse, outline: readonly OutlineNode[]): Promise<OutlineHeading[]> {
  const doc = (parser as unknown as { doc?: PdfDocument }).doc;
  if (!doc) return [];
  const headings: OutlineHeading[] = [];
  const visit = async (nodes: readonly OutlineNode[], level: number): Promise<void> => {
    for (const node of nodes) {
      if (headings.length >= MAX_OUTLINE_ENTRIES) return;
      const title = node.title?.replace(/\s+/g, ' ').trim();
      const page = await destinationPage(doc, node.dest).catch(() => undefined);
      if (title && page) headings.push({ level, title, page });
      if (node.items?.length) await visit(node.items as OutlineNode[], level + 1);
    }
  };
  await visit(outline, 1);
  return headings;
}

/** The part of pdf.js's PDFDocumentProxy used here. */
interface PdfDocument {
  getDestination(id: string): Promise<unknown[] | null>;
  getPageIndex(ref: { num: number; gen: number }): Promise<number>;
}

/** 1-based page of a destination (named, or explicit: [page ref or index, fit, …]). */
async function destinationPage(doc: PdfDocument, dest: OutlineNode['dest']): Promise<number | undefined> {
  const explicit = typeof dest === 'string' ? await doc.getDestination(dest) : dest;
  const target: unknown = Array.isArray(explicit) ? (explicit as unknown[])[0] : undefined;
  if (typeof target === 'number') return target + 1;
  if (target && typeof target === 'object' && 'num' in target) return (await doc.getPageIndex(target as { num: number; gen: number })) + 1;
  return undefined;
}

/**
 * The page's text with its bookmarks as Markdown headings, which the chunker turns into section paths
 * (chunker.ts): a bookmark whose title is a line of the page becomes that line's heading; one not found in
 * the text is put at the top of the page.
 */
function withHeadings(text: string, headings: readonly OutlineHeading[]): string {
  if (!headings.length) return text;
  const lines = text.split('\n');
  const top: string[] = [];
  const squash = (t: string) => t.replace(/\s+/g, ' ').trim().toLowerCase();
  for (const h of headings) {
    const marker = `${'#'.repeat(Math.min(h.level, 6))} `;
    const at = lines.findIndex((line) => !/^#{1,6} /.test(line) && squash(line) === squash(h.title));
    if (at >= 0) lines[at] = marker + lines[at]!.trim();
    else top.push(marker + h.title);
  }
  return [...top, ...lines].join('\n');
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
