import assert from 'node:assert/strict';
import { test } from 'node:test';
import { describeFilename, detectFileType, DOCX_MIME_TYPE } from '../../libs/ingestion/file-type.js';
import { makeDocx, makeZip } from '../support/docx-fixtures.js';
import { makePdf } from '../support/pdf-fixtures.js';

const utf8 = (text: string) => new TextEncoder().encode(text);

function utf16(text: string, endian: 'le' | 'be'): Uint8Array {
  const out = new Uint8Array(2 + text.length * 2);
  out.set(endian === 'le' ? [0xff, 0xfe] : [0xfe, 0xff]);
  for (let i = 0; i < text.length; i++) {
    const unit = text.charCodeAt(i);
    const [lo, hi] = [unit & 0xff, unit >> 8];
    out.set(endian === 'le' ? [lo, hi] : [hi, lo], 2 + i * 2);
  }
  return out;
}

/** Deterministic pseudo-random bytes (xorshift32), so failures are reproducible. */
function pseudoRandomBytes(length: number, seed: number): Uint8Array {
  const out = new Uint8Array(length);
  let x = seed;
  for (let i = 0; i < length; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    out[i] = x & 0xff;
  }
  return out;
}

function withMagic(magic: number[], length: number): Uint8Array {
  const out = pseudoRandomBytes(length, 12345);
  out.set(magic);
  return out;
}

test('PDF is recognised by its %PDF- signature', () => {
  assert.deepEqual(detectFileType(makePdf(['hello'])), { mimeType: 'application/pdf', ext: 'pdf' });
});

test('DOCX is a ZIP containing word/document.xml', () => {
  assert.deepEqual(detectFileType(makeDocx(['hello'])), { mimeType: DOCX_MIME_TYPE, ext: 'docx' });
});

test('DOCX is recognised from a head of the file that reaches word/document.xml', () => {
  const docx = makeDocx(['hello']);
  const complete = detectFileType(docx);
  // Without the central directory at the end, the local headers are walked instead.
  const head = docx.subarray(0, docx.length - 200);
  assert.equal(detectFileType(head)?.mimeType, complete?.mimeType);
});

test('a ZIP without word/document.xml is refused', () => {
  assert.equal(detectFileType(makeZip({ 'notes.txt': 'hello', 'word/other.xml': '<x/>' })), null);
});

test('HTML is recognised through a leading BOM, comment and doctype', () => {
  const html = '\ufeff  <!-- generated -->\n<!DOCTYPE html>\n<html><body><p>Hi</p></body></html>';
  assert.deepEqual(detectFileType(utf8(html)), { mimeType: 'text/html', ext: 'html' });
  assert.equal(detectFileType(utf8('<HTML lang="en"><p>x</p></HTML>'))?.mimeType, 'text/html');
  assert.equal(detectFileType(utf8('<meta charset="utf-8">\n<body>text</body>'))?.mimeType, 'text/html');
});

test('Markdown needs Markdown structure; otherwise it is plain text', () => {
  assert.deepEqual(detectFileType(utf8('# Title\n\nSome text.\n')), { mimeType: 'text/markdown', ext: 'md' });
  assert.equal(detectFileType(utf8('Intro\n\n- first\n- second\n'))?.mimeType, 'text/markdown');
  assert.equal(detectFileType(utf8('Code:\n```js\nlet x = 1;\n```\n'))?.mimeType, 'text/markdown');
  // A single dash line, a hash without a space, HTML inside a fence: not HTML, not Markdown.
  assert.deepEqual(detectFileType(utf8('Dear team,\n- signed, Bob\n#hashtag\n')), { mimeType: 'text/plain', ext: 'txt' });
  assert.equal(detectFileType(utf8('## Embed\n```\n<body>\n```\n'))?.mimeType, 'text/markdown');
});

test('plain text in UTF-8, UTF-16 with BOM and Latin-1 is text', () => {
  assert.equal(detectFileType(utf8('Grüße aus Köln — 日本語も大丈夫.\n'))?.mimeType, 'text/plain');
  assert.equal(detectFileType(utf16('Hello from UTF-16LE.\r\n', 'le'))?.mimeType, 'text/plain');
  assert.equal(detectFileType(utf16('# Heading in UTF-16BE\n', 'be'))?.mimeType, 'text/markdown');
  const latin1 = Uint8Array.from('Caf\xe9 cr\xe8me br\xfbl\xe9e, na\xefve.', (c) => c.charCodeAt(0));
  assert.equal(detectFileType(latin1)?.mimeType, 'text/plain');
});

test('"%PDF-" later in a text file does not make it a PDF', () => {
  assert.equal(detectFileType(utf8('see attachment %PDF-1.7 for details'))?.mimeType, 'text/plain');
});

test('executables, images, empty input and binary junk are refused, whatever they are called', () => {
  const elf = withMagic([0x7f, 0x45, 0x4c, 0x46, 0x02, 0x01, 0x01, 0x00], 4096); // an ELF "renamed to report.pdf"
  const pe = withMagic([0x4d, 0x5a, 0x90, 0x00, 0x03, 0x00], 4096);
  const png = withMagic([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 0x0d, 0x49, 0x48, 0x44, 0x52], 2048);
  const jpeg = withMagic([0xff, 0xd8, 0xff, 0xe0], 2048);
  const cases = { elf, pe, png, jpeg, empty: new Uint8Array(0), random: pseudoRandomBytes(8192, 987654321) };
  for (const [name, bytes] of Object.entries(cases)) {
    assert.equal(detectFileType(bytes), null, name);
  }
});

test('text with embedded NULs or control bytes is binary', () => {
  assert.equal(detectFileType(utf8('looks like text\u0000but is not')), null);
  assert.equal(detectFileType(utf8('bell\u0007 and backspace\u0008')), null);
});

test('describeFilename keeps only the last path segment, without controls', () => {
  const name = describeFilename('../../etc/passwd\u0000\u001b[31m.pdf');
  assert.equal(name, 'passwd[31m.pdf');
  assert.doesNotMatch(name, /[/\\\u0000-\u001f\u007f]/);
  assert.equal(describeFilename('C:\\Users\\bob\\Q3 report.docx'), 'Q3 report.docx');
  assert.equal(describeFilename('  notes.md  '), 'notes.md');
  assert.equal(describeFilename('docs/report.pdf/'), 'report.pdf');
});

test('describeFilename strips bidi overrides that disguise extensions', () => {
  assert.equal(describeFilename('invoice\u202Efdp.exe'), 'invoicefdp.exe');
});

test('describeFilename falls back to "untitled" when nothing is left', () => {
  for (const name of ['', '   ', '../..', '/', '\u0000\u0001', './.']) {
    assert.equal(describeFilename(name), 'untitled', JSON.stringify(name));
  }
});

test('describeFilename limits to 255 characters, keeping the extension and surrogate pairs intact', () => {
  const long = describeFilename('x'.repeat(400) + '.pdf');
  assert.equal(long.length, 255);
  assert.ok(long.endsWith('.pdf'));

  const emoji = describeFilename('a'.repeat(254) + '😀😀');
  assert.ok(Array.from(emoji).length <= 255);
  assert.doesNotMatch(emoji, /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/);
});
