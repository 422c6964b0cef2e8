import type { Logger } from '@nestjs/common';
import type { Queue } from 'bullmq';

const REPEAT_AFTER_MS = 60_000;

/**
 * Logs a queue's Redis connection errors as warnings, the same message at most once a
 * minute. Without an 'error' listener BullMQ prints each one as a bare stack trace
 * (console.error), at every reconnect attempt. An outage is reported by readiness, and
 * the reconciler enqueues what could not be queued meanwhile.
 */
export function logQueueErrors(queue: Queue, logger: Logger): void {
  let last = { message: '', at: 0 };
  queue.on('error', (e: Error) => {
    if (e.message === last.message && Date.now() - last.at < REPEAT_AFTER_MS) return;
    last = { message: e.message, at: Date.now() };
    logger.warn(`queue ${queue.name}: ${e.message}`);
  });
}
