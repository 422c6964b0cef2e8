/**
 * Lists the entry names of a ZIP archive without inflating anything, which is all
 * file-type sniffing needs to tell a DOCX from any other ZIP. Entry names are stored
 * uncompressed in both the central directory and the local headers.
 *
 * Reads the central directory when the end-of-central-directory record is present
 * (complete file); otherwise walks the local file headers from the start (a head of
 * the file).
 */

const LOCAL_HEADER = 0x04034b50;
const CENTRAL_HEADER = 0x02014b50;
const END_OF_CENTRAL_DIR = 0x06054b50;
const MAX_ENTRIES = 10_000; // enough for any real document; bounds the work on hostile input

export function isZip(bytes: Uint8Array): boolean {
  return bytes.length >= 4 && readU32(bytes, 0) === LOCAL_HEADER;
}

export function listZipEntries(bytes: Uint8Array): string[] {
  if (!isZip(bytes)) return [];
  return fromCentralDirectory(bytes) ?? fromLocalHeaders(bytes);
}

function fromCentralDirectory(bytes: Uint8Array): string[] | null {
  // The EOCD record is 22 bytes plus a comment of up to 65535 bytes at the very end.
  const earliest = Math.max(0, bytes.length - 22 - 0xffff);
  for (let at = bytes.length - 22; at >= earliest; at--) {
    if (readU32(bytes, at) !== END_OF_CENTRAL_DIR) continue;
    const count = readU16(bytes, at + 10);
    let offset = readU32(bytes, at + 16);
    const names: string[] = [];
    for (let i = 0; i < Math.min(count, MAX_ENTRIES); i++) {
      if (offset + 46 > bytes.length || readU32(bytes, offset) !== CENTRAL_HEADER) return null;
      const nameLength = readU16(bytes, offset + 28);
      const extraLength = readU16(bytes, offset + 30);
      const commentLength = readU16(bytes, offset + 32);
      names.push(readName(bytes, offset + 46, nameLength));
      offset += 46 + nameLength + extraLength + commentLength;
    }
    return names;
  }
  return null;
}

function fromLocalHeaders(bytes: Uint8Array): string[] {
  const names: string[] = [];
  let offset = 0;
  while (names.length < MAX_ENTRIES && offset + 30 <= bytes.length && readU32(bytes, offset) === LOCAL_HEADER) {
    const flags = readU16(bytes, offset + 6);
    const compressedSize = readU32(bytes, offset + 18);
    const nameLength = readU16(bytes, offset + 26);
    const extraLength = readU16(bytes, offset + 28);
    names.push(readName(bytes, offset + 30, nameLength));
    const dataStart = offset + 30 + nameLength + extraLength;
    // Flag bit 3: the sizes follow the data in a data descriptor, so the next header can
    // only be found by searching for its signature. A false match in compressed data
    // merely yields a junk name, which is harmless for sniffing.
    offset = flags & 0x08 ? indexOfLocalHeader(bytes, dataStart) : dataStart + compressedSize;
  }
  return names;
}

function indexOfLocalHeader(bytes: Uint8Array, from: number): number {
  for (let at = from; at + 4 <= bytes.length; at++) {
    if (bytes[at] === 0x50 && readU32(bytes, at) === LOCAL_HEADER) return at;
  }
  return bytes.length;
}

function readName(bytes: Uint8Array, start: number, length: number): string {
  const end = Math.min(bytes.length, start + length);
  return new TextDecoder('utf-8').decode(bytes.subarray(start, end));
}

function readU16(bytes: Uint8Array, at: number): number {
  return at + 2 <= bytes.length ? bytes[at] | (bytes[at + 1] << 8) : -1;
}

function readU32(bytes: Uint8Array, at: number): number {
  return at + 4 <= bytes.length
    ? (bytes[at] | (bytes[at + 1] << 8) | (bytes[at + 2] << 16) | (bytes[at + 3] << 24)) >>> 0
    : -1;
}
