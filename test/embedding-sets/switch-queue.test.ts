/**
 * A switch job that used up its attempts stays in the queue as failed (kept 7 days), and adding a job under its id
 * again does nothing: the vector-index sweep, which asks for the switch of every set with work left, could not bring
 * back a retired set's unfinished drop, nor a building set whose job failed while the database was down (found by a
 * review). The sweep now asks with `again`, which removes a failed job once it has been failed for a while.
 * Real Redis, a real BullMQ queue and worker.
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, test } from 'node:test';
import { Queue, Worker } from 'bullmq';
import { EmbeddingSwitchQueue, switchJobId } from '../../libs/queue/embedding-switch.queue.js';
import { JobName, QueueName } from '../../libs/queue/queue.constants.js';
import { waitFor } from '../support/worker.js';

const connection = { url: process.env.REDIS_URL ?? 'redis://127.0.0.1:6379' };
const prefix = `swq-${randomUUID().slice(0, 8)}`;
let queue: Queue;
let switches: EmbeddingSwitchQueue;
const tenantId = randomUUID();
const setId = 3;

before(async () => {
  queue = new Queue(QueueName.EmbeddingSwitch, { connection, prefix });
  switches = new EmbeddingSwitchQueue(queue);
  // The job fails for good at its first attempt (no attempts option: one).
  const worker = new Worker(
    QueueName.EmbeddingSwitch,
    async () => {
      throw new Error('the database is down');
    },
    { connection, prefix },
  );
  try {
    assert.equal(await switches.request(tenantId, setId), true);
    await waitFor('the job failed', async () => (await queue.getJob(switchJobId(tenantId, setId)))?.finishedOn !== undefined, 10_000, 50);
  } finally {
    await worker.close();
  }
});

after(async () => {
  await queue.obliterate({ force: true });
  await queue.close();
});

const state = async () => (await queue.getJob(switchJobId(tenantId, setId)))?.getState();

test('asking again under the id of a failed job does nothing without `again`', async () => {
  assert.equal(await state(), 'failed');
  assert.equal(await switches.request(tenantId, setId), true);
  assert.equal(await state(), 'failed');
});

test('`again` leaves a job that failed a moment ago (its processor marks the set failed then), and brings back one that failed earlier', async () => {
  await switches.request(tenantId, setId, { again: true, failedBeforeMs: 60_000 });
  assert.equal(await state(), 'failed', 'failed less than a minute ago: left alone');
  await switches.request(tenantId, setId, { again: true, failedBeforeMs: 0 });
  assert.equal(await state(), 'waiting', 'removed and queued anew');
  const job = await queue.getJob(switchJobId(tenantId, setId));
  assert.equal(job?.name, JobName.SwitchEmbeddingSet);
  assert.deepEqual(job?.data, { tenantId, setId });
});
