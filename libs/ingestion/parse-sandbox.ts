/**
 * Runs parseDocument in a separate, short-lived child process with a cap on its WHOLE
 * memory and a wall-clock deadline, so a hostile or pathological upload (decompression
 * bomb, a PDF stream that decodes to gigabytes, a parser infinite loop) costs at most
 * that process, and the memory it took goes back to the system when it is killed.
 *
 * Why a process and not a worker thread: a worker's resourceLimits bound only its JS
 * heap. pdf.js decodes streams into ArrayBuffers and JSZip inflates into Buffers,
 * which live outside the heap, and a thread's native memory stays in the worker
 * process's allocator after the thread ends (measured: +2.1 GB RSS per 1 GiB bomb,
 * 1.76 GB still held afterwards).
 *
 * How the memory is capped:
 * - a watchdog here samples the child's resident set (VmRSS, /proc/<pid>/status) every
 *   WATCHDOG_INTERVAL_MS and SIGKILLs it past `maxMemoryMb`. This is the guard against
 *   off-heap growth such as a 1 GiB PDF content stream: pdf.js (5.4) has no option to
 *   limit the decoded size of a stream (maxImageSize covers images only), its
 *   DecodeStream keeps doubling one buffer until the whole stream is decoded;
 * - V8 flags bound the JS heap to the same figure, so heap growth between two samples
 *   ends in V8's own out-of-memory abort (reported the same way);
 * - not rlimits (prlimit): V8 reserves large virtual ranges up front, so RLIMIT_AS of
 *   1 GiB stops Node from starting ("Failed to reserve virtual memory for CodeRange")
 *   and 4 GiB failed ArrayBuffer allocations at 1.5 GB; with RLIMIT_DATA of 1 or 2 GiB
 *   allocations failed at 384 MB, and 600 MB aborted the process (Node 24, Linux). A
 *   kernel limit whose meaning moves with V8's internals is no limit to configure.
 * ZIP bombs are stopped earlier and more cheaply inside the child (zip-bounds.ts).
 *
 * Cost: starting the process takes about 0.1 s (then pdf.js loads in ~0.15 s, as it
 * did in a worker thread), small next to embedding; no pool, so no state survives
 * from one tenant's document to another's.
 */
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { IngestionError, IngestionMessages } from './ingestion.error.js';
import type { ParsedDocument } from './parsed-document.js';
import type { SandboxRequest, SandboxResponse } from './parse-sandbox.protocol.js';
import { canReadRss, readRssBytes } from './process-memory.js';

export interface SandboxOptions {
  maxPages: number;
  /** Wall-clock budget including process start-up. */
  timeoutMs: number;
  /** Cap on the parser process's resident memory (RSS), not only its JS heap, before the per-input-MB allowance (memoryBudgetMb). */
  maxMemoryMb: number;
  /** false: the flat cap for text too (tests of the cap itself). */
  textAllowance?: boolean;
  /** Archives: total decompressed size and per-entry ratio (zip-bounds.ts). */
  maxUncompressedMb?: number;
  maxCompressionRatio?: number;
  /** Aborting kills the process and rejects with the signal's reason. */
  signal?: AbortSignal;
}

const CHILD_PATH = fileURLToPath(new URL('./parse.child.js', import.meta.url));

/**
 * Often enough that growth between two samples stays small next to the cap (decoding
 * fills memory at a few hundred MB/s on this kind of machine), rarely enough to cost
 * nothing: one 20 µs read per sample.
 */
export const WATCHDOG_INTERVAL_MS = 25;

/** V8's young generation; small, so the heap flag bounds nearly all of the heap. */
const SEMI_SPACE_MB = 8;

/** Enough of the child's stderr to recognise V8's out-of-memory report. */
const STDERR_TAIL = 4096;

const MB = 1024 * 1024;

/**
 * Extra MB of budget per MB of input for text formats (plain text, Markdown, HTML). They
 * cannot expand like an archive or a compressed PDF stream, but need memory in proportion
 * to their size (decoded, normalised and split, a few copies: a 10 MB text file peaked at
 * ~215 MB), so a flat cap would refuse honest large files. Compressed formats (PDF, DOCX)
 * keep the flat PARSE_MAX_MEMORY_MB: that is where bombs live, and a dense 1,000-page PDF
 * peaked at 152 MB. A 45 MB text file gets ~920 MB, bounded by UPLOAD_MAX_BYTES.
 */
export const TEXT_MEMORY_MB_PER_INPUT_MB = 16;

