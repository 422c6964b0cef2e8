import { Processor, WorkerHost } from '@nestjs/bullmq';
import { Logger, type OnApplicationBootstrap, type OnModuleDestroy } from '@nestjs/common';
import { UnrecoverableError, type Job } from 'bullmq';
import { PinoLogger } from 'nestjs-pino';
import { JobName, QueueName, type JobPayloads } from '#libs/queue/queue.constants.js';
import { QUEUE_SETTINGS } from '#libs/queue/queue.settings.js';
import { jobFields } from '../job-fields.js';
import { VectorIndexService, type MaintainResult } from './vector-index.service.js';

/** The vector-index queue's processor: one build at a time per worker process (builds on one table queue behind each other anyway). */
@Processor(QueueName.VectorIndex, { autorun: false, concurrency: 1, ...QUEUE_SETTINGS[QueueName.VectorIndex].worker })
export class VectorIndexProcessor extends WorkerHost implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly logger = new Logger(VectorIndexProcessor.name);

  constructor(
    private readonly service: VectorIndexService,
    private readonly pino: PinoLogger,
  ) {
    super();
  }

  onApplicationBootstrap(): void {
    this.worker.on('failed', (job, err) =>
      this.logger.warn({ ...jobFields(job), attempt: job?.attemptsMade, msg: `vector index job failed: ${err.message}` }),
    );
    this.worker.on('error', (err) => this.logger.error(`vector index worker error: ${err.message}`));
    void this.worker.run();
  }

  /** The queue carries one kind of job; anything else is a producer's bug, failed at once and never retried. */
  async process(job: Job): Promise<MaintainResult> {
    if (job.name !== String(JobName.MaintainVectorIndex))
      throw new UnrecoverableError(`unknown job "${job.name}" on the ${QueueName.VectorIndex} queue`);
    const { tenantId } = (job as Job<JobPayloads[JobName.MaintainVectorIndex]>).data;
    return this.pino.runInContext(() => this.service.maintain(tenantId), { bindings: jobFields(job) });
  }

  /** A build may run for minutes: stop at once, the service cancels it, and the job's lock lapses so another worker retries it. */
  async onModuleDestroy(): Promise<void> {
    await this.worker.close(true);
  }
}
