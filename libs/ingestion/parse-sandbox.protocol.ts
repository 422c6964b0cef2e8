import type { ParsedDocument } from './parsed-document.js';

/** What parse-sandbox hands the worker (as workerData; `buffer` is transferred, not copied). */
export interface SandboxRequest {
  buffer: ArrayBuffer;
  mimeType: string;
  maxPages: number;
}

/** The worker's single message back. Errors travel as data: class identity doesn't survive postMessage. */
export type SandboxResponse =
  | { ok: true; document: ParsedDocument }
  | { ok: false; message: string; permanent: boolean };
