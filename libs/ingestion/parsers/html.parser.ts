import { Parser } from 'htmlparser2';
import { decodeText } from '../text-decoding.js';
import type { ParsedPage } from '../parsed-document.js';

/** Elements whose content is never document text (code, styling, metadata, embedded media, controls). */
const SKIPPED = new Set([
  'head',
  'title',
  'script',
  'style',
  'noscript',
  'template',
  'svg',
  'math',
  'iframe',
  'object',
  'button',
  'select',
  'dialog',
]);

/**
 * Page chrome rather than content: site navigation, asides and page-level footers. A
 * `<header>`/`<footer>` inside an article or section belongs to it (its title, its
 * notes) and is kept; at page level it is the site's banner or footer.
 */
const CHROME = new Set(['nav', 'aside']);
const PAGE_LEVEL_CHROME = new Set(['header', 'footer']);
const SECTIONING = new Set(['article', 'section', 'main']);
const CHROME_ROLES = new Set(['navigation', 'banner', 'contentinfo', 'complementary', 'search', 'menu', 'menubar', 'toolbar']);
/**
 * Class or id tokens of navigation blocks that are not marked up as <nav>: DocBook's
 * navheader/navfooter tables (the PostgreSQL manual's "Prev Up Home Next" on every
 * page), breadcrumbs, skip links, menus, sidebars, cookie banners, and tables of contents:
 * a chapter's list of its sections' titles matched every question about any of them and
 * outranked the sections themselves (bench/EVAL.md).
 */
const CHROME_NAME =
  /^(?:nav|navbar|navheader|navfooter|navigation|breadcrumbs?|skip-?(?:link|nav|to-content)|menu|sidebar|site-?(?:header|footer|nav)|cookie[-_a-z]*|pager|pagination|toc|toctree-wrapper|table-of-contents|mw-toc)$/i;

/** Elements that end a paragraph: a blank line on either side, so the chunker can split there. */
const BLOCKS = new Set([
  'address',
  'article',
  'aside',
  'blockquote',
  'body',
  'caption',
  'details',
  'div',
  'dl',
  'fieldset',
  'figcaption',
  'figure',
  'footer',
  'form',
  'header',
  'hgroup',
  'hr',
  'html',
  'main',
  'nav',
  'ol',
  'p',
  'pre',
  'section',
  'summary',
  'table',
  'tbody',
  'tfoot',
  'thead',
  'ul',
]);

/**
 * Elements that start a new line but not a paragraph. Only their opening counts, so
 * consecutive items/rows don't get blank lines between them (the enclosing list or
 * table ends the paragraph).
 */
const LINES = new Set(['dd', 'dt', 'li', 'tr']);

/** Table cells are separated so adjacent cells don't run together. */
const CELLS = new Set(['td', 'th']);

const HEADING = /^h([1-6])$/;

/** Void elements never get a closing tag, so they must not open a skipped range. */
const VOID = new Set(['area', 'base', 'br', 'col', 'embed', 'hr', 'img', 'input', 'link', 'meta', 'source', 'track', 'wbr']);

function isChrome(name: string, attrs: Record<string, string>, sectioningDepth: number): boolean {
  if (CHROME.has(name)) return true;
  if (PAGE_LEVEL_CHROME.has(name) && sectioningDepth === 0) return true;
  if ('hidden' in attrs || attrs['aria-hidden'] === 'true') return true;
  if (attrs.role && CHROME_ROLES.has(attrs.role.toLowerCase())) return true;
  const names = `${attrs.class ?? ''} ${attrs.id ?? ''}`.split(/\s+/);
  return names.some((n) => n && CHROME_NAME.test(n));
}

/**
 * HTML → the page's main content as text, with a real (forgiving, streaming) parser
 * rather than regexes, which mis-handle comments, CDATA, attributes containing '>'
 * and unclosed tags.
 *
 * Main content: when the page marks it (`<main>`, `role="main"`), only that; in any
 * case without page chrome (see isChrome): navigation repeated on every page would
 * otherwise be in every chunk, match every query and be quoted in answers. Rules over
 * the parser rather than a readability library, chosen by measuring both on the
 * PostgreSQL manual's 1,169 pages (bench/EVAL.md): these rules kept every word of each
 * page's content and no navigation bar, at 5.6 ms a page; @mozilla/readability over
 * linkedom kept 92 % of the content words (it drops blocks it finds "not
 * article-like", such as synopses and link lists), left the navigation on 3 pages and
 * took 67 ms a page.
 *
 * Headings are written as Markdown "# " lines and list items as "- " lines, so the
 * chunker treats HTML structure the same way as Markdown's (sections, heading paths).
 * A page without an <h1> gets its <title> as one, so every section's heading path
 * starts with the page's name (DocBook pages title themselves with <h2>). The charset
 * is sniffed from the bytes (BOM, UTF-8, else Windows-1252) like any text upload;
 * <meta charset> is not trusted.
 */
