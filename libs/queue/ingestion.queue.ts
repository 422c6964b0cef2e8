import { Injectable, Logger } from '@nestjs/common';
import { InjectQueue } from '@nestjs/bullmq';
import type { Queue } from 'bullmq';
import { JobName, QueueName, type JobPayloads } from './queue.constants.js';
import { logQueueErrors } from './queue-errors.js';

const ENQUEUE_TIMEOUT_MS = 2_000;

const RERANK_BATCH = 100;

/** BullMQ's highest priority number (2^21 - 1); the per-tenant caps keep ranks far below it. */
export const MAX_PRIORITY = 2_097_151;

export interface EnqueueOptions {
  /**
   * The document's place in its tenant's backlog (1 = the tenant's only or
   * first queued document). It becomes the BullMQ priority, so the queue
   * serves every tenant's 1st document, then every tenant's 2nd, and so on:
   * a tenant with 500 queued documents delays another tenant's single
   * document by at most one of its own (bench/RESULTS-abuse.md, "Fair ingestion").
   */
  rank: number;
  /** Reprocess: a finished job with this id is replaced. */
  replaceFinished?: boolean;
}

/**
 * Adds ingestion jobs. jobId = documentId, so a document is in the queue at
 * most once however often it is enqueued (upload, reprocess, reconciler).
 * Every job carries a priority (its tenant rank): BullMQ serves jobs without
 * one before all prioritized jobs, so an unranked job would jump the line.
 */
@Injectable()
export class IngestionQueue {
  private readonly logger = new Logger(IngestionQueue.name);

  constructor(@InjectQueue(QueueName.Ingestion) private readonly queue: Queue) {
    logQueueErrors(queue, this.logger);
  }

  /**
   * Returns false instead of throwing when Redis is unavailable: the document
   * row is already committed as `queued` and the reconciler will pick it up.
   */
  async enqueue(payload: JobPayloads[JobName.IngestDocument], opts: EnqueueOptions): Promise<boolean> {
    try {
      await withTimeout(this.add(payload, priorityOf(opts.rank), opts.replaceFinished ?? false), ENQUEUE_TIMEOUT_MS);
      return true;
    } catch (e) {
      this.logger.warn(`could not enqueue document ${payload.documentId} (will be retried by the reconciler): ${(e as Error).message}`);
      return false;
    }
  }

  private async add(payload: JobPayloads[JobName.IngestDocument], priority: number, replaceFinished: boolean): Promise<void> {
    const existing = await this.queue.getJob(payload.documentId);
    if (existing) {
      const state = await existing.getState();
      // A finished (failed) job would block a new one with the same id: replace it.
      // Waiting/active/delayed jobs stay: the document is already on its way.
      if (state === 'completed' || state === 'failed' || (replaceFinished && state === 'unknown')) await existing.remove();
      else return;
    }
    await this.queue.add(JobName.IngestDocument, payload, { jobId: payload.documentId, priority });
  }

  /**
   * Keeps ranks current as backlogs drain. A rank is fixed when a job is
   * added, so a tenant whose 500 documents were ranked 1..500 would, 400
   * documents later, still wait at 401..500 behind every new document of a
   * tenant with a shorter backlog. Walking the waiting jobs in queue order,
   * the k-th job of each tenant is given priority k where it has more. Only
   * ever lowers a priority, so a tenant's own order is kept, and a job taken
   * meanwhile is left alone (BullMQ only moves a job still waiting).
   * Returns how many jobs moved up.
   */
  async rerank(limit = 10_000): Promise<number> {
    const jobs = await withTimeout(this.queue.getJobs(['prioritized'], 0, limit - 1, true), 5 * ENQUEUE_TIMEOUT_MS);
    const seen = new Map<string, number>();
    const moves: { job: (typeof jobs)[number]; rank: number }[] = [];
    for (const job of jobs) {
      const tenantId = (job?.data as JobPayloads[JobName.IngestDocument] | undefined)?.tenantId;
      if (!tenantId) continue;
      const rank = (seen.get(tenantId) ?? 0) + 1;
      seen.set(tenantId, rank);
      if (job.priority > rank) moves.push({ job, rank });
    }
    let moved = 0;
    // In batches sent together (one connection keeps their order, so equal ranks stay in queue order).
    for (let i = 0; i < moves.length; i += RERANK_BATCH) {
      const done = await Promise.allSettled(
        moves.slice(i, i + RERANK_BATCH).map(({ job, rank }) => withTimeout(job.changePriority({ priority: rank }), ENQUEUE_TIMEOUT_MS)),
      );
      moved += done.filter((d) => d.status === 'fulfilled').length; // a rejected one was removed meanwhile (finished, deleted)
    }
    return moved;
  }

  /** Removes a waiting job (document deleted); a running one ends by itself when it sees the document gone. */
  async discard(documentId: string): Promise<void> {
    try {
      await withTimeout(this.queue.remove(documentId), ENQUEUE_TIMEOUT_MS);
    } catch {
      /* the worker skips jobs of deleted documents anyway */
    }
  }
}

/** A rank as a BullMQ priority: an integer in 1..MAX_PRIORITY (0 would mean "before every prioritized job"). */
export function priorityOf(rank: number): number {
  return Math.min(MAX_PRIORITY, Math.max(1, Math.floor(Number.isFinite(rank) ? rank : 1)));
}

function withTimeout<T>(p: Promise<T>, ms: number): Promise<T> {
  return new Promise((resolve, reject) => {
    const t = setTimeout(() => reject(new Error(`timed out after ${ms} ms`)), ms);
    p.then(
      (v) => {
        clearTimeout(t);
        resolve(v);
      },
      (e: Error) => {
        clearTimeout(t);
        reject(e);
      },
    );
  });
}
