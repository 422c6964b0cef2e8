/**
 * The worker's heartbeat file (docker/compose.yml's health check reads its age) tells the
 * truth: fresh while Redis answers and the processors run, stale once the worker loses Redis,
 * fresh again when Redis is back. /health/live on WORKER_METRICS_PORT says the same.
 */
import assert from 'node:assert/strict';
import { statSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { expectingErrors } from '../support/expected-errors.js';
import { RedisServer } from '../support/redis-server.js';
import { useStack } from '../support/stack.js';
import { waitFor, type WorkerProcess } from '../support/worker.js';

const redis = new RedisServer(20000 + Math.floor(Math.random() * 20000));
const dir = mkdtempSync(join(tmpdir(), 'ragdocs-heartbeat-'));
const heartbeat = join(dir, 'worker-heartbeat');
const INTERVAL = 200;
const stack = useStack({
  prefix: 'liveness',
  prepare: () => redis.start(),
  workers: 1,
  env: { REDIS_URL: redis.url },
  workerEnv: { WORKER_HEARTBEAT_FILE: heartbeat, WORKER_HEARTBEAT_INTERVAL_MS: String(INTERVAL), WORKER_METRICS_PORT: '0' },
});
let worker: WorkerProcess;
let base: string;
before(async () => {
  ({ worker } = await stack.ready);
  base = `http://127.0.0.1:${await waitFor('the worker port', async () => /worker metrics and health on port (\d+)/.exec(worker.log)?.[1])}`;
});
after(async () => {
  await redis.stop();
  rmSync(dir, { recursive: true, force: true });
});

const mtime = () => {
  try {
    return statSync(heartbeat).mtimeMs;
  } catch {
    return 0;
  }
};
/** The heartbeat file is touched again within `ms`. */
async function touchedWithin(ms: number): Promise<boolean> {
  const before = mtime();
  const deadline = Date.now() + ms;
  while (Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, 50));
    if (mtime() > before) return true;
  }
  return false;
}
const live = async () => {
  const res = await fetch(`${base}/health/live`);
  return { status: res.status, body: (await res.json()) as { status: string; problems: string[] } };
};

test('fresh while healthy, stale while Redis is gone, fresh again when it is back', async () => {
  assert.ok(await touchedWithin(10 * INTERVAL), 'a healthy worker touches its heartbeat');
  assert.deepEqual(await live(), { status: 200, body: { status: 'ok', problems: [] } });

  await expectingErrors('the worker loses Redis: its heartbeat stops', async () => {
    await redis.stop();
    // A check in flight when Redis went away may still write once; after the PING timeout (2 s) none does.
    await new Promise((r) => setTimeout(r, 2500));
    assert.equal(await touchedWithin(15 * INTERVAL), false, 'no heartbeat without Redis');
    const down = await live();
    assert.equal(down.status, 503);
    assert.deepEqual(down.body.problems, ['redis does not answer']);
    assert.equal(worker.alive, true, 'the process itself stays up: the orchestrator decides');
    assert.match(worker.log, /not live, heartbeat withheld: redis does not answer/);

    await redis.start();
    assert.ok(await touchedWithin(15_000), 'the heartbeat resumes once Redis answers again');
  });
  assert.equal((await live()).status, 200);
  assert.match(worker.log, /live again: heartbeat resumed/);
});
