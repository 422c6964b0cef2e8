/** The output of every parser: text per page, pages numbered from 1 as the user sees them. */
export interface ParsedPage {
  pageNumber: number;
  text: string;
}

export interface ParsedDocument {
  pages: ParsedPage[];
}

export interface ParseLimits {
  /** Documents with more pages are refused before any text is extracted. */
  maxPages: number;
  /**
   * Let the parser take ownership of `bytes` (their ArrayBuffer may be detached) instead
   * of copying them. Only for callers that never look at the bytes again, such as the
   * sandbox worker, where it saves a copy of the whole file.
   */
  detachInput?: boolean;
  /**
   * Archives (DOCX) are refused when their entries together inflate to more than this,
   * or an entry over 1 MB inflates more than maxCompressionRatio-fold; checked while
   * inflating (zip-bounds.ts). Defaults: 200 MB, 100.
   */
  maxUncompressedBytes?: number;
  maxCompressionRatio?: number;
}
