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
};
