import { openAsBlob } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import type { DocumentStatus } from '#libs/database/entities/document.entity.js';
import { retryDelayMs, type FailedAttempt } from './retry-policy.js';

/** The parts of the API's answers (HTTP contract, /work/shared/API.md) that the importer reads. */
export interface DocumentView {
  id: string;
  filename: string;
  status: DocumentStatus;
  error: string | null;
  chunkCount: number | null;
}
export interface UploadAnswer extends DocumentView {
  duplicate: boolean;
}
export interface FolderView {
  id: string;
  name: string;
  parentId: string | null;
}
export interface Me {
  userId: string;
  tenantId: string;
  email: string;
  role: string;
}

/** An answer that is not a success and will not become one by asking again. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
    this.name = 'ApiError';
  }
}

export interface RetryNotice {
  delayMs: number;
  reason: string;
}

export interface ClientOptions {
  baseUrl: string;
  key: string;
  /** Attempts after the first for 502/503/504 and network errors (429 is always retried). */
  retries: number;
  /** Aborts the waits between attempts (Ctrl-C); a request already sent is let finish. */
  signal: AbortSignal;
}

interface Call {
  body?: () => Promise<FormData>;
  json?: unknown;
  onRetry?: (notice: RetryNotice) => void;
  timeoutMs?: number;
}

/** A request that gets no answer within this time counts as a network error (and is retried). */
const REQUEST_TIMEOUT_MS = 60_000;
/** Uploads are as slow as the link: up to UPLOAD_MAX_BYTES (50 MB) at ~200 kB/s. */
const UPLOAD_TIMEOUT_MS = 5 * 60_000;

/** The few routes of the public API the importer uses, with retries (retry-policy.ts). */
export class RagdocsClient {
  constructor(private readonly options: ClientOptions) {}

  me(): Promise<Me> {
    return this.call('GET', '/api/v1/me');
  }

  async folders(): Promise<FolderView[]> {
    return (await this.call<{ items: FolderView[] }>('GET', '/api/v1/folders')).items;
  }

  createFolder(name: string, parentId: string | null): Promise<FolderView> {
    return this.call('POST', '/api/v1/folders', { json: parentId ? { name, parentId } : { name } });
  }

  document(id: string): Promise<DocumentView> {
    return this.call('GET', `/api/v1/documents/${encodeURIComponent(id)}`);
  }

  /**
   * Sends the file as multipart (streamed from disk, read afresh for each attempt). `resent`
   * says whether an earlier attempt may have reached the server: the server then answers
   * `duplicate: true` with the document that attempt created.
   */
  async upload(
    path: string,
    filename: string,
    folderId: string | null,
    onRetry?: (n: RetryNotice) => void,
  ): Promise<UploadAnswer & { resent: boolean }> {
    let resent = false;
    const answer = await this.call<UploadAnswer>('POST', '/api/v1/documents', {
      body: async () => {
        const form = new FormData();
        form.append('file', await openAsBlob(path), filename);
        if (folderId) form.append('folderId', folderId);
        return form;
      },
      onRetry: (n) => {
        resent = true;
        onRetry?.(n);
      },
      timeoutMs: UPLOAD_TIMEOUT_MS,
    });
    return { ...answer, resent };
  }

  private async call<T>(method: string, path: string, call: Call = {}): Promise<T> {
    const headers: Record<string, string> = { authorization: `Bearer ${this.options.key}`, accept: 'application/json' };
    if (call.json !== undefined) headers['content-type'] = 'application/json';
    for (let failures = 1; ; failures++) {
      let failed: FailedAttempt;
      // Outside the try: a file that cannot be read is not a network error to retry.
      const body = call.body ? await call.body() : call.json !== undefined ? JSON.stringify(call.json) : undefined;
      try {
        const res = await fetch(this.options.baseUrl + path, {
          method,
          headers,
          body,
          signal: AbortSignal.timeout(call.timeoutMs ?? REQUEST_TIMEOUT_MS),
        });
        const text = await res.text();
        if (res.ok) return JSON.parse(text) as T;
        failed = { kind: 'status', status: res.status, retryAfter: res.headers.get('retry-after'), message: errorMessage(res, text) };
      } catch (e) {
        if (e instanceof SyntaxError) throw new ApiError(502, `${method} ${path}: the answer is not JSON`);
        failed = { kind: 'network', message: networkMessage(e) };
      }
      const delayMs = retryDelayMs(failed, failures, this.options.retries);
      if (delayMs === null) {
        throw failed.kind === 'status' ? new ApiError(failed.status, failed.message) : new ApiError(0, failed.message);
      }
      call.onRetry?.({ delayMs, reason: failed.kind === 'status' ? `${failed.status} ${failed.message}` : failed.message });
      await sleep(delayMs, undefined, { signal: this.options.signal });
    }
  }
}

/** The API's error shape is `{statusCode, error, message}`; a proxy in front may answer HTML. */
function errorMessage(res: Response, text: string): string {
  try {
    const body = JSON.parse(text) as { message?: unknown };
    const message = Array.isArray(body.message) ? body.message.join('; ') : body.message;
    if (typeof message === 'string' && message) return message;
  } catch {
    /* not JSON */
  }
  return res.statusText || `HTTP ${res.status}`;
}

/** fetch's TypeError says only "fetch failed"; the reason (ECONNREFUSED, a timeout) is its cause. */
function networkMessage(e: unknown): string {
  if (e instanceof DOMException && e.name === 'TimeoutError') return 'no answer in time';
  const cause = e instanceof Error && e.cause instanceof Error ? e.cause : e;
  const code = (cause as { code?: string }).code;
  const message = cause instanceof Error ? cause.message : String(cause);
  return code && !message.includes(code) ? `${code} ${message}` : message;
}
