/**
 * Runs parseDocument in a worker thread with its own V8 heap limit and a wall-clock
 * deadline, so a hostile or pathological upload (decompression bomb, parser infinite
 * loop, million-object PDF) costs at most one worker, never the calling process.
 *
 * Limits of the approach: resourceLimits bounds the JavaScript heap, not memory
 * outside it (ArrayBuffers), and the worker shares the process's CPU. It is a guard
 * against accidents and cheap attacks, not a security boundary like a separate
 * process or container.
 */
import { isMarkedAsUntransferable, Worker } from 'node:worker_threads';
import { IngestionError, IngestionMessages } from './ingestion.error.js';
import type { ParsedDocument } from './parsed-document.js';
import type { SandboxRequest, SandboxResponse } from './parse-sandbox.protocol.js';

export interface SandboxOptions {
  maxPages: number;
  /** Wall-clock budget including worker start-up (loading pdf.js takes ~0.2 s). */
  timeoutMs: number;
  /** Old-generation heap limit of the worker. */
  maxMemoryMb: number;
  /** Aborting terminates the worker and rejects with the signal's reason. */
  signal?: AbortSignal;
}

const WORKER_URL = new URL('./parse.worker.js', import.meta.url);

/**
 * Like parseDocument, but isolated. `bytes` is consumed: when it spans a whole,
 * transferable ArrayBuffer, that buffer is moved to the worker (not copied) and is
 * detached afterwards, so don't use `bytes` after calling this.
 */
export function parseInSandbox(bytes: Uint8Array, mimeType: string, options: SandboxOptions): Promise<ParsedDocument> {
  const { maxPages, timeoutMs, maxMemoryMb, signal } = options;
  if (signal?.aborted) return Promise.reject(signal.reason);
  const request: SandboxRequest = { buffer: transferableBuffer(bytes), mimeType, maxPages };

  return new Promise<ParsedDocument>((resolve, reject) => {
    const worker = new Worker(WORKER_URL, {
      workerData: request,
      transferList: [request.buffer],
      resourceLimits: { maxOldGenerationSizeMb: maxMemoryMb },
      // The parser needs no configuration; keep secrets (DB URLs, API keys) out of its reach.
      env: {},
      stdin: false,
    });

    let settled = false;
    const finish = (settle: () => void) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      signal?.removeEventListener('abort', onAbort);
      // Also after a result: nothing the worker still has pending is of any use.
      void worker.terminate();
      settle();
    };
    const onAbort = () => finish(() => reject(signal!.reason));

    const timer = setTimeout(
      () => finish(() => reject(new IngestionError(IngestionMessages.timedOut(timeoutMs), true))),
      timeoutMs,
    );
    signal?.addEventListener('abort', onAbort, { once: true });

    worker.once('message', (response: SandboxResponse) =>
      finish(() =>
        response.ok ? resolve(response.document) : reject(new IngestionError(response.message, response.permanent)),
      ),
    );
    worker.once('error', (error: Error & { code?: string }) =>
      finish(() =>
        reject(
          error.code === 'ERR_WORKER_OUT_OF_MEMORY'
            ? new IngestionError(IngestionMessages.outOfMemory, true, { cause: error })
            : new IngestionError(`parser crashed: ${error.message}`, false, { cause: error }),
        ),
      ),
    );
    worker.once('exit', (code) =>
      finish(() => reject(new IngestionError(`parser exited without a result (code ${code})`, false))),
    );
  });
}

/**
 * The caller's own buffer when it can be moved as-is; otherwise (a view into a larger
 * buffer, Node's shared Buffer pool, a SharedArrayBuffer) a copy of just the bytes.
 */
function transferableBuffer(bytes: Uint8Array): ArrayBuffer {
  const { buffer } = bytes;
  const wholeBuffer = bytes.byteOffset === 0 && bytes.byteLength === buffer.byteLength;
  if (buffer instanceof ArrayBuffer && wholeBuffer && !isMarkedAsUntransferable(buffer)) return buffer;
  return bytes.slice().buffer;
}
