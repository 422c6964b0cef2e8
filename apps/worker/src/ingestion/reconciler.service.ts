import { Inject, Injectable, Logger, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { APP_CONFIG } from '#libs/config/config.module.js';
import type { AppConfig } from '#libs/config/config.js';
import { TenantDb } from '#libs/database/tenant-db.js';
import { IngestionQueue } from '#libs/queue/ingestion.queue.js';
import { IngestionRepository } from './ingestion.repository.js';

/**
 * Re-enqueues documents left queued/processing past their lease: Redis was
 * down at upload, or a job was lost. Every worker runs it; jobId = documentId
 * makes concurrent reconcilers harmless.
 */
@Injectable()
export class ReconcilerService implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(ReconcilerService.name);
  private timer?: NodeJS.Timeout;
  private running?: Promise<void>;
  private reranking?: Promise<void>;

  constructor(
    private readonly db: TenantDb,
    private readonly repo: IngestionRepository,
    private readonly queue: IngestionQueue,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  onApplicationBootstrap(): void {
    const tick = () => {
      this.running ??= this.reconcile()
        .then(
          () => undefined,
          (e: Error) => this.logger.warn(`reconcile failed: ${e.message}`),
        )
        .finally(() => (this.running = undefined));
      // Fairness over time: ranks given at upload are refreshed as backlogs drain (see IngestionQueue.rerank).
      // Its own chain, so a slow or failing pass never holds up the reconciler.
      this.reranking ??= this.queue
        .rerank()
        .then(
          () => undefined,
          (e: Error) => this.logger.warn(`rerank failed: ${e.message}`),
        )
        .finally(() => (this.reranking = undefined));
    };
    setTimeout(tick, 1_000).unref();
    this.timer = setInterval(tick, this.config.ingestion.reconcileIntervalMs);
    this.timer.unref();
  }

  /**
   * Fair like uploads: the scan hands back tenants in turns (each tenant's
   * oldest stale document, then each one's second, ...) and a document's
   * rank among its tenant's in this batch is its queue priority, so one
   * tenant's hundreds of stale documents do not go ahead of another's one.
   * (Documents still waiting in the queue are left where they are: jobId dedupe.)
   */
  async reconcile(): Promise<number> {
    const stale = await this.db.dataSource.transaction((m) => this.repo.staleDocuments(m, 200));
    const seen = new Map<string, number>();
    let requeued = 0;
    for (const doc of stale) {
      const rank = (seen.get(doc.tenantId) ?? 0) + 1;
      seen.set(doc.tenantId, rank);
      if (!(await this.queue.enqueue({ tenantId: doc.tenantId, documentId: doc.id }, { rank }))) break; // Redis still down
      await this.db.runFor(doc.tenantId, (m) => this.repo.extendLease(m, doc.id, this.config.ingestion.leaseSeconds));
      requeued++;
    }
    if (requeued) this.logger.log(`re-enqueued ${requeued} document(s) whose lease had expired`);
    return requeued;
  }

  async onApplicationShutdown(): Promise<void> {
    clearInterval(this.timer);
    await Promise.all([this.running, this.reranking]);
  }
}
