import { extname } from 'node:path';
import { detectFileType, type DetectedFileType } from '#libs/ingestion/file-type.js';
import { isZip } from '#libs/ingestion/zip-entries.js';

/**
 * The file name endings of each type the API accepts (libs/ingestion/file-type.ts): typed by
 * the API's own list, so a type added there must be added here. The API decides by content,
 * never by name; the name only spares reading and sending what it would refuse.
 */
const EXTENSIONS: Record<DetectedFileType['ext'], string[]> = {
  pdf: ['.pdf'],
  docx: ['.docx'],
  html: ['.html', '.htm'],
  md: ['.md', '.markdown'],
  txt: ['.txt', '.text'],
};
const SUPPORTED = new Set(Object.values(EXTENSIONS).flat());

export const SUPPORTED_EXTENSIONS = [...SUPPORTED];

/** The ending (lower case, '(none)' when there is none) when it is not one the API takes, else null. */
export function unsupportedExtension(rel: string): string | null {
  const ext = extname(rel).toLowerCase();
  return SUPPORTED.has(ext) ? null : ext || '(none)';
}

/**
 * Whether the file's first bytes are of a type the API accepts, judged by the API's own
 * detector. A ZIP is left to the server: whether it is a DOCX is written in its central
 * directory at the end of the file, which the head may not reach.
 */
export function headLooksSupported(head: Uint8Array): boolean {
  return isZip(head) || detectFileType(head) !== null;
}
