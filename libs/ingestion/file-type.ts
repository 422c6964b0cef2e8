/**
 * What an upload really is, decided from its bytes alone. The client's file name and
 * Content-Type are attacker-controlled and are never consulted: a renamed executable
 * must be refused, and a PDF called "notes.txt" is still a PDF.
 */
import { decodeText, detectBom } from './text-decoding.js';
import { listZipEntries } from './zip-entries.js';

export const DOCX_MIME_TYPE = 'application/vnd.openxmlformats-officedocument.wordprocessingml.document';

export const SUPPORTED_MIME_TYPES = ['application/pdf', DOCX_MIME_TYPE, 'text/html', 'text/markdown', 'text/plain'] as const;

export type SupportedMimeType = (typeof SUPPORTED_MIME_TYPES)[number];

export interface DetectedFileType {
  mimeType: SupportedMimeType;
  ext: 'pdf' | 'docx' | 'html' | 'md' | 'txt';
}

/** How much of a text file is inspected; enough to judge, small enough to be cheap on 50 MB uploads. */
const TEXT_SNIFF_BYTES = 64 * 1024;

/**
 * Pass the whole file when you have it: for ZIP containers the entry list is read from
 * the central directory at the end of the file (a head of the file works too as long
 * as it reaches the local header of word/document.xml).
 */
export function detectFileType(head: Uint8Array): DetectedFileType | null {
  if (head.length === 0) return null;
  if (startsWith(head, PDF_MAGIC)) return { mimeType: 'application/pdf', ext: 'pdf' };
  if (startsWith(head, ZIP_MAGIC)) {
    // A DOCX is a ZIP with word/document.xml; any other ZIP (xlsx, jar, plain archive) is refused.
    return listZipEntries(head).includes('word/document.xml') ? { mimeType: DOCX_MIME_TYPE, ext: 'docx' } : null;
  }
  const text = sniffText(head.subarray(0, TEXT_SNIFF_BYTES));
  if (text === null) return null;
  if (looksLikeHtml(text)) return { mimeType: 'text/html', ext: 'html' };
  if (looksLikeMarkdown(text)) return { mimeType: 'text/markdown', ext: 'md' };
  return { mimeType: 'text/plain', ext: 'txt' };
}

const PDF_MAGIC = [0x25, 0x50, 0x44, 0x46, 0x2d]; // "%PDF-"
const ZIP_MAGIC = [0x50, 0x4b, 0x03, 0x04]; // "PK\3\4"

function startsWith(bytes: Uint8Array, magic: number[]): boolean {
  return bytes.length >= magic.length && magic.every((b, i) => bytes[i] === b);
}

// Controls that never occur in human-written text (tab, LF, VT, FF, CR and ESC, which
// coloured logs contain, are allowed), plus the C1 range that undefined Windows-1252
// bytes decode to. Binary formats hit these within a few bytes.
const BINARY_CONTROLS = /[\u0000-\u0008\u000e-\u001a\u001c-\u001f\u007f-\u009f]/;
// Text that isn't UTF-8 is only believed to be Latin-1/Windows-1252 when it is mostly ASCII.
const MAX_HIGH_BYTE_RATIO = 0.3;

/** The decoded text when the bytes look like human-readable text, else null. */
function sniffText(sample: Uint8Array): string | null {
  // Without a BOM a NUL byte means binary (or BOM-less UTF-16, which we don't accept).
  if (!detectBom(sample) && sample.includes(0)) return null;
  const { text, encoding } = decodeText(sample, { partial: true });
  if (BINARY_CONTROLS.test(text)) return null;
  if (encoding === 'windows-1252') {
    let high = 0;
    for (const byte of sample) if (byte >= 0x80) high++;
    if (high / sample.length > MAX_HIGH_BYTE_RATIO) return null;
  }
  return text;
}

/** Leading whitespace, comments and XML/processing instructions, which may precede the root tag. */
const HTML_PREAMBLE = /^(?:\s|<!--[\s\S]*?-->|<\?[\s\S]*?\?>)*/;

function looksLikeHtml(text: string): boolean {
  const start = text.replace(HTML_PREAMBLE, '');
  if (/^<!doctype\s+html[\s>]/i.test(start) || /^<html[\s>]/i.test(start)) return true;
  // Documents that omit <html> but open with markup and have a <head>/<body> early on.
  return start.startsWith('<') && /<(?:head|body)[\s>]/i.test(start.slice(0, 1024));
}

const MD_HEADING = /^#{1,6}[ \t]+\S/;
const MD_FENCE = /^[ \t]{0,3}(?:```|~~~)/;
const MD_LIST_ITEM = /^[ \t]*(?:[-*+]|\d{1,9}[.)])[ \t]+\S/;
const MD_LINK = /\[[^\]\n]+\]\([^)\s]+\)/;
const MD_SCAN_LINES = 400;

/**
 * Markdown structure, not just markdown-ish characters: one ATX heading, fence or
 * inline link is decisive; list items need company (a single "- " line is common in
 * plain text).
 */
function looksLikeMarkdown(text: string): boolean {
  let listItems = 0;
  for (const line of text.split('\n', MD_SCAN_LINES)) {
    if (MD_HEADING.test(line) || MD_FENCE.test(line) || MD_LINK.test(line)) return true;
    if (MD_LIST_ITEM.test(line) && ++listItems >= 2) return true;
  }
  return false;
}

const MAX_FILENAME_LENGTH = 255;
// Control characters, line/paragraph separators, BOM and the bidirectional overrides
// used to disguise extensions ("invoice\u202Efdp.exe" displays as "invoiceexe.pdf").
const FILENAME_JUNK = /[\p{Cc}\u2028\u2029\ufeff\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]/gu;

/**
 * The client's file name reduced to a display label: no directories, no control or
 * bidi characters, at most 255 characters. It is data to show the user, never a path.
 */
export function describeFilename(name: string): string {
  const segments = String(name ?? '')
    .split(/[\\/]/)
    .map((s) => s.replace(FILENAME_JUNK, '').normalize('NFC').trim());
  // The last real segment: "docs/report.pdf/" → "report.pdf", "../.." → nothing.
  const base = segments.reverse().find((s) => s !== '' && s !== '.' && s !== '..');
  return base ? truncateKeepingExtension(base, MAX_FILENAME_LENGTH) : 'untitled';
}

/** Cuts by code points (never inside a surrogate pair) and keeps a short extension visible. */
function truncateKeepingExtension(name: string, max: number): string {
  const chars = Array.from(name);
  if (chars.length <= max) return name;
  const dot = name.lastIndexOf('.');
  const ext = dot > 0 ? Array.from(name.slice(dot)) : [];
  if (ext.length > 1 && ext.length <= 16) {
    return (
      Array.from(name.slice(0, dot))
        .slice(0, max - ext.length)
        .join('')
        .trimEnd() + ext.join('')
    );
  }
  return chars.slice(0, max).join('').trimEnd();
}
