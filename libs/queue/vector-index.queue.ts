import { InjectQueue } from '@nestjs/bullmq';
import { Injectable, Logger } from '@nestjs/common';
import type { Queue } from 'bullmq';
import { JobName, QueueName } from './queue.constants.js';
import { logQueueErrors } from './queue-errors.js';

/**
 * Asks the worker to check one tenant's vector index (build it once the tenant
 * is large enough, rebuild it once enough rows were written since). jobId is
 * the tenant, so a tenant is queued at most once however often it is asked.
 */
@Injectable()
export class VectorIndexQueue {
  private readonly logger = new Logger(VectorIndexQueue.name);

  constructor(@InjectQueue(QueueName.VectorIndex) private readonly queue: Queue) {
    logQueueErrors(queue, this.logger);
  }

  /** Never throws: the periodic sweep asks again if this request is lost. */
  async request(tenantId: string): Promise<void> {
    try {
      await this.queue.add(JobName.MaintainVectorIndex, { tenantId }, { jobId: `vector-index-${tenantId}` });
    } catch (e) {
      this.logger.warn(`could not queue the vector index check of tenant ${tenantId}: ${(e as Error).message}`);
    }
  }
}
