/**
 * Hand-written, minimal but valid PDFs for tests, so no binary fixtures need to be
 * committed. Every object's byte offset is measured while the file is assembled, so
 * the xref table is exact and pdf.js does not have to fall back to its repair mode
 * (which would hide bugs in how we treat broken files).
 *
 * Only Latin-1 text is representable (standard Helvetica with WinAnsiEncoding);
 * other characters are written as '?'.
 */

const encoder = new TextEncoder();

/** A PDF with one page per entry; '\n' inside an entry starts a new line on that page. */
export function makePdf(pages: string[]): Uint8Array {
  return buildPdf(pages.map((text) => ({ content: textContent(text), xobjects: [] })));
}

/** A bookmark: its title, the 1-based page it points at (an explicit /XYZ destination), and its children. */
export interface OutlineEntry {
  title: string;
  page: number;
  children?: OutlineEntry[];
}

/** A PDF with one page per entry and an outline (bookmarks) over them. */
export function makePdfWithOutline(pages: string[], outline: OutlineEntry[]): Uint8Array {
  return buildPdf(
    pages.map((text) => ({ content: textContent(text), xobjects: [] })),
    { outline },
  );
}

/**
 * A PDF whose trailer carries a Standard-security /Encrypt dictionary with a
 * non-empty user password, so it cannot be opened without one (pdf.js raises
 * PasswordException). The page content is irrelevant: it is never decrypted.
 */
export function makeEncryptedPdf(): Uint8Array {
  // 32-byte /O and /U strings that don't match the empty password.
  const hex32 = (seed: number) =>
    Array.from({ length: 32 }, (_, i) => ((seed * 31 + i * 17) & 0xff).toString(16).padStart(2, '0')).join('');
  return buildPdf([{ content: textContent('secret'), xobjects: [] }], {
    encrypt: `<< /Filter /Standard /V 1 /R 2 /Length 40 /P -44 /O <${hex32(7)}> /U <${hex32(11)}> >>`,
  });
}

/** A one-page PDF that paints a small grey image and contains no text operators at all. */
export function makeImageOnlyPdf(): Uint8Array {
  const width = 4;
  const height = 4;
  const pixels = new Uint8Array(width * height).fill(0x80);
  return buildPdf([
    {
      content: `q 200 0 0 200 72 500 cm /Im1 Do Q`,
      xobjects: [
        {
          name: 'Im1',
          dict: `/Type /XObject /Subtype /Image /Width ${width} /Height ${height} /ColorSpace /DeviceGray /BitsPerComponent 8`,
          data: pixels,
        },
      ],
    },
  ]);
}

/**
 * A one-page PDF whose content stream is given already encoded, with its filter, e.g.
 * `(zlibBytes, '/Filter /FlateDecode')`: for streams too large to build as text.
 */
export function makePdfWithEncodedContent(data: Uint8Array, filter: string): Uint8Array {
  return buildPdf([{ content: '', encodedContent: { data, dict: filter }, xobjects: [] }]);
}

/** The first `keep` bytes (or that fraction of the file when 0 < keep < 1). */
export function truncate(bytes: Uint8Array, keep: number): Uint8Array {
  const length = keep > 0 && keep < 1 ? Math.floor(bytes.length * keep) : Math.floor(keep);
  return bytes.slice(0, Math.max(0, Math.min(bytes.length, length)));
}

interface PageSpec {
  content: string;
  /** Used instead of `content` when present. */
  encodedContent?: { data: Uint8Array; dict: string };
  xobjects: { name: string; dict: string; data: Uint8Array }[];
}

/** PDF string literal: backslash, parentheses and non-ASCII bytes must be escaped. */
function pdfString(line: string): string {
  let out = '(';
  for (const ch of line) {
    const code = ch.codePointAt(0)!;
    const byte = code <= 0xff ? code : 0x3f; // '?' for anything WinAnsi can't hold
    if (byte === 0x28 || byte === 0x29 || byte === 0x5c) out += '\\' + String.fromCharCode(byte);
    else if (byte < 0x20 || byte > 0x7e) out += '\\' + byte.toString(8).padStart(3, '0');
    else out += String.fromCharCode(byte);
  }
  return out + ')';
}

function textContent(text: string): string {
  const lines = text.split('\n');
  const ops = ['BT', '/F1 12 Tf', '14 TL', '72 720 Td'];
  lines.forEach((line, i) => {
    if (i > 0) ops.push('T*'); // next line, using the 14pt leading set above
    ops.push(`${pdfString(line)} Tj`);
  });
  ops.push('ET');
  return ops.join('\n');
}

