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

  constructor(
    private readonly db: TenantDb,
    private readonly repo: IngestionRepository,
    private readonly queue: IngestionQueue,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  onApplicationBootstrap(): void {
    const tick = () => {
      this.running ??= this.reconcile().then(() => undefined, (e) => this.logger.warn(`reconcile failed: ${e.message}`)).finally(() => (this.running = undefined));
    };
    setTimeout(tick, 1_000).unref();
    this.timer = setInterval(tick, this.config.ingestion.reconcileIntervalMs);
    this.timer.unref();
  }

  async reconcile(): Promise<number> {
    const stale = await this.db.dataSource.transaction((m) => this.repo.staleDocuments(m, 200));
    let requeued = 0;
    for (const doc of stale) {
      if (!(await this.queue.enqueue({ tenantId: doc.tenantId, documentId: doc.id }))) break; // Redis still down
      await this.db.runFor(doc.tenantId, (m) => this.repo.extendLease(m, doc.id, this.config.ingestion.leaseSeconds));
      requeued++;
    }
    if (requeued) this.logger.log(`re-enqueued ${requeued} document(s) whose lease had expired`);
    return requeued;
  }

  async onApplicationShutdown(): Promise<void> {
    clearInterval(this.timer);
    await this.running;
  }
}
