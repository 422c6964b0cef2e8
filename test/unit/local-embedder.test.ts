import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { EmbeddingProvider } from '../../libs/ai/embedding/embedding-provider.js';
import { LocalEmbedder } from '../../libs/ai/embedding/local.embedder.js';

const norm = (v: number[]) => Math.sqrt(v.reduce((sum, x) => sum + x * x, 0));
const cosine = (a: number[], b: number[]) => a.reduce((sum, x, i) => sum + x * b[i]!, 0) / (norm(a) * norm(b));

const passages = [
  'The quarterly revenue grew by twelve percent, driven by strong sales of subscriptions in Europe.',
  'To reset your password, open the account settings page and choose "forgot password"; a reset link is emailed.',
  'The office kitchen is cleaned every Friday; please label any food you store in the refrigerator.',
  'Our API rate limit is 600 requests per minute per tenant; exceeding it returns HTTP status 429.',
  'Employees accrue 25 vacation days per year, and unused holidays can be carried over until March.',
];

const queries: [query: string, expected: number][] = [
  ['How much did revenue grow last quarter?', 0],
  ['I forgot my password, how do I reset it?', 1],
  ['When is the kitchen cleaned?', 2],
  ['what happens when I exceed the rate limit', 3],
  ['How many vacation days do employees get per year?', 4],
  ['holiday carry-over', 4], // "holidays" / "carried": matched through shared character trigrams
];

test('implements EmbeddingProvider with the configured dimensions', async () => {
  const embedder: EmbeddingProvider = new LocalEmbedder();
  assert.equal(embedder.model, 'local-hash-v1');
  assert.equal(embedder.dimensions, 1536);
  const [vector] = await embedder.embed(['hello world']);
  assert.equal(vector!.length, 1536);

  const small = new LocalEmbedder(64);
  const vectors = await small.embed(['a b c', 'd e f', 'g']);
  assert.equal(vectors.length, 3);
  assert.ok(vectors.every((v) => v.length === 64));
  assert.throws(() => new LocalEmbedder(0), RangeError);
});

test('vectors have unit length, including for text without words', async () => {
  const vectors = await new LocalEmbedder().embed([...passages, '', '   ', '?!… —', 'x']);
  for (const vector of vectors) {
    assert.ok(Math.abs(norm(vector) - 1) < 1e-9, `norm ${norm(vector)}`);
    assert.ok(vector.every(Number.isFinite));
  }
});

test('deterministic across calls and instances', async () => {
  const first = await new LocalEmbedder().embed(passages);
  const second = await new LocalEmbedder().embed([...passages].reverse());
  assert.deepEqual(first, second.reverse());
});

test('case, accents and Unicode forms do not matter', async () => {
  const [a, b] = await new LocalEmbedder().embed(['Crème Brûlée RECIPE', 'creme brulee recipe']);
  assert.ok(cosine(a!, b!) > 0.999);
});

test('the passage answering a query ranks first by cosine similarity', async () => {
  const embedder = new LocalEmbedder();
  const passageVectors = await embedder.embed(passages);
  const queryVectors = await embedder.embed(queries.map(([q]) => q));
  queries.forEach(([query, expected], i) => {
    const scores = passageVectors.map((p) => cosine(queryVectors[i]!, p));
    const best = scores.indexOf(Math.max(...scores));
    assert.equal(best, expected, `"${query}" → ${JSON.stringify(scores.map((s) => s.toFixed(3)))}`);
  });
});

test('unrelated texts are far apart, related ones close', async () => {
  const [a, b, c] = await new LocalEmbedder().embed([
    'invoice payment due date',
    'the invoice payment is due on the first',
    'mountain hiking trail',
  ]);
  assert.ok(cosine(a!, b!) > 0.4);
  assert.ok(cosine(a!, c!) < 0.1);
});

test('1,000 chunks of ~500 tokens embed in well under a few seconds', async () => {
  const words = 'the system stores document chunks with embeddings for retrieval across tenants and sessions'.split(' ');
  const texts = Array.from({ length: 1000 }, (_, i) =>
    Array.from({ length: 380 }, (_, j) => words[(i * 7 + j * 13) % words.length] + (j % 17 === 0 ? `${i}` : '')).join(' '),
  );
  const started = performance.now();
  const vectors = await new LocalEmbedder().embed(texts);
  const elapsed = performance.now() - started;
  assert.equal(vectors.length, 1000);
  assert.ok(elapsed < 3000, `took ${elapsed.toFixed(0)} ms`);
});

test('an aborted signal stops embedding', async () => {
  const controller = new AbortController();
  controller.abort(new Error('cancelled'));
  await assert.rejects(new LocalEmbedder().embed(['x'], controller.signal), /cancelled/);
});