function buildPdf(pages: PageSpec[], options: { encrypt?: string; outline?: OutlineEntry[] } = {}): Uint8Array {
  // Object numbering: 1 catalog, 2 page tree, 3 font, then per page: page, content, xobjects.
  const objects: (Uint8Array | string)[] = [];
  // push() returns the new length, which is the new object's number.
  const add = (body: Uint8Array | string) => objects.push(body);
  add('<< /Type /Catalog /Pages 2 0 R >>');
  add(''); // page tree, filled in once kids are known
  add('<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>');

  const kids: number[] = [];
  for (const page of pages) {
    const pageNumber = add('');
    kids.push(pageNumber);
    const contentNumber = add(
      page.encodedContent
        ? streamObject(page.encodedContent.dict, page.encodedContent.data)
        : streamObject('', encoder.encode(page.content)),
    );
    const xobjectRefs = page.xobjects.map((x) => `/${x.name} ${add(streamObject(x.dict, x.data))} 0 R`);
    const xobjects = xobjectRefs.length ? ` /XObject << ${xobjectRefs.join(' ')} >>` : '';
    objects[pageNumber - 1] =
      `<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] ` +
      `/Resources << /Font << /F1 3 0 R >>${xobjects} >> /Contents ${contentNumber} 0 R >>`;
  }
  objects[1] = `<< /Type /Pages /Kids [${kids.map((k) => `${k} 0 R`).join(' ')}] /Count ${kids.length} >>`;
  const encryptNumber = options.encrypt ? add(options.encrypt) : 0;
  if (options.outline?.length) {
    // Outline items are linked both ways (/Parent, /First, /Last, /Prev, /Next); numbers first, bodies after.
    const root = add('');
    const place = (entries: OutlineEntry[], parent: number): number[] => {
      const numbers = entries.map(() => add(''));
      entries.forEach((entry, i) => {
        const children = entry.children?.length ? place(entry.children, numbers[i]!) : [];
        const links = [
          `/Parent ${parent} 0 R`,
          i > 0 ? `/Prev ${numbers[i - 1]} 0 R` : '',
          i < entries.length - 1 ? `/Next ${numbers[i + 1]} 0 R` : '',
          children.length ? `/First ${children[0]} 0 R /Last ${children[children.length - 1]} 0 R /Count ${children.length}` : '',
        ].filter(Boolean);
        objects[numbers[i]! - 1] =
          `<< /Title ${pdfString(entry.title)} /Dest [${kids[entry.page - 1]} 0 R /XYZ 0 792 0] ${links.join(' ')} >>`;
      });
      return numbers;
    };
    const top = place(options.outline, root);
    objects[root - 1] = `<< /Type /Outlines /First ${top[0]} 0 R /Last ${top[top.length - 1]} 0 R /Count ${top.length} >>`;
    objects[0] = `<< /Type /Catalog /Pages 2 0 R /Outlines ${root} 0 R /PageMode /UseOutlines >>`;
  }

  const parts: Uint8Array[] = [];
  let offset = 0;
  const write = (chunk: Uint8Array | string) => {
    const bytes = typeof chunk === 'string' ? encoder.encode(chunk) : chunk;
    parts.push(bytes);
    offset += bytes.length;
  };
  // The binary comment line tells tools the file is not 7-bit text.
  write('%PDF-1.4\n');
  write(new Uint8Array([0x25, 0xe2, 0xe3, 0xcf, 0xd3, 0x0a]));
  const offsets: number[] = [];
  objects.forEach((body, i) => {
    offsets.push(offset);
    write(`${i + 1} 0 obj\n`);
    write(body);
    write('\nendobj\n');
  });
  const xrefOffset = offset;
  // Each xref entry is exactly 20 bytes: 10-digit offset, 5-digit generation, type, CR LF.
  write(`xref\n0 ${objects.length + 1}\n0000000000 65535 f\r\n`);
  for (const o of offsets) write(`${String(o).padStart(10, '0')} 00000 n\r\n`);
  const id = '<0123456789abcdef0123456789abcdef>';
  const encrypt = encryptNumber ? ` /Encrypt ${encryptNumber} 0 R /ID [${id} ${id}]` : '';
  write(`trailer\n<< /Size ${objects.length + 1} /Root 1 0 R${encrypt} >>\nstartxref\n${xrefOffset}\n%%EOF\n`);

  const out = new Uint8Array(offset);
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

function streamObject(dict: string, data: Uint8Array): Uint8Array {
  const head = encoder.encode(`<< ${dict}${dict ? ' ' : ''}/Length ${data.length} >>\nstream\n`);
  const tail = encoder.encode('\nendstream');
  const out = new Uint8Array(head.length + data.length + tail.length);
  out.set(head, 0);
  out.set(data, head.length);
  out.set(tail, head.length + data.length);
  return out;
}
