import { randomUUID } from 'node:crypto';
import type { TestApi } from './api.js';
import { waitFor } from './worker.js';

/** Uploads bytes as multipart, the way a browser or curl would. */
export function upload(
  api: Pick<TestApi, 'request'>,
  token: string,
  bytes: Uint8Array | string,
  filename = 'file.txt',
  extra: Record<string, string> = {},
) {
  const form = new FormData();
  const data = typeof bytes === 'string' ? new TextEncoder().encode(bytes) : bytes;
  form.append('file', new Blob([data]), filename);
  for (const [k, v] of Object.entries(extra)) form.append(k, v);
  return api.request('POST', '/api/v1/documents', { token, body: form });
}

/** A unique text document (unique so the per-tenant duplicate check does not merge test uploads). */
export function uniqueText(topic: string, paragraphs = 3): string {
  const tag = randomUUID();
  return Array.from(
    { length: paragraphs },
    (_, i) => `${topic} paragraph ${i + 1}. This section explains ${topic} in detail, reference ${tag}-${i}.`,
  ).join('\n\n');
}

export async function waitForStatus(api: Pick<TestApi, 'request'>, token: string, id: string, statuses: string[], timeoutMs = 60_000) {
  return waitFor(
    `document ${id} to be ${statuses.join('/')}`,
    async () => {
      const res = await api.request('GET', `/api/v1/documents/${id}`, { token });
      return statuses.includes(res.body?.status) ? res.body : undefined;
    },
    timeoutMs,
    150,
  );
}
