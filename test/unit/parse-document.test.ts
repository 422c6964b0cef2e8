import assert from 'node:assert/strict';
import { test } from 'node:test';
import { DOCX_MIME_TYPE } from '../../libs/ingestion/file-type.js';
import { IngestionError } from '../../libs/ingestion/ingestion.error.js';
import { parseDocument } from '../../libs/ingestion/parse.js';
import { makeDocx, makeZip } from '../support/docx-fixtures.js';
import { makeEncryptedPdf, makeImageOnlyPdf, makePdf, makePdfWithOutline, truncate } from '../support/pdf-fixtures.js';
import { chunkPages } from '../../libs/ingestion/chunker.js';

const limits = { maxPages: 100 };
const utf8 = (text: string) => new TextEncoder().encode(text);

/** Asserts that `promise` rejects with an IngestionError with exactly this message and permanence. */
async function assertIngestionError(promise: Promise<unknown>, message: string, permanent = true) {
  await assert.rejects(promise, (error: unknown) => {
    assert.ok(error instanceof IngestionError, `expected IngestionError, got ${String(error)}`);
    assert.equal(error.message, message);
    assert.equal(error.permanent, permanent);
    return true;
  });
}

test('PDF: one entry per page, page numbers and text preserved', async () => {
  const pages = ['First page text.', 'Second page (with parens) and a \\ backslash.', 'Third page: café.'];
  const { pages: parsed } = await parseDocument(makePdf(pages), 'application/pdf', limits);
  assert.deepEqual(
    parsed.map((p) => p.pageNumber),
    pages.map((_, i) => i + 1),
  );
  parsed.forEach((page, i) => assert.equal(page.text, pages[i]));
});

test('PDF: a blank page keeps its place so later page numbers stay right', async () => {
  const { pages } = await parseDocument(makePdf(['alpha', '', 'gamma']), 'application/pdf', limits);
  assert.deepEqual(pages, [
    { pageNumber: 1, text: 'alpha' },
    { pageNumber: 2, text: '' },
    { pageNumber: 3, text: 'gamma' },
  ]);
});

test('PDF: lines within a page stay separate lines', async () => {
  const { pages } = await parseDocument(makePdf(['line one\nline two']), 'application/pdf', limits);
  assert.equal(pages[0]?.text, 'line one\nline two');
});

test('PDF: the caller keeps usable bytes (pdf.js would otherwise detach them)', async () => {
  const bytes = makePdf(['keep me']);
  const length = bytes.byteLength;
  await parseDocument(bytes, 'application/pdf', limits);
  assert.equal(bytes.byteLength, length);
});

test('PDF: more pages than allowed is refused', async () => {
  await assertIngestionError(
    parseDocument(makePdf(['1', '2', '3', '4', '5']), 'application/pdf', { maxPages: 3 }),
    'too many pages (5 > 3)',
  );
});

test('PDF: exactly maxPages pages is accepted', async () => {
  const { pages } = await parseDocument(makePdf(['1', '2', '3']), 'application/pdf', { maxPages: 3 });
  assert.equal(pages.length, 3);
});

test('PDF: encrypted', async () => {
  await assertIngestionError(parseDocument(makeEncryptedPdf(), 'application/pdf', limits), 'encrypted PDF');
});

test('PDF: truncated at several points is corrupt', async () => {
  const pdf = makePdf(['some text that is long enough', 'and a second page']);
  for (const keep of [0.2, 0.5, 0.9, 20]) {
    await assertIngestionError(parseDocument(truncate(pdf, keep), 'application/pdf', limits), 'corrupt PDF');
  }
});

test('PDF: garbage after the signature is corrupt', async () => {
  await assertIngestionError(parseDocument(utf8('%PDF-1.7\nnot really a pdf'), 'application/pdf', limits), 'corrupt PDF');
});

test('PDF: image-only and text-less PDFs have no extractable text', async () => {
  await assertIngestionError(parseDocument(makeImageOnlyPdf(), 'application/pdf', limits), 'no extractable text');
  await assertIngestionError(parseDocument(makePdf(['', '   ']), 'application/pdf', limits), 'no extractable text');
});

