import { Processor, WorkerHost } from '@nestjs/bullmq';
import { Logger, type OnApplicationBootstrap, type OnModuleDestroy } from '@nestjs/common';
import type { Job } from 'bullmq';
import { JobName, QueueName, type JobPayloads } from '#libs/queue/queue.constants.js';
import { QUEUE_SETTINGS } from '#libs/queue/queue.settings.js';
import { dispatchJob, JobHandler } from '../jobs/job-handler.registry.js';
import { VectorIndexService, type MaintainResult } from './vector-index.service.js';

/** The vector-index queue's processor: one build at a time per worker process (builds on one table queue behind each other anyway). */
@Processor(QueueName.VectorIndex, { autorun: false, concurrency: 1, ...QUEUE_SETTINGS[QueueName.VectorIndex].worker })
export class VectorIndexProcessor extends WorkerHost implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly logger = new Logger(VectorIndexProcessor.name);

  constructor(private readonly service: VectorIndexService) {
    super();
  }

  onApplicationBootstrap(): void {
    this.worker.on('failed', (job, err) => this.logger.warn(`vector index job ${job?.id} failed (attempt ${job?.attemptsMade}): ${err.message}`));
    this.worker.on('error', (err) => this.logger.error(`vector index worker error: ${err.message}`));
    void this.worker.run();
  }

  process(job: Job): Promise<unknown> {
    return dispatchJob(this, job);
  }

  /** A build may run for minutes: stop at once, the service cancels it, and the job's lock lapses so another worker retries it. */
  async onModuleDestroy(): Promise<void> {
    await this.worker.close(true);
  }

  @JobHandler(JobName.MaintainVectorIndex)
  async maintainVectorIndex(job: Job<JobPayloads[JobName.MaintainVectorIndex]>): Promise<MaintainResult> {
    return this.service.maintain(job.data.tenantId);
  }
}
