import { open } from 'node:fs/promises';
import { detectFileType, type DetectedFileType } from '#libs/ingestion/file-type.js';
import { isZip } from '#libs/ingestion/zip-entries.js';
import type { StoredUpload } from './upload-storage.js';

const EOCD_SIGNATURE = 0x06054b50;
const EOCD_SIZE = 22;
const MAX_COMMENT = 0xffff;
/** 10,000 entries (zip-entries' bound) with long names fit well within this. */
const MAX_DIRECTORY_BYTES = 4 * 1024 * 1024;

/**
 * The upload's type, decided from its bytes as detectFileType does on a whole file, but
 * without reading the whole file into memory: everything but a ZIP is decided from the
 * head kept while streaming. A ZIP (DOCX) is decided from its central directory, which
 * sits at the end of the file: read from disk (at most a few MB, even for a 50 MB DOCX).
 */
export async function detectUploadType(file: StoredUpload): Promise<DetectedFileType | null> {
  if (!isZip(file.head)) return detectFileType(file.head);
  return detectFileType((await zipDirectoryOnly(file.path, file.size)) ?? file.head);
}

/**
 * The archive's central directory and end record alone, re-based behind a local-header
 * signature so that detectFileType/listZipEntries read it as they would the whole file.
 * Null when there is no usable end record (a truncated archive): detectFileType then
 * walks the local headers of the head, as it does for a file without a directory.
 */
async function zipDirectoryOnly(path: string, size: number): Promise<Buffer | null> {
  const fh = await open(path, 'r');
  try {
    const tailStart = Math.max(0, size - EOCD_SIZE - MAX_COMMENT);
    const tail = await readAt(fh, tailStart, size - tailStart);
    // The last end record, searched from the end as listZipEntries does.
    for (let at = tail.length - EOCD_SIZE; at >= 0; at--) {
      if (tail.readUInt32LE(at) !== EOCD_SIGNATURE) continue;
      const dirSize = tail.readUInt32LE(at + 12);
      const dirOffset = tail.readUInt32LE(at + 16);
      const eocdOffset = tailStart + at;
      if (dirOffset + dirSize > eocdOffset || dirSize > MAX_DIRECTORY_BYTES) return null;
      const directory = await readAt(fh, dirOffset, dirSize);
      const end = Buffer.from(tail.subarray(at, at + EOCD_SIZE));
      const signature = Buffer.from([0x50, 0x4b, 0x03, 0x04]);
      end.writeUInt32LE(signature.length, 16); // the directory now starts right after the signature
      end.writeUInt16LE(0, 20); // and no comment follows the end record
      return Buffer.concat([signature, directory, end]);
    }
    return null;
  } finally {
    await fh.close();
  }
}

async function readAt(fh: import('node:fs/promises').FileHandle, position: number, length: number): Promise<Buffer> {
  const buffer = Buffer.alloc(length);
  const { bytesRead } = await fh.read(buffer, 0, length, position);
  return buffer.subarray(0, bytesRead);
}
