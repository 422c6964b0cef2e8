import { InjectQueue } from '@nestjs/bullmq';
import { Injectable, Logger } from '@nestjs/common';
import type { Queue } from 'bullmq';
import { JobName, QueueName } from './queue.constants.js';
import { logQueueErrors } from './queue-errors.js';

/**
 * Asks the worker to carry an embedding set's switch on (fill it, flip to it, drop the set
 * it replaced) or to drop a cancelled set. jobId is the set, so a set is queued at most
 * once however often it is asked (the API, the vector-index sweep after Redis lost jobs).
 */
@Injectable()
export class EmbeddingSwitchQueue {
  private readonly logger = new Logger(EmbeddingSwitchQueue.name);

  constructor(@InjectQueue(QueueName.EmbeddingSwitch) private readonly queue: Queue) {
    logQueueErrors(queue, this.logger);
  }

  /**
   * Never throws: the vector-index sweep asks again for every set with work left.
   * `again`: a failed job of this set (attempts used up) is removed, so the switch runs anew;
   * `failedBeforeMs`: only one that failed at least that long ago (its processor marks the set
   * failed when the job fails; the sweep leaves it that moment).
   */
  async request(tenantId: string, setId: number, opts: { again?: boolean; failedBeforeMs?: number } = {}): Promise<boolean> {
    const jobId = switchJobId(tenantId, setId);
    try {
      if (opts.again) {
        const job = await this.queue.getJob(jobId);
        if (job && (await job.getState()) === 'failed' && Date.now() - (job.finishedOn ?? 0) >= (opts.failedBeforeMs ?? 0))
          await job.remove();
      }
      await this.queue.add(JobName.SwitchEmbeddingSet, { tenantId, setId }, { jobId });
      return true;
    } catch (e) {
      this.logger.warn(`could not queue the embedding switch of tenant ${tenantId} (set ${setId}): ${(e as Error).message}`);
      return false;
    }
  }
}

export const switchJobId = (tenantId: string, setId: number) => `embedding-set-${tenantId}-${setId}`;