export function parseHtml(bytes: Uint8Array): ParsedPage[] {
  const all: string[] = [];
  const main: string[] = [];
  let mainDepth = 0; // > 0 inside the page's marked main content
  let sawMain = false;
  let skipDepth = 0; // > 0 inside a skipped element (they can nest: <svg> in <noscript>)
  const skipStack: number[] = []; // depths at which skipping elements were opened
  let depth = 0; // open elements (non-void)
  let mainAt = -1;
  let sectioningDepth = 0;
  let preDepth = 0; // > 0 inside <pre>, where line breaks in the source are content
  let inTitle = false;
  let title = '';
  let sawH1 = false;

  const withChrome: string[] = []; // the same with chrome kept, for a page that is nothing but chrome
  let chromeDepth = 0;
  const chromeStack: number[] = [];
  const push = (s: string) => {
    withChrome.push(s);
    if (chromeDepth > 0) return;
    all.push(s);
    if (mainDepth > 0) main.push(s);
  };

  const parser = new Parser(
    {
      onopentag(name, attrs) {
        // The document's <title> (in the skipped <head>); the first one only, not an SVG's.
        if (name === 'title' && !title) inTitle = true;
        if (VOID.has(name)) {
          if (skipDepth > 0) return;
          if (name === 'br') push('\n');
          else if (name === 'hr') push('\n\n');
          return;
        }
        depth++;
        if (skipDepth > 0 || SKIPPED.has(name)) {
          // head is skipped as text, but its <title> is read (above, and in ontext).
          skipDepth++;
          skipStack.push(depth);
          return;
        }
        if (isChrome(name, attrs, sectioningDepth)) {
          chromeDepth++;
          chromeStack.push(depth);
        }
        if (SECTIONING.has(name)) sectioningDepth++;
        if (mainAt < 0 && (name === 'main' || attrs.role?.toLowerCase() === 'main')) {
          mainAt = depth;
          mainDepth++;
          sawMain = true;
        }
        if (name === 'pre') preDepth++;
        const heading = HEADING.exec(name);
        if (heading) {
          if (heading[1] === '1') sawH1 = true;
          push(`\n\n${'#'.repeat(Number(heading[1]))} `);
        } else if (BLOCKS.has(name)) push('\n\n');
        else if (name === 'li') push('\n- ');
        else if (LINES.has(name)) push('\n');
        else if (CELLS.has(name)) push(' | ');
      },
      onclosetag(name) {
        if (name === 'title') inTitle = false;
        if (VOID.has(name)) return;
        const closing = depth--;
        if (skipStack.length && skipStack[skipStack.length - 1] === closing) {
          skipStack.pop();
          skipDepth--;
          return;
        }
        if (skipDepth > 0) return;
        if (SECTIONING.has(name)) sectioningDepth = Math.max(0, sectioningDepth - 1);
        const endsChrome = chromeStack.length > 0 && chromeStack[chromeStack.length - 1] === closing;
        if (name === 'pre') preDepth = Math.max(0, preDepth - 1);
        if (HEADING.test(name) || BLOCKS.has(name)) push('\n\n');
        if (endsChrome) {
          chromeStack.pop();
          chromeDepth--;
        }
        if (closing === mainAt) {
          mainDepth--;
          mainAt = -1;
        }
      },
      ontext(text) {
        if (inTitle) title += text;
        if (skipDepth > 0) return;
        // Outside <pre>, source line breaks and indentation are just inter-word space.
        push(preDepth > 0 ? text : text.replace(/\s+/g, ' '));
      },
    },
    { decodeEntities: true, lowerCaseTags: true },
  );
  parser.write(decodeText(bytes).text);
  parser.end();
  let text = (sawMain ? main : all).join('');
  // A page that is nothing but chrome (a site map, a bare table of contents) keeps it: better than no text at all.
  if (!hasBodyText(text)) text = withChrome.join('');
  title = title.replace(/\s+/g, ' ').trim();
  if (title && !sawH1) text = `# ${title}\n\n${text}`;
  return [{ pageNumber: 1, text }];
}

/** Text beyond headings: a page whose content is only its title has nothing to answer with. */
function hasBodyText(text: string): boolean {
  return text.split('\n').some((line) => line.trim() !== '' && !/^#{1,6} /.test(line) && /[\p{L}\p{N}]/u.test(line));
}
