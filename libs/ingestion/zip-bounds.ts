/**
 * Refuses ZIP decompression bombs before a ZIP-based parser (mammoth, through JSZip)
 * sees the archive. JSZip inflates each entry whole into memory, so a 1 MB DOCX whose
 * document.xml inflates to 1 GiB costs gigabytes there; here every entry is streamed
 * through zlib with a byte counter and the output thrown away, and inflating stops at
 * the first chunk past a limit. Nothing the archive declares about its own sizes is
 * trusted: only the bytes that actually come out of the inflater are counted.
 *
 * Node's own zlib rather than a library: it streams with a fixed output chunk size,
 * which is what bounds the overshoot, and it is already there.
 */
import { createInflateRaw } from 'node:zlib';
import { IngestionError, IngestionMessages } from './ingestion.error.js';
import { readZipDirectory } from './zip-entries.js';

export interface ZipLimits {
  /** All entries together, decompressed. */
  maxUncompressedBytes: number;
  /** Largest decompressed/compressed ratio allowed for an entry over RATIO_FLOOR bytes. */
  maxRatio: number;
}

/**
 * Small entries may compress extremely well (a run of identical XML, an empty part)
 * without being a danger; the ratio only matters once an entry is this large.
 */
export const RATIO_FLOOR = 1024 * 1024;

/** zlib's output granularity: the most a limit can be overshot by before inflating stops. */
export const INFLATE_CHUNK = 64 * 1024;

const STORED = 0;
const DEFLATED = 8;

/** What inflating the archive cost, and which limit stopped it (null: within limits). */
export interface ZipExpansion {
  inflatedBytes: number;
  over: 'size' | 'ratio' | null;
}

/** Throws a permanent IngestionError when the archive would expand past the limits or cannot be read. */
export async function checkZipExpansion(bytes: Uint8Array, limits: ZipLimits, corrupt: string): Promise<void> {
  const { over } = await measureZipExpansion(bytes, limits, corrupt);
  if (over === 'ratio') throw new IngestionError(IngestionMessages.compressionRatio(limits.maxRatio), true);
  if (over === 'size') throw new IngestionError(IngestionMessages.expandsBeyond(toMb(limits.maxUncompressedBytes)), true);
}

/**
 * Inflates every entry, counting and discarding, until the end or the first limit
 * crossed. Throws IngestionError(corrupt) when the archive cannot be read.
 */
export async function measureZipExpansion(bytes: Uint8Array, limits: ZipLimits, corrupt: string): Promise<ZipExpansion> {
  const entries = readZipDirectory(bytes);
  if (!entries) throw new IngestionError(corrupt, true);
  let total = 0;
  for (const entry of entries) {
    if (entry.method !== STORED && entry.method !== DEFLATED) throw new IngestionError(corrupt, true);
    const data = bytes.subarray(entry.dataStart, entry.dataStart + entry.compressedSize);
    const budget = limits.maxUncompressedBytes - total;
    const outcome =
      entry.method === STORED
        ? { inflated: data.byteLength, over: data.byteLength > budget ? ('size' as const) : null }
        : await inflateCounting(data, budget, limits.maxRatio, corrupt);
    total += outcome.inflated;
    if (outcome.over) return { inflatedBytes: total, over: outcome.over };
  }
  return { inflatedBytes: total, over: null };
}

/** Compressed input is fed in slices this large, so the ratio is known as inflating goes. */
const INPUT_SLICE = 16 * 1024;

interface Inflated {
  inflated: number;
  /** Which limit stopped inflating, if any. */
  over: 'size' | 'ratio' | null;
}

/**
 * Inflates `data` (raw deflate), counting the output chunk by chunk and discarding it,
 * and stops at the first chunk that takes the output past `budget` bytes, or past
 * `maxRatio` times the compressed bytes consumed so far once beyond RATIO_FLOOR (the
 * check Apache POI makes on Office files, whose default ratio is also 100). Checking
 * the ratio against the input consumed so far, not the entry's whole compressed size,
 * stops a bomb within a few MB instead of after ratio × its size.
 */
async function inflateCounting(data: Uint8Array, budget: number, maxRatio: number, corrupt: string): Promise<Inflated> {
  const inflate = createInflateRaw({ chunkSize: INFLATE_CHUNK });
  let inflated = 0;
  let consumed = 0; // compressed bytes handed to zlib so far (an upper bound of what it has read)
  let over: Inflated['over'] = null;
  inflate.on('data', (chunk: Buffer) => {
    if (over) return;
    inflated += chunk.byteLength;
    if (inflated > budget) over = 'size';
    else if (inflated > RATIO_FLOOR && inflated > consumed * maxRatio) over = 'ratio';
    // destroy() ends the stream at once: zlib is not asked for another chunk.
    if (over) inflate.destroy();
  });
  const failed = new Promise<never>((_, reject) =>
    inflate.once('error', (error) => reject(new IngestionError(corrupt, true, { cause: error }))),
  );
  failed.catch(() => {}); // awaited below; this only keeps it from counting as unhandled
  // After destroy() a pending write's callback may never come; 'close' always does.
  const closed = new Promise<void>((resolve) => inflate.once('close', resolve));
  const ended = new Promise<void>((resolve) => inflate.once('end', resolve));

  for (let at = 0; at < data.byteLength && !over; at += INPUT_SLICE) {
    const slice = data.subarray(at, at + INPUT_SLICE);
    consumed += slice.byteLength;
    // One slice at a time: its output is counted against exactly the input given so far.
    const written = new Promise<void>((resolve) => inflate.write(slice, () => resolve()));
    await Promise.race([written, failed, closed]);
  }
  if (over) return { inflated, over };
  inflate.end();
  await Promise.race([ended, failed]);
  return { inflated, over: null };
}

function toMb(bytes: number): number {
  return Math.round(bytes / (1024 * 1024));
}
