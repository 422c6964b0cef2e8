import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { TestApi, TestTenant } from '../support/api.js';
import { uniqueText, upload, waitForStatus } from '../support/documents.js';
import { expectingErrors } from '../support/expected-errors.js';
import { RedisServer } from '../support/redis-server.js';
import { useStack } from '../support/stack.js';
import type { WorkerProcess } from '../support/worker.js';

// A private Redis, stopped and started by the test: up before the stack, down after it (after() hooks run in order).
const redis = new RedisServer(20000 + Math.floor(Math.random() * 20000));
let api: TestApi;
let worker: WorkerProcess;
let t: TestTenant;
const stack = useStack({
  prefix: 'outage',
  prepare: () => redis.start(),
  workers: 1,
  tenants: ['outage'],
  env: { REDIS_URL: redis.url, RECONCILE_INTERVAL_MS: '500', INGESTION_LEASE_SECONDS: '2' },
});
before(
  async () =>
    ({
      api,
      worker,
      tenants: [t],
    } = await stack.ready),
);
after(() => redis.stop());

test('Redis stopped during uploads: uploads still answer 202 quickly, and the documents become ready once Redis is back', async () => {
  const uploads = await expectingErrors('uploads while Redis is down: the API cannot enqueue, the reconciler will', async () => {
    await redis.stop();
    const started = Date.now();
    const answers = [];
    for (let i = 0; i < 3; i++) answers.push(await upload(api, t.adminKey, uniqueText(`outage ${i}`), `o-${i}.txt`));
    for (const u of answers) {
      assert.equal(u.status, 202, u.text);
      assert.equal(u.body.status, 'queued');
    }
    assert.ok(Date.now() - started < 3 * 4000, 'uploads must not hang on Redis');
    // While Redis is down nothing moves, and nothing is lost.
    for (const u of answers)
      assert.equal((await api.request('GET', `/api/v1/documents/${u.body.id}`, { token: t.adminKey })).body.status, 'queued');
    await redis.start(); // an empty Redis: the jobs never reached it, the reconciler must enqueue them
    return answers;
  });
  for (const u of uploads) {
    const d = await waitForStatus(api, t.adminKey, u.body.id, ['ready', 'failed'], 90_000);
    assert.equal(d.status, 'ready', d.error);
    assert.ok(d.chunkCount > 0);
  }
  assert.ok(worker.alive);
});
