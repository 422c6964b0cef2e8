import assert from 'node:assert/strict';
import { test } from 'node:test';
import { PayloadTooLargeException } from '@nestjs/common';
import { assertWithinCaps, QueueCapExceededException, type Backlog } from '../../apps/api/src/documents/queue-caps.js';
import { MAX_PRIORITY, priorityOf } from '../../libs/queue/ingestion.queue.js';

const defaults = { maxQueuedDocuments: 3, maxQueuedBytes: 1000 };
const backlog = (b: Partial<Backlog>): Backlog => ({ queued: 1, unfinished: 1, bytes: 100, maxDocuments: null, maxBytes: null, ...b });

test("within the caps nothing is thrown; the tenant's own caps replace the defaults", () => {
  assertWithinCaps(backlog({ unfinished: 3, bytes: 1000 }), defaults, 100);
  assertWithinCaps(backlog({ unfinished: 5, maxDocuments: 5 }), defaults, 100);
  assert.throws(() => assertWithinCaps(backlog({ unfinished: 2, maxDocuments: 1 }), defaults, 100), QueueCapExceededException);
});

test('too many documents or bytes waiting: 429 with a Retry-After; a document larger than the cap itself: 413 (waiting would not help)', () => {
  assert.throws(
    () => assertWithinCaps(backlog({ unfinished: 4 }), defaults, 10),
    (e) =>
      e instanceof QueueCapExceededException &&
      e.getStatus() === 429 &&
      e.retryAfterSeconds === 30 &&
      /at most 3 documents/.test(e.message),
  );
  assert.throws(
    () => assertWithinCaps(backlog({ bytes: 1001 }), defaults, 10),
    (e) => e instanceof QueueCapExceededException && /at most 1000 bytes/.test(e.message),
  );
  assert.throws(() => assertWithinCaps(backlog({ bytes: 2000 }), defaults, 1500), PayloadTooLargeException);
});

test('a backlog rank becomes a BullMQ priority in 1..2^21-1, never 0 (0 would jump the line)', () => {
  assert.deepEqual([0, 1, 2.7, -5, Number.NaN, Infinity, 10e9].map(priorityOf), [1, 1, 2, 1, 1, 1, MAX_PRIORITY]);
});
