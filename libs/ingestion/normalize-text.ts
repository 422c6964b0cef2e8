/**
 * The one normalisation every extracted page goes through, whatever its format, so
 * chunking and embedding see the same shape of text from PDF, DOCX, HTML and plain text.
 *
 * The output is for retrieval and citation, not for re-rendering: indentation and
 * runs of spaces carry no meaning for either, so they are collapsed.
 */

// Line separators of every origin (CRLF, CR, form feed, vertical tab, NEL, LS, PS).
const LINE_BREAKS = /\r\n?|[\v\f\u0085\u2028\u2029]/g;
// C0/C1 controls other than \t and \n, and BOMs left inside the text. NUL in particular
// must go: PostgreSQL refuses it in text columns.
const CONTROLS = /[\u0000-\u0008\u000e-\u001f\u007f-\u0084\u0086-\u009f\ufeff]/g;
// Unpaired UTF-16 surrogates (from broken PDFs) cannot be encoded as UTF-8.
const LONE_SURROGATES = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g;
// Tabs, NBSP and the other Unicode space separators.
const SPACE_RUNS = /[\t \u00a0\u1680\u2000-\u200a\u202f\u205f\u3000]+/g;

export function normalizeText(text: string): string {
  return text
    .replace(LINE_BREAKS, '\n')
    .replace(CONTROLS, '')
    .replace(LONE_SURROGATES, '\ufffd')
    .normalize('NFC')
    .replace(SPACE_RUNS, ' ')
    .replace(/ ?\n ?/g, '\n') // spaces were collapsed above, so at most one sits on each side
    .replace(/\n{3,}/g, '\n\n')
    .trim();
}