export function memoryBudgetMb(baseMb: number, inputBytes: number, mimeType: string): number {
  if (!mimeType.startsWith('text/')) return baseMb;
  return baseMb + Math.ceil((inputBytes / MB) * TEXT_MEMORY_MB_PER_INPUT_MB);
}

/** Like parseDocument, but isolated. The caller's `bytes` are left as they were. */
export function parseInSandbox(bytes: Uint8Array, mimeType: string, options: SandboxOptions): Promise<ParsedDocument> {
  const { maxPages, timeoutMs, signal } = options;
  const maxMemoryMb =
    options.textAllowance === false ? options.maxMemoryMb : memoryBudgetMb(options.maxMemoryMb, bytes.byteLength, mimeType);
  if (signal?.aborted) return Promise.reject(signal.reason as Error); // what abort() was given, an AbortError by default
  const request: SandboxRequest = {
    byteLength: bytes.byteLength,
    mimeType,
    maxPages,
    maxUncompressedBytes: (options.maxUncompressedMb ?? 200) * MB,
    maxCompressionRatio: options.maxCompressionRatio ?? 100,
    maxMemoryBytes: maxMemoryMb * MB,
  };
  const outOfMemory = () => new IngestionError(IngestionMessages.outOfMemory(maxMemoryMb), true);

  return new Promise<ParsedDocument>((resolve, reject) => {
    const child = spawn(process.execPath, [...v8Flags(maxMemoryMb), CHILD_PATH, JSON.stringify(request)], {
      // The parser needs no configuration; keep secrets (DB URLs, API keys) out of its reach.
      env: {},
      stdio: ['pipe', 'ignore', 'pipe', 'ipc'],
      serialization: 'json',
    });

    let settled = false;
    let stderr = '';
    const finish = (settle: () => void) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      clearInterval(watchdog);
      signal?.removeEventListener('abort', onAbort);
      // Also after a result: the child waits to be killed (see parse.child.ts).
      child.kill('SIGKILL');
      settle();
    };
    const onAbort = () => finish(() => reject(signal!.reason as Error));

    const timer = setTimeout(() => finish(() => reject(new IngestionError(IngestionMessages.timedOut(timeoutMs), true))), timeoutMs);
    const watchdog = setInterval(() => {
      const rss = child.pid === undefined || !canReadRss ? null : readRssBytes(child.pid);
      if (rss !== null && rss > maxMemoryMb * MB) finish(() => reject(outOfMemory()));
    }, WATCHDOG_INTERVAL_MS);
    signal?.addEventListener('abort', onAbort, { once: true });

    child.stderr!.setEncoding('utf8');
    child.stderr!.on('data', (text: string) => (stderr = (stderr + text).slice(-STDERR_TAIL)));
    // A child killed mid-input makes the write fail (EPIPE); its exit is reported below.
    child.stdin!.on('error', () => {});
    child.stdin!.end(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength));

    child.once('message', (response: SandboxResponse) =>
      finish(() => (response.ok ? resolve(response.document) : reject(new IngestionError(response.message, response.permanent)))),
    );
    child.once('error', (error) =>
      finish(() => reject(new IngestionError(`parser could not start: ${error.message}`, false, { cause: error }))),
    );
    child.once('exit', (code, signalName) =>
      finish(() =>
        reject(
          // V8 aborts the process when the heap limit is reached.
          /heap out of memory|Fatal process out of memory|Allocation failed/i.test(stderr)
            ? outOfMemory()
            : new IngestionError(`parser exited without a result (${signalName ?? `code ${code}`})`, false, {
                cause: new Error(stderr.trim().slice(-500)),
              }),
        ),
      ),
    );
  });
}

/**
 * - The JS heap gets 60 % of the process cap: V8 only collects garbage in earnest near
 *   its heap limit, and at the full cap it let dead strings pile up until the watchdog
 *   killed parses that fit. The rest is Node itself (~45 MB resident, ~80 MB with
 *   pdf.js loaded) and off-heap buffers.
 * - --optimize-for-size makes V8 grow the heap reluctantly: measured peaks of a 5 MB
 *   text file 180 -> 130 MB, 8 MB 225 -> 167 MB, a 2000-page PDF 181 -> 160 MB, for a
 *   process that runs one parse and ends.
 */
function v8Flags(maxMemoryMb: number): string[] {
  return [
    `--max-old-space-size=${Math.max(32, Math.floor(maxMemoryMb * 0.6))}`,
    `--max-semi-space-size=${SEMI_SPACE_MB}`,
    '--optimize-for-size',
  ];
}