test('text: BOMs select the encoding and are not part of the text', async () => {
  const expected = 'Grüße — ok';
  const units = Array.from(expected, (c) => c.charCodeAt(0));
  const le = new Uint8Array([0xff, 0xfe, ...units.flatMap((u) => [u & 0xff, u >> 8])]);
  const be = new Uint8Array([0xfe, 0xff, ...units.flatMap((u) => [u >> 8, u & 0xff])]);
  const withBom = new Uint8Array([0xef, 0xbb, 0xbf, ...utf8(expected)]);
  for (const [name, bytes] of Object.entries({ le, be, withBom })) {
    const { pages } = await parseDocument(bytes, 'text/plain', limits);
    assert.deepEqual(pages, [{ pageNumber: 1, text: expected }], name);
  }
});

test('text: invalid UTF-8 falls back to Latin-1/Windows-1252', async () => {
  const bytes = Uint8Array.from('caf\xe9 \x93quoted\x94', (c) => c.charCodeAt(0));
  const { pages } = await parseDocument(bytes, 'text/plain', limits);
  assert.equal(pages[0]?.text, 'café “quoted”');
});

test('text: newlines, Unicode form, spaces and blank lines are normalised', async () => {
  const raw = 'Cafe\u0301\r\nnext\rline\t\tand   spaces  \n\n\n\n\nafter gap\u0000';
  const { pages } = await parseDocument(utf8(raw), 'text/markdown', limits);
  assert.equal(pages[0]?.text, 'Caf\u00e9\nnext\nline and spaces\n\nafter gap');
});

test('text: empty or whitespace-only has no extractable text', async () => {
  await assertIngestionError(parseDocument(new Uint8Array(0), 'text/plain', limits), 'no extractable text');
  await assertIngestionError(parseDocument(utf8(' \n\t\r\n  \n'), 'text/plain', limits), 'no extractable text');
});

test('HTML: scripts, styles, head and templates are dropped; entities decoded; blocks become lines', async () => {
  const html = `<!doctype html><html><head><title>Page title</title><style>p { color: red }</style>
    <script>var secret = "x";</script></head><body>
    <noscript>enable js</noscript><template><p>template text</p></template>
    <h2>Fish &amp; Chips</h2><p>First   paragraph
      continues.</p><ul><li>one</li><li>two</li></ul><p>a<br>b &lt;tag&gt; &#233;</p>
    <script type="module">document.write("injected")</script></body></html>`;
  const { pages } = await parseDocument(utf8(html), 'text/html', limits);
  assert.equal(pages.length, 1);
  // No <h1>: the <title> becomes the page's top heading, so every section's path starts with it.
  assert.equal(pages[0]?.text, '# Page title\n\n## Fish & Chips\n\nFirst paragraph continues.\n\n- one\n- two\n\na\nb <tag> é');
});

test('HTML: page chrome is dropped (nav, page-level header/footer, aside, navigation roles and classes, hidden); content and its own header stay', async () => {
  const html = `<html><head><title>Site | Doc</title></head><body>
    <header><a href="/">Acme site</a> Login</header>
    <nav><a href="/a">Products</a> <a href="/b">Pricing</a></nav>
    <div class="navheader"><table><tr><td><a href="p.html">Prev</a></td><td><a href="u.html">Up</a></td><td>Home</td><td>Next</td></tr></table></div>
    <div role="navigation">Breadcrumb one</div><ol class="breadcrumb"><li>Docs</li></ol>
    <article><header><h1>Real title</h1></header><p>Body text.</p>
      <table><tr><th>name</th><th>value</th></tr><tr><td>a</td><td>1</td></tr></table>
      <pre>SELECT 1;
  SELECT 2;</pre><footer>Article note.</footer></article>
    <aside>Related posts</aside><div hidden>secret</div><span aria-hidden="true">icon</span>
    <footer>Copyright Acme</footer><div id="cookie-banner">We use cookies</div></body></html>`;
  const text = (await parseDocument(utf8(html), 'text/html', limits)).pages[0]!.text;
  for (const chrome of [
    'Acme site',
    'Products',
    'Prev',
    'Breadcrumb',
    'Docs',
    'Related',
    'secret',
    'icon',
    'Copyright',
    'cookies',
    'Site | Doc',
  ]) {
    assert.ok(!text.includes(chrome), `"${chrome}" is chrome: ${JSON.stringify(text)}`);
  }
  assert.equal(text, '# Real title\n\nBody text.\n\n| name | value\n| a | 1\n\nSELECT 1;\nSELECT 2;\n\nArticle note.');
});

