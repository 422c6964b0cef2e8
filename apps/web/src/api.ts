// The console's only way to the server: the public HTTP contract (API.md), with the bearer token
// held in this module's memory. No cookie carries it, so no other site can make the browser send
// it (no CSRF surface), and a reload signs out.

// The search and citation shapes are the server's own (type-only: nothing of the server reaches the bundle).
import type { Citation, SearchHit as Hit } from '../../../libs/retrieval/search.types.js';

export type { Citation, Hit };

export class ApiError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

let token: string | null = null;
let onUnauthorized: () => void = () => {};

export function setToken(value: string | null): void {
  token = value;
}

/** Called when the server answers 401 to a signed-in request (expired token, revoked key). */
export function whenUnauthorized(handler: () => void): void {
  onUnauthorized = handler;
}

function headers(json: boolean, extra: Record<string, string> = {}): Record<string, string> {
  const h: Record<string, string> = { ...extra };
  if (token) h.authorization = `Bearer ${token}`;
  if (json) h['content-type'] = 'application/json';
  return h;
}

async function failure(res: Response): Promise<ApiError> {
  const body = (await res.json().catch(() => null)) as { message?: unknown } | null;
  const message = typeof body?.message === 'string' ? body.message : `${res.status} ${res.statusText}`;
  if (res.status === 401 && token) onUnauthorized();
  return new ApiError(res.status, message);
}

/** One JSON request; resolves to the parsed body (undefined for 204), rejects with the API's error message. */
export async function api<T>(method: string, path: string, body?: unknown): Promise<T> {
  const res = await fetch(path, {
    method,
    headers: headers(body !== undefined),
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  if (!res.ok) throw await failure(res);
  if (res.status === 204) return undefined as T;
  return (await res.json()) as T;
}

/**
 * Multipart upload with XMLHttpRequest, the one browser API that reports upload progress
 * (fetch does not). Resolves to the document the API answers (202 new, 200 duplicate).
 */
export function upload(file: File, folderId: string | null, onProgress: (fraction: number) => void): Promise<Doc> {
  return new Promise((resolve, reject) => {
    const xhr = new XMLHttpRequest();
    xhr.open('POST', '/api/v1/documents');
    if (token) xhr.setRequestHeader('authorization', `Bearer ${token}`);
    xhr.responseType = 'json';
    xhr.upload.onprogress = (e) => {
      if (e.lengthComputable) onProgress(e.loaded / e.total);
    };
    xhr.onload = () => {
      const body = xhr.response as (Doc & { message?: string }) | null;
      if (xhr.status >= 200 && xhr.status < 300 && body) resolve(body);
      else {
        if (xhr.status === 401) onUnauthorized();
        reject(new ApiError(xhr.status, typeof body?.message === 'string' ? body.message : `upload failed (${xhr.status})`));
      }
    };
    xhr.onerror = () => reject(new ApiError(0, 'network error during upload'));
    const form = new FormData();
    if (folderId) form.append('folderId', folderId);
    form.append('file', file);
    xhr.send(form);
  });
}

export interface SseEvent {
  event: string;
  data: unknown;
}

/**
 * POSTs and reads the answer as Server-Sent Events. EventSource can neither POST nor send an
 * Authorization header, so this reads fetch's body stream and splits it into events itself.
 */
export async function* postEventStream(path: string, body: unknown, signal?: AbortSignal): AsyncGenerator<SseEvent> {
  const res = await fetch(path, {
    method: 'POST',
    headers: headers(true, { accept: 'text/event-stream' }),
    body: JSON.stringify(body),
    signal,
  });
  if (!res.ok || !res.body) throw await failure(res);
  const reader = res.body.pipeThrough(new TextDecoderStream()).getReader();
  let buffer = '';
  for (;;) {
    const { value, done } = await reader.read();
    if (done) break;
    buffer += value;
    let end: number;
    while ((end = buffer.indexOf('\n\n')) >= 0) {
      const block = buffer.slice(0, end);
      buffer = buffer.slice(end + 2);
      let event = 'message';
      const data: string[] = [];
      for (const line of block.split('\n')) {
        if (line.startsWith('event:')) event = line.slice(6).trim();
        else if (line.startsWith('data:')) data.push(line.slice(5).replace(/^ /, ''));
      }
      if (data.length) yield { event, data: JSON.parse(data.join('\n')) as unknown };
    }
  }
}

// ---- shapes of the contract (API.md) -------------------------------------------------------

export type Role = 'admin' | 'member';
export interface Me {
  userId: string;
  tenantId: string;
  email: string;
  role: Role;
}
export interface Folder {
  id: string;
  name: string;
  parentId: string | null;
}
export type DocStatus = 'queued' | 'processing' | 'ready' | 'failed';
export interface Doc {
  id: string;
  filename: string;
  mimeType: string;
  sizeBytes: number;
  status: DocStatus;
  error: string | null;
  pageCount: number | null;
  chunkCount: number | null;
  progress: number;
  folderId: string | null;
  createdAt: string;
  duplicate?: boolean;
}
export interface Chunk {
  id: string;
  index: number;
  content: string;
  pageFrom: number;
  pageTo: number;
  section: string | null;
  tokenCount: number;
}
export interface Conversation {
  id: string;
  title: string | null;
  systemPrompt: string | null;
  folderIds: string[];
  documentIds: string[];
  updatedAt: string;
}
export interface Usage {
  promptTokens: number;
  completionTokens: number;
}
export interface Message {
  id: string;
  role: 'user' | 'assistant' | 'system';
  content: string;
  metadata: { citations?: Citation[]; usage?: Usage; model?: string; latencyMs?: number };
  createdAt: string;
}
export interface User {
  id: string;
  email: string;
  role: Role;
  createdAt: string;
}
export interface ApiKey {
  id: string;
  name: string;
  userId: string;
  prefix: string;
  createdAt: string;
  lastUsedAt: string | null;
  revokedAt: string | null;
}
export interface TenantSettings {
  systemPrompt?: string;
  searchLanguage?: string;
  dailyTokenQuota?: number;
  maxQueuedDocuments?: number;
  maxQueuedBytes?: number;
  limits?: { searchPerMinute?: number; chatPerMinute?: number; uploadPerMinute?: number; openaiPerMinute?: number };
}
export interface Tenant {
  id: string;
  name: string;
  slug: string;
  settings: TenantSettings;
  createdAt: string;
}
export interface UsageDay {
  day: string;
  kind: 'chat' | 'embedding';
  model: string;
  promptTokens: number;
  completionTokens: number;
}
export interface UsageReport {
  dailyTokenQuota: number | null;
  usedToday: number;
  items: UsageDay[];
}
export interface List<T> {
  items: T[];
  nextCursor?: string | null;
}
