import assert from 'node:assert/strict';
import { before, test } from 'node:test';
import type { TestApi, TestTenant } from '../support/api.js';
import { uniqueText, upload, waitForStatus } from '../support/documents.js';
import type { FakeOpenAI } from '../support/fake-openai.js';
import { llmEmbeddings, useStack } from '../support/stack.js';

let llm: FakeOpenAI;
let api: TestApi;
let t: TestTenant;
const stack = useStack({
  prefix: 'retry',
  llm: true,
  workers: 1,
  tenants: ['retry'],
  env: (llm) => ({ ...llmEmbeddings(llm), OPENAI_MAX_RETRIES: '5' }),
});
before(
  async () =>
    ({
      llm,
      api,
      tenants: [t],
    } = await stack.ready),
);

test('429 with Retry-After, then 500s, then success: the document ends ready and the retry waited as told', async () => {
  llm.enqueue(
    { status: 429, headers: { 'retry-after': '2' }, body: { error: { message: 'Rate limit reached', type: 'requests' } } },
    { status: 500 },
    { status: 503 },
  );
  const res = await upload(api, t.adminKey, uniqueText('retries'), 'r.txt');
  assert.equal(res.status, 202);
  const doc = await waitForStatus(api, t.adminKey, res.body.id, ['ready', 'failed'], 90_000);
  assert.equal(doc.status, 'ready', doc.error);

  const calls = llm.embeddingRequests();
  assert.deepEqual(
    calls.slice(0, 4).map((c) => c.status),
    [429, 500, 503, 200],
  );
  const waited = calls[1]!.at - calls[0]!.at;
  assert.ok(waited >= 1900, `retried after ${waited} ms, Retry-After said 2 s`);
  assert.ok(calls[2]!.at > calls[1]!.at && calls[3]!.at > calls[2]!.at);
  const chunks = await api.request('GET', `/api/v1/documents/${res.body.id}/chunks`, { token: t.adminKey });
  assert.ok(chunks.body.items.length > 0);
  assert.ok(
    chunks.body.items.every((c: { model: string }) => c.model === 'test-embed'),
    'the model name is stored with each chunk',
  );
  // The embedding request carried the model and the texts in one batch.
  assert.equal(calls[3]!.body.model, 'test-embed');
  assert.equal(calls[3]!.body.input.length, chunks.body.items.length);
});
