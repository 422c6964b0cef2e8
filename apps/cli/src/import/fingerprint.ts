import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';

/** As much of the head as the API's type detector reads for text (libs/ingestion/file-type.ts). */
const HEAD_BYTES = 64 * 1024;

export interface Fingerprint {
  /** sha256 of the bytes, hex: the key the API detects duplicates by, per tenant. */
  sha256: string;
  head: Buffer;
}

/** Hashes the file and keeps its head, in one streamed read (a 50 MB PDF is never held whole). */
export async function fingerprint(path: string): Promise<Fingerprint> {
  const hash = createHash('sha256');
  const head: Buffer[] = [];
  let kept = 0;
  for await (const chunk of createReadStream(path) as AsyncIterable<Buffer>) {
    hash.update(chunk);
    if (kept < HEAD_BYTES) {
      head.push(chunk.subarray(0, HEAD_BYTES - kept));
      kept += head[head.length - 1]!.length;
    }
  }
  return { sha256: hash.digest('hex'), head: Buffer.concat(head) };
}
