import { Processor, WorkerHost } from '@nestjs/bullmq';
import { Inject, Logger, type OnApplicationBootstrap, type OnModuleDestroy } from '@nestjs/common';
import { UnrecoverableError, type Job } from 'bullmq';
import { PinoLogger } from 'nestjs-pino';
import { APP_CONFIG } from '#libs/config/config.module.js';
import type { AppConfig } from '#libs/config/config.js';
import { TenantDb } from '#libs/database/tenant-db.js';
import { JobName, QueueName, type JobPayloads } from '#libs/queue/queue.constants.js';
import { QUEUE_SETTINGS } from '#libs/queue/queue.settings.js';
import { runInTenant } from '#libs/tenancy/tenant-context.js';
import { jobFields } from '../job-fields.js';
import { EmbeddingSwitchRepository } from './embedding-switch.repository.js';
import { EmbeddingSwitchService, type SwitchResult } from './embedding-switch.service.js';

/**
 * The embedding-switch queue's processor: one switch at a time per worker process (its
 * embedding requests run EMBEDDING_CONCURRENCY at once); more worker processes switch more
 * tenants at once. A worker killed mid-switch loses its job's lock, BullMQ hands the job to
 * another worker, and the switch goes on from what the database holds.
 */
@Processor(QueueName.EmbeddingSwitch, { autorun: false, concurrency: 1, ...QUEUE_SETTINGS[QueueName.EmbeddingSwitch].worker })
export class EmbeddingSwitchProcessor extends WorkerHost implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly logger = new Logger(EmbeddingSwitchProcessor.name);
  /** Aborted at shutdown: the running switch stops between two batches and its job is tried again. */
  private readonly shutdown = new AbortController();

  constructor(
    private readonly service: EmbeddingSwitchService,
    private readonly repo: EmbeddingSwitchRepository,
    private readonly db: TenantDb,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly pino: PinoLogger,
  ) {
    super();
  }

  onApplicationBootstrap(): void {
    Object.assign(this.worker.opts, {
      lockDuration: this.config.worker.lockDurationMs,
      stalledInterval: Math.min(this.config.worker.lockDurationMs, 15_000),
    });
    this.worker.on('failed', (job, err) => {
      this.logger.warn({ ...jobFields(job), attempt: job?.attemptsMade, msg: `embedding switch job failed: ${err.message}` });
      if (job) void this.gaveUp(job as Job<JobPayloads[JobName.SwitchEmbeddingSet]>);
    });
    this.worker.on('error', (err) => this.logger.error(`embedding switch worker error: ${err.message}`));
    void this.worker.run();
  }

  /** The queue carries one kind of job; anything else is a producer's bug, failed at once and never retried. */
  async process(job: Job): Promise<SwitchResult> {
    if (job.name !== (JobName.SwitchEmbeddingSet as string))
      throw new UnrecoverableError(`unknown job "${job.name}" on the ${QueueName.EmbeddingSwitch} queue`);
    const { tenantId, setId } = (job as Job<JobPayloads[JobName.SwitchEmbeddingSet]>).data;
    return this.pino.runInContext(
      () =>
        runInTenant(tenantId, () =>
          this.service.run(tenantId, setId, { signal: this.shutdown.signal, progress: (p) => job.updateProgress(p) }),
        ),
      { bindings: jobFields(job) },
    );
  }

  /**
   * A job that failed for good (its attempts used up, or stalled too often): the switch waits for
   * an operator, and says so (GET …/embedding-model: "failed"; a POST of the same model resumes it).
   * An attempt that will be retried is left alone.
   */
  private async gaveUp(job: Job<JobPayloads[JobName.SwitchEmbeddingSet]>): Promise<void> {
    try {
      if ((await job.getState()) !== 'failed') return;
      const { tenantId, setId } = job.data;
      await this.db.runFor(tenantId, (m) => this.repo.markFailed(m, tenantId, setId));
    } catch (e) {
      this.logger.warn(`could not mark embedding switch job ${job.id} as failed: ${(e as Error).message}`);
    }
  }

  /**
   * Stops at once, like the index builder (a switch may be building an index for minutes): the
   * running switch stops between two batches, its job's lock lapses and another worker (or this
   * one, restarted) goes on with it.
   */
  async onModuleDestroy(): Promise<void> {
    this.shutdown.abort(new Error('worker shutting down'));
    await this.worker.close(true);
  }
}
