import type { JobsOptions, WorkerOptions } from 'bullmq';
import { QueueName } from './queue.constants.js';

export interface QueueSettings {
  /** Defaults for every job added to the queue. */
  job: Pick<JobsOptions, 'attempts' | 'backoff' | 'removeOnComplete' | 'removeOnFail'>;
  /** Worker behaviour: how long a job's lock lives, how stalls are detected. */
  worker: Pick<WorkerOptions, 'lockDuration' | 'stalledInterval' | 'maxStalledCount'>;
}

/**
 * One typed record of per-queue settings. Completed jobs are removed at once
 * (the document row is the record, and jobId = documentId must be reusable for
 * a reprocess); failed ones are kept a week for inspection.
 */
export const QUEUE_SETTINGS: Record<QueueName, QueueSettings> = {
  [QueueName.Ingestion]: {
    job: {
      attempts: 5,
      backoff: { type: 'exponential', delay: 2_000 },
      removeOnComplete: true,
      removeOnFail: { age: 7 * 24 * 3600, count: 10_000 },
    },
    worker: {
      // A killed worker's job is taken back after the lock expires (QUEUE_LOCK_DURATION_MS overrides).
      lockDuration: 30_000,
      stalledInterval: 15_000,
      maxStalledCount: 2,
    },
  },
  [QueueName.VectorIndex]: {
    job: {
      attempts: 3,
      backoff: { type: 'exponential', delay: 30_000 },
      // jobId = tenant: a finished job must not block the next check of the same tenant.
      removeOnComplete: true,
      removeOnFail: true,
    },
    worker: {
      // An index build runs for minutes and holds no BullMQ-visible progress; a long lock keeps it from being taken twice.
      lockDuration: 10 * 60_000,
      stalledInterval: 60_000,
      maxStalledCount: 1,
    },
  },
  [QueueName.EmbeddingSwitch]: {
    job: {
      // A batch that fails (the provider down) fails the attempt; the next one goes on from the chunks already done.
      attempts: 8,
      backoff: { type: 'exponential', delay: 5_000 },
      // jobId = the set: a finished job must not block a later request for the same set (a drop after a switch).
      removeOnComplete: true,
      // Kept so the dashboard shows why; a new POST of the same model removes it and queues the switch again.
      removeOnFail: { age: 7 * 24 * 3600 },
    },
    worker: {
      // A killed worker's switch is taken back once its lock lapses (QUEUE_LOCK_DURATION_MS overrides, like ingestion).
      lockDuration: 30_000,
      stalledInterval: 15_000,
      // Each stall is a worker lost mid-switch; the work done stays done, so it may happen a few times.
      maxStalledCount: 5,
    },
  },
};
