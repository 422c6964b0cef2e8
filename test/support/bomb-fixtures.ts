/**
 * Decompression bombs, built without ever holding their decompressed size in memory:
 * a piece of text is deflated once, and its compressed block is repeated. Each block is
 * deflated by its own compressor and ends with a sync flush (byte-aligned, no final
 * bit, no reference to earlier data), so the concatenation of blocks plus one final
 * block is a valid deflate stream that inflates to the pieces in order.
 */
import { constants, crc32, deflateRawSync } from 'node:zlib';
import { makeZip } from './docx-fixtures.js';
import { makePdfWithEncodedContent } from './pdf-fixtures.js';

const MiB = 1024 * 1024;
const encoder = new TextEncoder();

export interface Deflated {
  /** Raw deflate (RFC 1951). */
  raw: Uint8Array;
  size: number;
  crc32: number;
  adler32: number;
}

/** `head`, then `unit` repeated to fill about `totalBytes`, then `tail`: deflated. */
export function deflateRepeated(head: string, unit: string, totalBytes: number, tail: string): Deflated {
  const headBytes = encoder.encode(head);
  const tailBytes = encoder.encode(tail);
  const chunk = encoder.encode(unit.repeat(Math.max(1, Math.floor(MiB / unit.length))));
  const repeats = Math.max(1, Math.ceil((totalBytes - headBytes.length - tailBytes.length) / chunk.length));

  const sync = { finishFlush: constants.Z_SYNC_FLUSH, level: 9 };
  const headBlock = deflateRawSync(headBytes, sync);
  const chunkBlock = deflateRawSync(chunk, sync);
  const tailBlock = deflateRawSync(tailBytes, { level: 9 }); // Z_FINISH: the final block

  const raw = new Uint8Array(headBlock.length + chunkBlock.length * repeats + tailBlock.length);
  raw.set(headBlock, 0);
  for (let i = 0; i < repeats; i++) raw.set(chunkBlock, headBlock.length + i * chunkBlock.length);
  raw.set(tailBlock, headBlock.length + repeats * chunkBlock.length);

  let crc = crc32(headBytes);
  let adler = adler32(headBytes);
  const chunkAdler = adler32(chunk);
  for (let i = 0; i < repeats; i++) {
    crc = crc32(chunk, crc);
    adler = adler32Combine(adler, chunkAdler, chunk.length);
  }
  crc = crc32(tailBytes, crc);
  adler = adler32Combine(adler, adler32(tailBytes), tailBytes.length);
  return { raw, size: headBytes.length + chunk.length * repeats + tailBytes.length, crc32: crc, adler32: adler };
}

/**
 * A DOCX whose word/document.xml inflates to about `totalBytes` of valid
 * WordprocessingML: one paragraph, then whitespace between elements (which XML allows
 * and deflate compresses about 1000:1, so 1 GiB fits in about 1 MB).
 */
export function makeDocxBomb(totalBytes = 1024 * MiB, label = 'all work and no play makes a dull boy'): Uint8Array {
  const document = deflateRepeated(
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n' +
      '<w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"><w:body>' +
      `<w:p><w:r><w:t>${label}</w:t></w:r></w:p>`,
    ' ',
    totalBytes,
    '</w:body></w:document>',
  );
  const small = makeZip({
    '[Content_Types].xml':
      '<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">' +
      '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>' +
      '<Default Extension="xml" ContentType="application/xml"/>' +
      '<Override PartName="/word/document.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/></Types>',
    '_rels/.rels':
      '<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">' +
      '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="word/document.xml"/></Relationships>',
  });
  return appendZipEntry(small, 'word/document.xml', document);
}

/** A one-page PDF whose FlateDecode content stream inflates to about `totalBytes` (a text operator, then whitespace). */
export function makePdfBomb(totalBytes = 1024 * MiB, label = 'boom'): Uint8Array {
  const content = deflateRepeated(`BT /F1 12 Tf 72 720 Td (${label}) Tj ET\n`, ' ', totalBytes, '\n');
  // zlib format (RFC 1950), which FlateDecode is: a 2-byte header, the deflate data, Adler-32.
  const zlib = new Uint8Array(2 + content.raw.length + 4);
  zlib.set([0x78, 0xda], 0);
  zlib.set(content.raw, 2);
  new DataView(zlib.buffer).setUint32(2 + content.raw.length, content.adler32);
  return makePdfWithEncodedContent(zlib, '/Filter /FlateDecode');
}

