/**
 * Entry point of the parser process started by parse-sandbox.ts: reads the request
 * from argv and the document from stdin, parses it, sends the result over IPC and
 * ends. It runs with an empty environment (no secrets) and is killed by its parent
 * when it outgrows its memory cap or its deadline.
 */
import { IngestionError } from './ingestion.error.js';
import { parseDocument } from './parse.js';
import type { SandboxRequest, SandboxResponse } from './parse-sandbox.protocol.js';
import { startOrphanGuard } from './parse.child-guard.js';

/** Exactly `length` bytes from stdin, into one buffer allocated up front (no concatenation copies). */
async function readInput(length: number): Promise<Uint8Array> {
  const bytes = new Uint8Array(length);
  let filled = 0;
  for await (const chunk of process.stdin as AsyncIterable<Buffer>) {
    if (filled + chunk.byteLength > length) throw new Error('more input than announced');
    bytes.set(chunk, filled);
    filled += chunk.byteLength;
  }
  if (filled !== length) throw new Error(`input ended after ${filled} of ${length} bytes`);
  return bytes;
}

async function run(request: SandboxRequest): Promise<SandboxResponse> {
  try {
    const bytes = await readInput(request.byteLength);
    // Nothing else holds these bytes, so the parser may consume them instead of copying.
    const document = await parseDocument(bytes, request.mimeType, {
      maxPages: request.maxPages,
      detachInput: true,
      maxUncompressedBytes: request.maxUncompressedBytes,
      maxCompressionRatio: request.maxCompressionRatio,
    });
    return { ok: true, document };
  } catch (error) {
    if (error instanceof IngestionError) return { ok: false, message: error.message, permanent: error.permanent };
    // A bug or an environment problem rather than a verdict on the file: worth a retry.
    const detail = error instanceof Error ? error.message : String(error);
    return { ok: false, message: `parser failed: ${detail}`, permanent: false };
  }
}

if (!process.send) throw new Error('parse.child.js must be started by parse-sandbox with an IPC channel');
// The parent went away (worker killed): nothing left to answer to.
process.once('disconnect', () => process.exit(0));
const request = JSON.parse(process.argv[2]!) as SandboxRequest;
// The parent's watchdog kills at the cap first (and reports it); this one is for when it can't.
startOrphanGuard(request.maxMemoryBytes * 1.25);
// No exit after sending: the parent kills this process once it has the message, so the
// message cannot be lost to a race between exiting and the IPC pipe being read.
process.send(await run(request));
