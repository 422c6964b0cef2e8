/**
 * Entry point of the parsing worker started by parse-sandbox.ts: parses the one
 * document it was given, posts the result and ends.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { IngestionError } from './ingestion.error.js';
import { parseDocument } from './parse.js';
import type { SandboxRequest, SandboxResponse } from './parse-sandbox.protocol.js';

async function run(request: SandboxRequest): Promise<SandboxResponse> {
  try {
    // The buffer was transferred to this thread and nothing else holds it, so the
    // parser may consume it instead of copying.
    const document = await parseDocument(new Uint8Array(request.buffer), request.mimeType, {
      maxPages: request.maxPages,
      detachInput: true,
    });
    return { ok: true, document };
  } catch (error) {
    if (error instanceof IngestionError) return { ok: false, message: error.message, permanent: error.permanent };
    // A bug or an environment problem rather than a verdict on the file: worth a retry.
    const detail = error instanceof Error ? error.message : String(error);
    return { ok: false, message: `parser failed: ${detail}`, permanent: false };
  }
}

if (!parentPort) throw new Error('parse.worker.js must be started as a worker thread');
parentPort.postMessage(await run(workerData as SandboxRequest));
