/**
 * The metrics an operator alerts on, after a real upload, ingestion and searches: the API's
 * /metrics (HTTP latency by route pattern, search latency by mode, query-embedding latency,
 * queue depth, pool) and the worker's own on WORKER_METRICS_PORT (ingestion stages and
 * outcomes, embedding latency and tokens), with the worker's liveness and readiness there too.
 * Also: the search's query embedding draws on the shared EMBEDDING_RPM budget in Redis.
 */
import assert from 'node:assert/strict';
import { before, test } from 'node:test';
import { Redis } from 'ioredis';
import type { TestApi, TestTenant } from '../support/api.js';
import { expectingErrors } from '../support/expected-errors.js';
import { upload, uniqueText, waitForStatus } from '../support/documents.js';
import { llmEmbeddings, useStack } from '../support/stack.js';
import { waitFor, type WorkerProcess } from '../support/worker.js';

const stack = useStack({
  prefix: 'metrics',
  llm: true,
  env: (llm) => ({ ...llmEmbeddings(llm), CHAT_PROVIDER: 'openai-compatible', CHAT_MODEL: 'test-chat' }),
  workers: 1,
  workerEnv: { WORKER_METRICS_PORT: '0', WORKER_HEARTBEAT_INTERVAL_MS: '200' },
  tenants: ['metrics'],
});
let api: TestApi;
let worker: WorkerProcess;
let t: TestTenant;
let workerBase: string;
before(async () => {
  ({
    api,
    worker,
    tenants: [t],
  } = await stack.ready);
  const port = await waitFor('the worker metrics port', async () => /worker metrics and health on port (\d+)/.exec(worker.log)?.[1]);
  workerBase = `http://127.0.0.1:${port}`;
});