/** Adds one deflated entry to a ZIP written by fflate (no archive comment), rewriting the directory. */
function appendZipEntry(zip: Uint8Array, name: string, entry: Deflated): Uint8Array {
  const view = new DataView(zip.buffer, zip.byteOffset, zip.byteLength);
  const eocd = zip.length - 22;
  if (view.getUint32(eocd, true) !== 0x06054b50) throw new Error('expected a ZIP without a comment');
  const count = view.getUint16(eocd + 10, true);
  const directorySize = view.getUint32(eocd + 12, true);
  const directoryOffset = view.getUint32(eocd + 16, true);
  const nameBytes = encoder.encode(name);

  const local = new Uint8Array(30 + nameBytes.length);
  const lv = new DataView(local.buffer);
  lv.setUint32(0, 0x04034b50, true);
  lv.setUint16(4, 20, true); // version needed
  lv.setUint16(8, 8, true); // deflate
  lv.setUint32(14, entry.crc32, true);
  lv.setUint32(18, entry.raw.length, true);
  lv.setUint32(22, entry.size, true);
  lv.setUint16(26, nameBytes.length, true);
  local.set(nameBytes, 30);

  const central = new Uint8Array(46 + nameBytes.length);
  const cv = new DataView(central.buffer);
  cv.setUint32(0, 0x02014b50, true);
  cv.setUint16(4, 20, true); // version made by
  cv.setUint16(6, 20, true); // version needed
  cv.setUint16(10, 8, true);
  cv.setUint32(16, entry.crc32, true);
  cv.setUint32(20, entry.raw.length, true);
  cv.setUint32(24, entry.size, true);
  cv.setUint16(28, nameBytes.length, true);
  cv.setUint32(42, directoryOffset, true); // the new entry starts where the old directory did
  central.set(nameBytes, 46);

  const newDirectoryOffset = directoryOffset + local.length + entry.raw.length;
  const end = new Uint8Array(22);
  const ev = new DataView(end.buffer);
  ev.setUint32(0, 0x06054b50, true);
  ev.setUint16(8, count + 1, true);
  ev.setUint16(10, count + 1, true);
  ev.setUint32(12, directorySize + central.length, true);
  ev.setUint32(16, newDirectoryOffset, true);

  return concat([
    zip.subarray(0, directoryOffset),
    local,
    entry.raw,
    zip.subarray(directoryOffset, directoryOffset + directorySize),
    central,
    end,
  ]);
}

function concat(parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

function adler32(bytes: Uint8Array): number {
  let a = 1;
  let b = 0;
  for (let i = 0; i < bytes.length;) {
    // 5552 is the most bytes that can be summed before b could overflow 2^32 (zlib's NMAX).
    const end = Math.min(bytes.length, i + 5552);
    for (; i < end; i++) {
      a += bytes[i]!;
      b += a;
    }
    a %= 65521;
    b %= 65521;
  }
  return ((b << 16) | a) >>> 0;
}

/** zlib's adler32_combine: the Adler-32 of A followed by B, from theirs and B's length. */
function adler32Combine(adlerA: number, adlerB: number, lengthB: number): number {
  const BASE = 65521;
  const rem = lengthB % BASE;
  let sum1 = adlerA & 0xffff;
  let sum2 = (rem * sum1) % BASE;
  sum1 += (adlerB & 0xffff) + BASE - 1;
  sum2 += ((adlerA >>> 16) & 0xffff) + ((adlerB >>> 16) & 0xffff) + BASE - rem;
  if (sum1 >= BASE) sum1 -= BASE;
  if (sum1 >= BASE) sum1 -= BASE;
  if (sum2 >= BASE * 2) sum2 -= BASE * 2;
  if (sum2 >= BASE) sum2 -= BASE;
  return ((sum2 << 16) | sum1) >>> 0;
}