test('HTML: a table of contents is navigation, unless it is all the page has', async () => {
  const toc = `<div class="toc"><dl><dt><a href="a.html">11.1. Introduction</a></dt><dt><a href="b.html">11.2. Index Types</a></dt></dl></div>`;
  const withText = await parseDocument(
    utf8(`<title>Chapter 11. Indexes</title><body><h2>Chapter 11. Indexes</h2>${toc}<p>Indexes speed up queries.</p></body>`),
    'text/html',
    limits,
  );
  assert.equal(withText.pages[0]!.text, '# Chapter 11. Indexes\n\n## Chapter 11. Indexes\n\nIndexes speed up queries.');
  const onlyToc = await parseDocument(utf8(`<title>Contents</title><body>${toc}</body>`), 'text/html', limits);
  assert.match(onlyToc.pages[0]!.text, /11\.2\. Index Types/);
});

test('HTML: when the page marks its main content, only that is kept', async () => {
  const html = `<body><div class="top">Top links</div><div role="main"><h2>Install</h2><p>Run it.</p></div><div>Unrelated footer text</div></body>`;
  const text = (await parseDocument(utf8(html), 'text/html', limits)).pages[0]!.text;
  assert.equal(text, '## Install\n\nRun it.');
});

test('DOCX: paragraphs are extracted', async () => {
  const { pages } = await parseDocument(makeDocx(['Hello <world> & co.', 'Second paragraph.']), DOCX_MIME_TYPE, limits);
  assert.deepEqual(pages, [{ pageNumber: 1, text: 'Hello <world> & co.\n\nSecond paragraph.' }]);
});

test('DOCX: heading styles become headings, so chunks carry the section path', async () => {
  const { pages } = await parseDocument(makeDocx(['# Handbook', 'Intro.', '## Safety', 'Wear gloves.']), DOCX_MIME_TYPE, limits);
  assert.deepEqual(pages, [{ pageNumber: 1, text: '# Handbook\n\nIntro.\n\n## Safety\n\nWear gloves.' }]);
});

test('DOCX: a ZIP that is not a Word document is corrupt', async () => {
  await assertIngestionError(parseDocument(makeZip({ 'a.txt': 'x' }), DOCX_MIME_TYPE, limits), 'corrupt DOCX');
  await assertIngestionError(parseDocument(truncate(makeDocx(['text']), 0.5), DOCX_MIME_TYPE, limits), 'corrupt DOCX');
});

test('an unknown MIME type is unsupported', async () => {
  await assertIngestionError(parseDocument(utf8('x'), 'application/zip', limits), 'unsupported file type');
});

test('PDF: the outline (bookmarks) gives chunks their section paths; pages stay', async () => {
  const pages = [
    'Installation\nUnpack the archive and run the installer.',
    'Configuration\nEdit the settings file.\nNetwork\nOpen port 8080 on the firewall.',
    'The appendix lists every option.',
  ];
  const pdf = makePdfWithOutline(pages, [
    { title: 'Installation', page: 1 },
    { title: 'Configuration', page: 2, children: [{ title: 'Network', page: 2 }] },
    { title: 'Appendix: options', page: 3 },
  ]);
  const { pages: parsed } = await parseDocument(pdf, 'application/pdf', limits);
  assert.deepEqual(
    parsed.map((p) => p.pageNumber),
    [1, 2, 3],
  );
  // A bookmark whose title is a line of its page marks that line; one that is not (page 3) heads the page.
  assert.equal(parsed[1]!.text, '# Configuration\nEdit the settings file.\n## Network\nOpen port 8080 on the firewall.');
  assert.equal(parsed[2]!.text, '# Appendix: options\nThe appendix lists every option.');
  const chunks = chunkPages(parsed, { targetTokens: 16, overlapTokens: 0 });
  const where = chunks.map((c) => [c.section, c.pageFrom, c.pageTo]);
  for (const expected of [
    ['Installation', 1, 1],
    ['Configuration › Network', 2, 2],
    ['Appendix: options', 3, 3],
  ])
    assert.ok(
      where.some((w) => JSON.stringify(w) === JSON.stringify(expected)),
      `${JSON.stringify(expected)} in ${JSON.stringify(where)}`,
    );
});

test('PDF: without an outline, pages have no headings added', async () => {
  const { pages } = await parseDocument(makePdf(['Installation\nUnpack it.']), 'application/pdf', limits);
  assert.equal(pages[0]!.text, 'Installation\nUnpack it.');
});
