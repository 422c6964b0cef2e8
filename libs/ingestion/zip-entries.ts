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

/** What the central directory says about one entry, and where its data really is. */
export interface ZipEntry {
  name: string;
  /** 0 = stored, 8 = deflate; JSZip (inside mammoth) supports nothing else. */
  method: number;
  /** The span of bytes the entry's data occupies in the file: what an inflater is fed. */
  dataStart: number;
  compressedSize: number;
  /** As declared: an attacker writes whatever they like here, so never trust it. */
  declaredSize: number;
}

/**
 * The entries of a complete archive from its central directory, with the offset of
 * each entry's data (found through its local header, whose name and extra field
 * lengths may differ from the central copy). Null when the directory is missing or
 * any record points outside the file: such an archive is corrupt.
 */
export function readZipDirectory(bytes: Uint8Array): ZipEntry[] | null {
  if (!isZip(bytes)) return null;
  const earliest = Math.max(0, bytes.length - 22 - 0xffff);
  for (let at = bytes.length - 22; at >= earliest; at--) {
    if (readU32(bytes, at) !== END_OF_CENTRAL_DIR) continue;
    const count = readU16(bytes, at + 10);
    if (count > MAX_ENTRIES) return null;
    let offset = readU32(bytes, at + 16);
    const entries: ZipEntry[] = [];
    for (let i = 0; i < count; i++) {
      if (offset + 46 > bytes.length || readU32(bytes, offset) !== CENTRAL_HEADER) return null;
      const nameLength = readU16(bytes, offset + 28);
      const extraLength = readU16(bytes, offset + 30);
      const commentLength = readU16(bytes, offset + 32);
      const sizes = zip64Sizes(bytes, offset, nameLength, extraLength);
      const localOffset = sizes.localOffset;
      if (Math.min(sizes.compressedSize, sizes.declaredSize, localOffset) < 0) return null;
      if (localOffset + 30 > bytes.length || readU32(bytes, localOffset) !== LOCAL_HEADER) return null;
      const dataStart = localOffset + 30 + readU16(bytes, localOffset + 26) + readU16(bytes, localOffset + 28);
      if (dataStart + sizes.compressedSize > bytes.length) return null;
      entries.push({
        name: readName(bytes, offset + 46, nameLength),
        method: readU16(bytes, offset + 10),
        dataStart,
        compressedSize: sizes.compressedSize,
        declaredSize: sizes.declaredSize,
      });
      offset += 46 + nameLength + extraLength + commentLength;
    }
    return entries;
  }
  return null;
}

/**
 * Sizes and local-header offset of a central record. A field of 0xFFFFFFFF means the
 * real value is in the ZIP64 extra field (id 1), in the order uncompressed,
 * compressed, offset, each present only when its 32-bit field overflowed.
 */
function zip64Sizes(bytes: Uint8Array, offset: number, nameLength: number, extraLength: number) {
  const sizes = {
    compressedSize: readU32(bytes, offset + 20),
    declaredSize: readU32(bytes, offset + 24),
    localOffset: readU32(bytes, offset + 42),
  };
  const overflow = 0xffffffff;
  if (sizes.compressedSize !== overflow && sizes.declaredSize !== overflow && sizes.localOffset !== overflow) return sizes;
  let at = offset + 46 + nameLength;
  const end = at + extraLength;
  while (at + 4 <= end) {
    const id = readU16(bytes, at);
    const size = readU16(bytes, at + 2);
    if (id === 1) {
      let field = at + 4;
      const next = () => {
        const value = readU64(bytes, field);
        field += 8;
        return value;
      };
      if (sizes.declaredSize === overflow) sizes.declaredSize = next();
      if (sizes.compressedSize === overflow) sizes.compressedSize = next();
      if (sizes.localOffset === overflow) sizes.localOffset = next();
      break;
    }
    at += 4 + size;
  }
  return sizes;
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

// The reads below check the bounds first: the indexed bytes exist.
function readU16(bytes: Uint8Array, at: number): number {
  return at + 2 <= bytes.length ? bytes[at]! | (bytes[at + 1]! << 8) : -1;
}

/** As a Number: exact up to 2^53, far beyond any upload. */
function readU64(bytes: Uint8Array, at: number): number {
  return at + 8 <= bytes.length ? readU32(bytes, at) + readU32(bytes, at + 4) * 2 ** 32 : -1;
}

function readU32(bytes: Uint8Array, at: number): number {
  return at + 4 <= bytes.length ? (bytes[at]! | (bytes[at + 1]! << 8) | (bytes[at + 2]! << 16) | (bytes[at + 3]! << 24)) >>> 0 : -1;
}
