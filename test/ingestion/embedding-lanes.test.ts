/**
 * A document's chunks are embedded in parallel lanes (EMBEDDING_CONCURRENCY). When one lane's
 * request fails for good, the other lanes' requests in flight are aborted through the OpenAI
 * SDK (the HTTP requests are cancelled, not left to finish) and no further batch is sent.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { APIUserAbortError } from 'openai';
import { embedInBatches } from '../../libs/ai/embedding/embed-in-batches.js';
import type { EmbeddingProvider } from '../../libs/ai/embedding/embedding-provider.js';
import { createEmbeddingProvider } from '../../libs/ai/embedding/embedding.factory.js';
import { loadConfig } from '../../libs/config/config.js';
import { FakeOpenAI } from '../support/fake-openai.js';

let llm: FakeOpenAI;
before(async () => (llm = await FakeOpenAI.start(64)));
after(() => llm.close());

test('one failed lane aborts the requests of the others in flight and stops every lane', async () => {
  const ai = loadConfig({
    ...process.env,
    EMBEDDING_PROVIDER: 'openai-compatible',
    OPENAI_BASE_URL: llm.baseUrl,
    EMBEDDING_MODEL: 'test-embed',
    EMBEDDING_DIMENSIONS: '64',
    OPENAI_MAX_RETRIES: '0',
  }).ai;
  let acquired = 0;
  const sdk = createEmbeddingProvider(ai, { acquire: async () => void acquired++ });
  // What became of each request: answered, or how it failed and when.
  const settled: { error?: unknown; at: number }[] = [];
  const recording: EmbeddingProvider = {
    model: sdk.model,
    dimensions: sdk.dimensions,
    embed: (texts, signal) =>
      sdk.embed(texts, signal).then(
        (v) => (settled.push({ at: Date.now() }), v),
        (error: unknown) => {
          settled.push({ error, at: Date.now() });
          throw error;
        },
      ),
  };
  // Every answer takes 30 s, except one refusal after 100 ms: a lane that was not aborted would end after 30 s, far
  // past the bounds below, which leave room for a host busy with other work.
  llm.embeddingDelayMs = 30_000;
  llm.enqueue({ status: 400, delayMs: 100, path: '/embeddings' });
  const sent = llm.requests.length;
  const started = Date.now();
  try {
    await assert.rejects(
      embedInBatches(
        recording,
        Array.from({ length: 30 }, (_, i) => `text ${i}`),
        { batchSize: 1, concurrency: 4, signal: new AbortController().signal },
      ),
      /400/,
    );
    // The lanes' requests in flight end with the abort, long before their 30 s answers.
    const deadline = Date.now() + 10_000;
    while (settled.length < 4 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    assert.equal(settled.length, 4, 'every lane ended');
    const aborted = settled.filter((s) => s.error instanceof APIUserAbortError);
    assert.equal(aborted.length, 3, `the 3 other lanes were aborted: ${settled.map((s) => String(s.error)).join('; ')}`);
    for (const s of settled) assert.ok(s.at - started < 10_000, `a lane ended ${s.at - started} ms after the start`);
    // And nothing more is sent: 4 requests (one per lane), one limiter draw each.
    await new Promise((r) => setTimeout(r, 300));
    assert.equal(llm.requests.length - sent, 4);
    assert.equal(acquired, 4);
  } finally {
    llm.embeddingDelayMs = 0;
  }
});
