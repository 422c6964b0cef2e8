import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { before, test } from 'node:test';
import { Redis } from 'ioredis';
import { SharedRateLimiter } from '../../libs/ai/rate-limiter.js';
import type { TestApi, TestTenant } from '../support/api.js';
import { uniqueText, upload, waitForStatus } from '../support/documents.js';
import type { FakeOpenAI } from '../support/fake-openai.js';
import { llmEmbeddings, ONE_CHUNK_PER_REQUEST, useStack, type Env } from '../support/stack.js';
import { waitFor, WorkerProcess } from '../support/worker.js';

let api: TestApi;
let llm: FakeOpenAI;
let t: TestTenant;
let env: Env;
const stack = useStack({
  prefix: 'ops',
  llm: true,
  tenants: ['ops'],
  env: (llm) => ({
    ...llmEmbeddings(llm),
    ...ONE_CHUNK_PER_REQUEST,
    RECONCILE_INTERVAL_MS: '1000',
    QUEUE_LOCK_DURATION_MS: '3000',
    WORKER_SHUTDOWN_GRACE_MS: '1000',
  }),
});
before(
  async () =>
    ({
      api,
      llm,
      env,
      tenants: [t],
    } = await stack.ready),
);

test('SIGTERM mid-job: the worker hands the job back within its grace period, and another worker finishes it', async () => {
  llm.embeddingDelayMs = 500;
  const first = await WorkerProcess.start(env);
  const up = await upload(api, t.adminKey, uniqueText('graceful', 14), 'g.md');
  await waitFor(
    'processing',
    async () => (await api.request('GET', `/api/v1/documents/${up.body.id}`, { token: t.adminKey })).body.progress > 20,
    60_000,
    50,
  );
  // From now on each embedding request takes 5 s, so a worker that finished the job instead of handing it back would
  // take a minute or more to stop; a shutdown bound well under that holds on a busy host too.
  llm.embeddingDelayMs = 5000;
  const stopping = Date.now();
  const code = await first.stop();
  const took = Date.now() - stopping;
  assert.ok(took < 30_000, `shutdown took ${took} ms with a 1 s grace period`);
  assert.ok(code === 0 || code === null, `exit code ${code}`);
  assert.match(first.log, /handing them back/);

  llm.embeddingDelayMs = 0;
  const second = await WorkerProcess.start(env);
  try {
    const doc = await waitForStatus(api, t.adminKey, up.body.id, ['ready', 'failed'], 60_000);
    assert.equal(doc.status, 'ready', doc.error);
  } finally {
    await second.stop();
  }
});

test('the embedding rate limit is shared across processes through Redis', async () => {
  const key = `test:rl:${randomUUID()}`;
  const r1 = new Redis(process.env.REDIS_URL ?? 'redis://127.0.0.1:6379');
  const r2 = new Redis(process.env.REDIS_URL ?? 'redis://127.0.0.1:6379');
  try {
    // Two limiters on two connections stand for two worker processes: 4 requests per 1 s window in all.
    const a = new SharedRateLimiter(r1, key, 4, 1000);
    const b = new SharedRateLimiter(r2, key, 4, 1000);
    // Start near the beginning of a window so the count is not split across two. The windows are the wall clock's
    // seconds, so times are measured from the window's start, not from the wake-up: a timer that fires late on a busy
    // machine must not read as a short wait.
    do await new Promise((r) => setTimeout(r, 1000 - (Date.now() % 1000) + 5));
    while (Date.now() % 1000 > 200);
    const window0 = Math.floor(Date.now() / 1000) * 1000;
    const times = await Promise.all(Array.from({ length: 10 }, (_, i) => (i % 2 ? a : b).acquire().then(() => Date.now() - window0)));
    times.sort((x, y) => x - y);
    assert.ok(
      times.slice(0, 4).every((ms) => ms < 1000),
      `first four within the first window: ${times.join(',')}`,
    );
    assert.ok(
      times.slice(4, 8).every((ms) => ms >= 1000),
      `next four wait for the next window: ${times.join(',')}`,
    );
    assert.ok(
      times.slice(8).every((ms) => ms >= 2000),
      `last two a window later still: ${times.join(',')}`,
    );
  } finally {
    r1.disconnect();
    r2.disconnect();
  }
});
