/**
 * Non-ASCII upload filenames, sent as raw multipart bodies the way clients write them: the plain
 * `filename="…"` with the name's UTF-8 bytes (browsers, curl, fetch's FormData) and the RFC 5987 /
 * RFC 6266 `filename*=UTF-8''…` form (percent-encoded UTF-8), alone and beside an ASCII fallback.
 * The name comes back intact from the upload, the document, and the list.
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { before, test } from 'node:test';
import type { TestApi, TestTenant } from '../support/api.js';
import { uniqueText } from '../support/documents.js';
import { useStack } from '../support/stack.js';

let api: TestApi;
let tenant: TestTenant;
const stack = useStack({ prefix: 'filenames', tenants: ['filenames'] });
before(
  async () =>
    ({
      api,
      tenants: [tenant],
    } = await stack.ready),
);

const NAMES = ['Résumé.md', '履歴書 2026 📄 notes.md', 'Ünïcödé – ✓ 😀.txt', 'naïve café.md'];

/** One multipart body with one file part whose Content-Disposition carries `disposition` (UTF-8 bytes as written). */
function multipart(disposition: string, content: string): { body: Uint8Array; contentType: string } {
  const boundary = `----ragdocs${randomUUID()}`;
  const body = Buffer.concat([
    Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="file"; ${disposition}\r\nContent-Type: text/plain\r\n\r\n`, 'utf8'),
    Buffer.from(content, 'utf8'),
    Buffer.from(`\r\n--${boundary}--\r\n`, 'utf8'),
  ]);
  return { body, contentType: `multipart/form-data; boundary=${boundary}` };
}

/** RFC 5987 ext-value: UTF-8, percent-encoded beyond attr-char. */
const ext = (name: string) =>
  `UTF-8''${encodeURIComponent(name).replace(/['()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`)}`;

async function uploadRaw(disposition: string): Promise<{ id: string; filename: string }> {
  const { body, contentType } = multipart(disposition, uniqueText('filenames'));
  const res = await api.request('POST', '/api/v1/documents', { token: tenant.adminKey, body, headers: { 'content-type': contentType } });
  assert.equal(res.status, 202, res.text);
  return res.body;
}

async function assertStoredAs(id: string, name: string): Promise<void> {
  const doc = await api.request('GET', `/api/v1/documents/${id}`, { token: tenant.adminKey });
  assert.equal(doc.status, 200, doc.text);
  assert.equal(doc.body.filename, name);
  const list = await api.request('GET', '/api/v1/documents?limit=100', { token: tenant.adminKey });
  assert.equal(list.status, 200, list.text);
  assert.equal(list.body.items.find((d: { id: string }) => d.id === id)?.filename, name);
}

test('plain filename="…" in UTF-8 (what browsers, curl and FormData send) keeps the name', async () => {
  for (const name of NAMES) {
    const doc = await uploadRaw(`filename="${name}"`);
    assert.equal(doc.filename, name, `sent ${name}`);
    await assertStoredAs(doc.id, name);
  }
});

test("RFC 5987 filename*=UTF-8''… keeps the name, and wins over an ASCII fallback beside it", async () => {
  for (const name of NAMES) {
    const alone = await uploadRaw(`filename*=${ext(name)}`);
    assert.equal(alone.filename, name, `sent ${ext(name)}`);
    await assertStoredAs(alone.id, name);
    const withFallback = await uploadRaw(`filename="fallback.txt"; filename*=${ext(name)}`);
    assert.equal(withFallback.filename, name, `sent a fallback and ${ext(name)}`);
  }
});

test('fetch FormData, the way the other suites upload, keeps CJK and emoji too', async () => {
  const name = '見積書 🧾.md';
  const form = new FormData();
  form.append('file', new Blob([uniqueText('formdata')]), name);
  const res = await api.request('POST', '/api/v1/documents', { token: tenant.adminKey, body: form });
  assert.equal(res.status, 202, res.text);
  assert.equal(res.body.filename, name);
});
