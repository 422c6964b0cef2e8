import { Parser } from 'htmlparser2';
import { decodeText } from '../text-decoding.js';
import type { ParsedPage } from '../parsed-document.js';

/** Elements whose content is never document text (code, styling, metadata, embedded media). */
const SKIPPED = new Set(['head', 'script', 'style', 'noscript', 'template', 'svg', 'math', 'iframe', 'object']);

/** Elements that end a paragraph: a blank line on either side, so the chunker can split there. */
const BLOCKS = new Set([
  'address', 'article', 'aside', 'blockquote', 'body', 'caption', 'details', 'dialog', 'div', 'dl',
  'fieldset', 'figcaption', 'figure', 'footer', 'form', 'header', 'hgroup', 'hr', 'html', 'main',
  'nav', 'ol', 'p', 'pre', 'section', 'summary', 'table', 'tbody', 'tfoot', 'thead', 'ul',
]);

/**
 * Elements that start a new line but not a paragraph. Only their opening counts, so
 * consecutive items/rows don't get blank lines between them (the enclosing list or
 * table ends the paragraph).
 */
const LINES = new Set(['dd', 'dt', 'li', 'tr']);

/** Table cells are separated by a space so adjacent cells don't run together. */
const CELLS = new Set(['td', 'th']);

const HEADING = /^h([1-6])$/;

/**
 * HTML → text with a real (forgiving, streaming) parser rather than regexes, which
 * mis-handle comments, CDATA, attributes containing '>' and unclosed tags.
 *
 * Headings are written as Markdown "# " lines and list items as "- " lines, so the
 * chunker treats HTML structure the same way as Markdown's. The charset is sniffed from
 * the bytes (BOM, UTF-8, else Windows-1252) like any text upload; <meta charset> is not
 * trusted.
 */
export function parseHtml(bytes: Uint8Array): ParsedPage[] {
  const out: string[] = [];
  let skipDepth = 0; // > 0 while inside a skipped element (they can nest: <svg> in <noscript>)
  let preDepth = 0; // > 0 inside <pre>, where line breaks in the source are content

  const parser = new Parser(
    {
      onopentag(name) {
        if (SKIPPED.has(name)) skipDepth++;
        if (skipDepth > 0) return;
        if (name === 'pre') preDepth++;
        const heading = HEADING.exec(name);
        if (heading) out.push(`\n\n${'#'.repeat(Number(heading[1]))} `);
        else if (BLOCKS.has(name)) out.push('\n\n');
        else if (name === 'li') out.push('\n- ');
        else if (LINES.has(name) || name === 'br') out.push('\n');
        else if (CELLS.has(name)) out.push(' ');
      },
      onclosetag(name) {
        if (SKIPPED.has(name)) {
          skipDepth = Math.max(0, skipDepth - 1);
          return;
        }
        if (skipDepth > 0) return;
        if (name === 'pre') preDepth = Math.max(0, preDepth - 1);
        if (HEADING.test(name) || BLOCKS.has(name)) out.push('\n\n');
      },
      ontext(text) {
        if (skipDepth > 0) return;
        // Outside <pre>, source line breaks and indentation are just inter-word space.
        out.push(preDepth > 0 ? text : text.replace(/\s+/g, ' '));
      },
    },
    { decodeEntities: true, lowerCaseTags: true },
  );
  parser.write(decodeText(bytes).text);
  parser.end();
  return [{ pageNumber: 1, text: out.join('') }];
}