/** A series' value from a Prometheus text exposition: name{labels} value (labels in any order). */
function value(text: string, name: string, labels: Record<string, string> = {}): number | undefined {
  for (const line of text.split('\n')) {
    const m = /^([a-zA-Z_:][\w:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (!m || m[1] !== name) continue;
    const have = Object.fromEntries([...(m[2] ?? '').matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g)].map((x) => [x[1], x[2]]));
    if (Object.entries(labels).every(([k, v]) => have[k] === v)) return Number(m[3]);
  }
  return undefined;
}

const scrapeApi = async () => {
  const res = await api.request('GET', '/metrics', { token: api.adminKey });
  assert.equal(res.status, 200);
  return res.text;
};
const scrapeWorker = async () => (await fetch(`${workerBase}/metrics`)).text();

test('after an upload, its ingestion and searches, the series exist with sensible counts', async () => {
  const before = await scrapeApi();
  const searchesBefore = value(before, 'ragdocs_search_duration_seconds_count', { mode: 'hybrid' }) ?? 0;
  const embedsBefore =
    value(before, 'ragdocs_ai_request_duration_seconds_count', { provider: 'openai-compatible', operation: 'embed' }) ?? 0;

  const up = await upload(api, t.adminKey, uniqueText('metrics calibration', 6), 'metrics.txt');
  assert.equal(up.status, 202, up.text);
  await waitForStatus(api, t.adminKey, up.body.id, ['ready']);
  for (let i = 0; i < 3; i++) {
    const s = await api.request('POST', '/api/v1/search', { token: t.adminKey, json: { query: 'metrics calibration', mode: 'hybrid' } });
    assert.equal(s.status, 200, s.text);
  }
  const k = await api.request('POST', '/api/v1/search', { token: t.adminKey, json: { query: 'calibration', mode: 'keyword' } });
  assert.equal(k.status, 200);

  const after = await scrapeApi();
  // HTTP latency by route pattern and status (never the raw URL).
  assert.ok(
    (value(after, 'ragdocs_http_request_duration_seconds_count', { method: 'POST', route: '/api/v1/search', status: '200' }) ?? 0) >= 4,
  );
  assert.ok(
    (value(after, 'ragdocs_http_request_duration_seconds_count', { method: 'POST', route: '/api/v1/documents', status: '202' }) ?? 0) >= 1,
  );
  assert.ok(
    (value(after, 'ragdocs_http_request_duration_seconds_count', { method: 'GET', route: '/api/v1/documents/:id', status: '200' }) ?? 0) >=
      1,
  );
  assert.ok(!after.includes(up.body.id), 'no document id in any label');
  // Search latency by mode, and the query embeddings behind the searches.
  assert.equal(value(after, 'ragdocs_search_duration_seconds_count', { mode: 'hybrid' }), searchesBefore + 3);
  assert.ok((value(after, 'ragdocs_search_duration_seconds_count', { mode: 'keyword' }) ?? 0) >= 1);
  const embeds = value(after, 'ragdocs_ai_request_duration_seconds_count', { provider: 'openai-compatible', operation: 'embed' })!;
  assert.ok(embeds >= embedsBefore + 3, `${embeds} query embeddings`);
  // Queue depth by state (read from Redis on scrape) and the pool.
  // (Completed jobs are removed at once: QUEUE_SETTINGS.) Nothing is left waiting or running.
  for (const state of ['waiting', 'active', 'delayed', 'failed', 'completed'])
    assert.equal(value(after, 'ragdocs_queue_jobs', { queue: 'ingestion', state }), 0, `ingestion ${state}`);
  assert.ok(value(after, 'ragdocs_queue_jobs', { queue: 'embedding-switch', state: 'waiting' }) !== undefined);
  assert.ok((value(after, 'ragdocs_db_pool_connections', { state: 'total' }) ?? 0) >= 1);
  assert.ok(value(after, 'ragdocs_db_pool_connections', { state: 'waiting' }) !== undefined);

  // The worker: one document ready, each stage timed once, the chunks' embeddings and their tokens.
  const w = await scrapeWorker();
  assert.equal(value(w, 'ragdocs_ingestion_documents_total', { outcome: 'ready' }), 1);
  for (const stage of ['parse', 'chunk', 'embed', 'write'])
    assert.equal(value(w, 'ragdocs_ingestion_stage_duration_seconds_count', { stage }), 1, `stage ${stage}`);
  assert.ok((value(w, 'ragdocs_ingestion_stage_duration_seconds_sum', { stage: 'parse' }) ?? 0) > 0);
  assert.ok((value(w, 'ragdocs_ai_request_duration_seconds_count', { provider: 'openai-compatible', operation: 'embed' }) ?? 0) >= 1);
  assert.ok((value(w, 'ragdocs_ai_tokens_total', { operation: 'embed', kind: 'prompt' }) ?? 0) > 0);
  assert.ok((value(w, 'ragdocs_db_pool_connections', { state: 'total' }) ?? 0) >= 1);
  assert.match(w, /^process_cpu_seconds_total /m);
});

test('a chat answer is timed and its tokens counted', async () => {
  const before = await scrapeApi();
  const chats = value(before, 'ragdocs_ai_request_duration_seconds_count', { provider: 'openai-compatible', operation: 'chat' }) ?? 0;
  const completion = value(before, 'ragdocs_ai_tokens_total', { operation: 'chat', kind: 'completion' }) ?? 0;
  const res = await api.request('POST', '/openai/v1/chat/completions', {
    token: t.adminKey,
    json: { model: 'ragdocs', messages: [{ role: 'user', content: 'What does the calibration section say?' }] },
  });
  assert.equal(res.status, 200, res.text);
  const after = await scrapeApi();
  assert.equal(value(after, 'ragdocs_ai_request_duration_seconds_count', { provider: 'openai-compatible', operation: 'chat' }), chats + 1);
  assert.ok(value(after, 'ragdocs_ai_tokens_total', { operation: 'chat', kind: 'completion' })! > completion);
  assert.ok((value(after, 'ragdocs_ai_tokens_total', { operation: 'chat', kind: 'prompt' }) ?? 0) > 0);
  assert.ok(
    (value(after, 'ragdocs_http_request_duration_seconds_count', { method: 'POST', route: '/openai/v1/chat/completions', status: '200' }) ??
      0) >= 1,
  );
});

test('embedding errors are counted by kind', () =>
  expectingErrors('the embedding model refuses a query (400): logged as a failed request', async () => {
    const { llm } = await stack.ready;
    const before = value(await scrapeApi(), 'ragdocs_ai_errors_total', { operation: 'embed', kind: 'client' }) ?? 0;
    llm.enqueue({ status: 400, path: '/embeddings' });
    const s = await api.request('POST', '/api/v1/search', { token: t.adminKey, json: { query: 'anything', mode: 'vector' } });
    assert.equal(s.status, 502, s.text);
    assert.equal(value(await scrapeApi(), 'ragdocs_ai_errors_total', { operation: 'embed', kind: 'client' }), before + 1);
  }));

test("the worker's liveness and readiness on its port", async () => {
  const live = await fetch(`${workerBase}/health/live`);
  assert.equal(live.status, 200);
  assert.deepEqual(await live.json(), { status: 'ok', problems: [] });
  const ready = await fetch(`${workerBase}/health/ready`);
  assert.equal(ready.status, 200);
  assert.deepEqual(((await ready.json()) as { checks: unknown }).checks, { database: 'ok', migrations: 'ok', redis: 'ok' });
  assert.equal((await fetch(`${workerBase}/nothing`)).status, 404);
});

test('query embeddings draw on the shared EMBEDDING_RPM budget, as ingestion does', async () => {
  const redis = new Redis(process.env.REDIS_URL ?? 'redis://127.0.0.1:6379');
  try {
    const window = () => `${stack.env.QUEUE_PREFIX}:ratelimit:embeddings:${Math.floor(Date.now() / 60_000)}`;
    // Far from a window's end, so both reads count in the same window.
    if (Date.now() % 60_000 > 55_000) await new Promise((r) => setTimeout(r, 60_000 - (Date.now() % 60_000) + 50));
    const key = window();
    const before = Number((await redis.get(key)) ?? 0);
    for (let i = 0; i < 2; i++) {
      const s = await api.request('POST', '/api/v1/search', { token: t.adminKey, json: { query: `budget ${i}`, mode: 'hybrid' } });
      assert.equal(s.status, 200, s.text);
    }
    assert.equal(Number(await redis.get(key)), before + 2, 'each query embedding took one request from the shared budget');
  } finally {
    redis.disconnect();
  }
});
