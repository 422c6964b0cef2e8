import type { ParsedDocument } from './parsed-document.js';

/**
 * What parse-sandbox hands the parser process, as one JSON command-line argument; the
 * document's bytes (`byteLength` of them) follow on its stdin.
 */
export interface SandboxRequest {
  byteLength: number;
  mimeType: string;
  maxPages: number;
  maxUncompressedBytes: number;
  maxCompressionRatio: number;
  /** The parent's cap; the child's own guard uses it too (parse.child-guard.ts). */
  maxMemoryBytes: number;
}

/** The process's single IPC message back. Errors travel as data: class identity doesn't survive IPC. */
export type SandboxResponse = { ok: true; document: ParsedDocument } | { ok: false; message: string; permanent: boolean };
