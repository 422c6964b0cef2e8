import { Processor, WorkerHost } from '@nestjs/bullmq';
import { Inject, Logger, type OnApplicationBootstrap, type OnModuleDestroy } from '@nestjs/common';
import { UnrecoverableError, type Job } from 'bullmq';
import { PinoLogger } from 'nestjs-pino';
import { APP_CONFIG } from '#libs/config/config.module.js';
import type { AppConfig } from '#libs/config/config.js';
import { JobName, QueueName, type JobPayloads } from '#libs/queue/queue.constants.js';
import { ingestionDocuments } from '#libs/metrics/metrics.js';
import { QUEUE_SETTINGS } from '#libs/queue/queue.settings.js';
import { runInTenant } from '#libs/tenancy/tenant-context.js';
import { jobFields } from '../job-fields.js';
import { IngestionService } from './ingestion.service.js';

/**
 * The ingestion queue's processor. Created with autorun off so that
 * concurrency and lock duration come from configuration before it starts.
 */
@Processor(QueueName.Ingestion, { autorun: false, ...QUEUE_SETTINGS[QueueName.Ingestion].worker })
export class IngestionProcessor extends WorkerHost implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly logger = new Logger(IngestionProcessor.name);
  /** Aborted at shutdown when the grace period runs out: running jobs stop and are handed back. */
  private readonly shutdown = new AbortController();

  constructor(
    private readonly ingestion: IngestionService,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly pino: PinoLogger,
  ) {
    super();
  }

  onApplicationBootstrap(): void {
    this.worker.concurrency = this.config.worker.concurrency;
    Object.assign(this.worker.opts, {
      lockDuration: this.config.worker.lockDurationMs,
      stalledInterval: Math.min(this.config.worker.lockDurationMs, 15_000),
    });
    this.worker.on('failed', (job, err) =>
      this.logger.warn({ ...jobFields(job), attempt: job?.attemptsMade, msg: `job failed: ${err.message}` }),
    );
    this.worker.on('error', (err) => this.logger.error(`worker error: ${err.message}`));
    void this.worker.run();
  }

  /** The queue carries one kind of job; anything else is a producer's bug, failed at once and never retried. */
  async process(job: Job): Promise<'ready' | 'skipped'> {
    if (job.name !== String(JobName.IngestDocument))
      throw new UnrecoverableError(`unknown job "${job.name}" on the ${QueueName.Ingestion} queue`);
    return this.ingestDocument(job as Job<JobPayloads[JobName.IngestDocument]>);
  }

  /** Every line logged while the job runs carries its job id, queue, tenant and document (jobFields). */
  private ingestDocument(job: Job<JobPayloads[JobName.IngestDocument]>): Promise<'ready' | 'skipped'> {
    const { tenantId, documentId } = job.data;
    const attempts = job.opts.attempts ?? 1;
    const lastAttempt = job.attemptsMade + 1 >= attempts;
    return this.pino.runInContext(
      async () => {
        const started = performance.now();
        try {
          const outcome = await runInTenant(tenantId, () =>
            this.ingestion.ingest({ tenantId, documentId, lastAttempt, signal: this.shutdown.signal }),
          );
          ingestionDocuments.inc({ outcome });
          this.logger.log({ outcome, durationMs: Math.round(performance.now() - started), msg: 'job completed' });
          return outcome;
        } catch (e) {
          const final = lastAttempt || e instanceof UnrecoverableError;
          ingestionDocuments.inc({ outcome: this.shutdown.signal.aborted ? 'interrupted' : final ? 'failed' : 'retried' });
          throw e;
        }
      },
      { bindings: jobFields(job) },
    );
  }

  /**
   * Graceful shutdown within a bound: stop taking jobs, let running ones
   * finish for WORKER_SHUTDOWN_GRACE_MS, then abort them; their locks lapse
   * and another worker takes them (BullMQ stalled-job recovery).
   */
  async onModuleDestroy(): Promise<void> {
    const grace = this.config.worker.shutdownGraceMs;
    const closing = this.worker.close();
    const finished = await Promise.race([closing.then(() => true), new Promise<boolean>((r) => setTimeout(() => r(false), grace).unref())]);
    if (!finished) {
      this.logger.warn(`running jobs did not finish within ${grace} ms: handing them back`);
      this.shutdown.abort(new Error('worker shutting down'));
      await this.worker.close(true);
    }
  }
}
