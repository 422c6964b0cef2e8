import assert from 'node:assert/strict';
import { test } from 'node:test';
import { MeteredEmbedder } from '../../libs/ai/embedding/metered.embedder.js';
import { embedInBatches } from '../../libs/ai/embedding/embed-in-batches.js';
import type { EmbeddingProvider } from '../../libs/ai/embedding/embedding-provider.js';
import { LocalEmbedder } from '../../libs/ai/embedding/local.embedder.js';
import { platformEmbeddingModel } from '../../libs/config/embedding-default.js';
import { describeModel, modelProblems, sameModel } from '../../libs/embedding-sets/embedding-model.js';
import { etaSeconds, progressOf } from '../../libs/embedding-sets/switch-progress.js';

const configured = { openaiApiKey: 'sk-x', openaiBaseUrl: 'http://llm.local/v1' };

test('a model is checked against what the platform can embed with', () => {
  assert.deepEqual(modelProblems({ provider: 'local', model: 'local-hash-v1', dimensions: 768 }, {}), []);
  assert.deepEqual(modelProblems({ provider: 'openai', model: 'text-embedding-3-large', dimensions: 3072 }, configured), []);
  assert.deepEqual(modelProblems({ provider: 'local', model: 'local-hash-v1', dimensions: 4001 }, {}), [
    'dimensions must be an integer from 2 to 4000',
  ]);
  assert.deepEqual(modelProblems({ provider: 'local', model: 'bert', dimensions: 1.5 }, {}), [
    'dimensions must be an integer from 2 to 4000',
    'model "bert" is not a built-in local model (local-hash-v1)',
  ]);
  assert.match(modelProblems({ provider: 'openai', model: 'm', dimensions: 8 }, {}).join(), /OPENAI_API_KEY/);
  assert.match(
    modelProblems({ provider: 'openai-compatible', model: 'm', dimensions: 8 }, { openaiApiKey: 'k' }).join(),
    /OPENAI_BASE_URL/,
  );
  assert.match(modelProblems({ provider: 'acme' as never, model: 'm', dimensions: 8 }, configured).join(), /provider must be one of/);
});

test('two models are the same only with the same provider, name and dimension', () => {
  const a = { provider: 'local', model: 'local-hash-v1', dimensions: 1536 } as const;
  assert.ok(sameModel(a, { ...a }));
  assert.ok(!sameModel(a, { ...a, dimensions: 768 }));
  assert.ok(!sameModel(a, { ...a, provider: 'openai-compatible' }));
  assert.equal(describeModel(a), 'local local-hash-v1 (1536 dimensions)');
});

test('the platform default model: the named one, or the built-in offline one without a key, at EMBEDDING_DIMENSIONS', () => {
  assert.deepEqual(platformEmbeddingModel({}), { provider: 'local', model: 'local-hash-v1', dimensions: 1536 });
  assert.deepEqual(platformEmbeddingModel({ OPENAI_API_KEY: 'k' }), {
    provider: 'openai',
    model: 'text-embedding-3-small',
    dimensions: 1536,
  });
  assert.deepEqual(platformEmbeddingModel({ OPENAI_API_KEY: 'k', OPENAI_BASE_URL: 'http://x' }).provider, 'openai-compatible');
  assert.deepEqual(platformEmbeddingModel({ EMBEDDING_PROVIDER: 'local', EMBEDDING_DIMENSIONS: '768' }), {
    provider: 'local',
    model: 'local-hash-v1',
    dimensions: 768,
  });
  // .env.example names OpenAI's model for when a key is added; without one the built-in model is what embeds.
  assert.equal(platformEmbeddingModel({ EMBEDDING_MODEL: 'text-embedding-3-small' }).model, 'local-hash-v1');
});

test('the built-in model at two dimensions is two models: same text, vectors of each length, different similarities', async () => {
  const [wide, narrow] = [new LocalEmbedder(1536), new LocalEmbedder(768)];
  const texts = ['refund of an invoice payment', 'the invoice was paid by bank transfer and refunded'];
  const cos = ([a, b]: number[][]) => a!.reduce((s, x, i) => s + x * b![i]!, 0);
  const [w, n] = [await wide.embed(texts), await narrow.embed(texts)];
  assert.deepEqual([w[0]!.length, n[0]!.length], [1536, 768]);
  assert.equal(wide.model, narrow.model);
  assert.notEqual(cos(w).toFixed(4), cos(n).toFixed(4));
});

test('the ETA is at the rate of the current run, none until it has one, 0 when done', () => {
  assert.equal(etaSeconds({ done: 600, total: 1000 }, 200, 4_000), 4); // 400 in 4 s: 100/s, 400 left
  assert.equal(etaSeconds({ done: 200, total: 1000 }, 200, 4_000), null); // nothing embedded in this run yet
  assert.equal(etaSeconds({ done: 300, total: 1000 }, 200, 500), null); // too early to tell
  assert.equal(etaSeconds({ done: 1000, total: 1000 }, 0, 0), 0);
  const p = progressOf('re-embedding', { done: 1, total: 3 }, undefined, 2);
  assert.deepEqual(p, { phase: 're-embedding', done: 1, total: 3, percent: 33.3, etaSeconds: null, errors: 2 });
  assert.equal(progressOf('indexing', { done: 0, total: 0 }, undefined, 0).percent, 100);
});

/** An embedder that records its batches and fails the n-th request. */
function recording(failAt = Infinity): EmbeddingProvider & { batches: string[][] } {
  const batches: string[][] = [];
  return {
    model: 'rec',
    dimensions: 2,
    batches,
    async embed(texts, signal) {
      batches.push(texts);
      if (batches.length === failAt) throw new Error('provider down');
      await new Promise((r) => setTimeout(r, 5));
      signal?.throwIfAborted();
      return texts.map((t) => [t.length, 1]);
    },
  };
}

test("embedInBatches: batches of the given size, each through the limiter, vectors in the texts' order", async () => {
  const embedder = recording();
  let acquired = 0;
  const texts = Array.from({ length: 10 }, (_, i) => 'x'.repeat(i + 1));
  const after: number[] = [];
  // The limiter sits in the embedder (createEmbeddingProvider), so every caller draws on it.
  const limited = new MeteredEmbedder(embedder, 'test', { acquire: async () => void acquired++ });
  const vectors = await embedInBatches(limited, texts, {
    batchSize: 3,
    concurrency: 2,
    signal: new AbortController().signal,
    afterBatch: async (done, batches) => void after.push(done / batches),
  });
  assert.deepEqual(
    vectors.map((v) => v[0]),
    texts.map((t) => t.length),
  );
  assert.deepEqual(embedder.batches.map((b) => b.length).sort(), [1, 3, 3, 3]);
  assert.equal(acquired, 4);
  assert.deepEqual(after, [0.25, 0.5, 0.75, 1]);
});

test('embedInBatches: one failed request stops the other lanes; the failure is what it rejects with', async () => {
  const embedder = recording(2);
  const texts = Array.from({ length: 40 }, () => 't');
  await assert.rejects(
    embedInBatches(embedder, texts, {
      batchSize: 1,
      concurrency: 3,
      signal: new AbortController().signal,
    }),
    /provider down/,
  );
  await new Promise((r) => setTimeout(r, 30));
  assert.ok(embedder.batches.length <= 4, `${embedder.batches.length} requests after the failure`);
});
