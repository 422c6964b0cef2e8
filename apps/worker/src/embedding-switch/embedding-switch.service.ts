import { Inject, Injectable, Logger } from '@nestjs/common';
import { embedInBatches } from '#libs/ai/embedding/embed-in-batches.js';
import { APP_CONFIG } from '#libs/config/config.module.js';
import type { AppConfig } from '#libs/config/config.js';
import { insertSetVectors } from '#libs/database/embeddings/insert-set-vectors.js';
import { TenantDb } from '#libs/database/tenant-db.js';
import { describeModel } from '#libs/embedding-sets/embedding-model.js';
import { EmbeddingModels } from '#libs/embedding-sets/embedding-models.js';
import type { EmbeddingSet, SetPhase } from '#libs/embedding-sets/embedding-set.js';
import { EmbeddingSetsRepository } from '#libs/embedding-sets/embedding-sets.repository.js';
import { progressOf, type SwitchProgress } from '#libs/embedding-sets/switch-progress.js';
import { embeddedText } from '../ingestion/ingestion.service.js';
import { VectorIndexService } from '../vector-index/vector-index.service.js';
import { EmbeddingSwitchRepository } from './embedding-switch.repository.js';

export interface SwitchRun {
  signal: AbortSignal;
  progress(p: SwitchProgress): Promise<void>;
}

export type SwitchResult = 'switched' | 'dropped' | 'gone';

/** Rows of a replaced set deleted per transaction: short transactions, no long lock on the table. */
const DELETE_BATCH = 2_000;
/** How often the exact counts are read again while embedding (in between, the rows written are added up). */
const RECOUNT_MS = 5_000;

/**
 * Carries an embedding-model switch of one tenant through (jobs carry the tenant and the set):
 *
 * 1. re-embedding: every chunk of the active set that has no row in the new set yet is read
 *    in write order, embedded with the new model (batched, EMBEDDING_CONCURRENCY requests at
 *    once, each through the shared EMBEDDING_RPM budget) and written as the chunk's row in the
 *    new set. Search and new uploads keep using the active set meanwhile.
 * 2. indexing: a tenant large enough for its own HNSW index gets the new set's built now, so
 *    that search is as fast the moment it switches.
 * 3. switching: one transaction makes the new set active and retires the old one, if no chunk
 *    is missing; chunks written meanwhile (uploads) are caught up first, then it tries again.
 * 4. the retired set's index is dropped and its rows deleted in batches.
 *
 * A crash at any point resumes from the database: chunks already embedded are skipped,
 * a flip is all or nothing, a drop goes on where it stopped. A cancel (the set becomes
 * `cancelled`) stops the embedding at the next batch and drops what was written.
 */
@Injectable()
export class EmbeddingSwitchService {
  private readonly logger = new Logger(EmbeddingSwitchService.name);

  constructor(
    private readonly db: TenantDb,
    private readonly sets: EmbeddingSetsRepository,
    private readonly repo: EmbeddingSwitchRepository,
    private readonly models: EmbeddingModels,
    private readonly vectorIndex: VectorIndexService,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  async run(tenantId: string, setId: number, run: SwitchRun): Promise<SwitchResult> {
    for (;;) {
      run.signal.throwIfAborted();
      const { set, active } = await this.db.runFor(tenantId, async (m) => ({
        set: await this.sets.get(m, tenantId, setId),
        active: await this.sets.active(m, tenantId),
      }));
      if (!set) return 'gone'; // the tenant was deleted
      if (set.state === 'retired' || set.state === 'cancelled') {
        await this.drop(set, run);
        return 'dropped';
      }
      if (set.state === 'active') {
        // Switched (maybe by an earlier run that died before its clean-up): the sets it replaced go.
        const left = await this.db.runFor(tenantId, (m) => this.sets.withWorkLeft(m, tenantId));
        for (const old of left) if (old.state !== 'building') await this.drop(old, run);
        return 'switched';
      }
      if (!active) throw new Error(`tenant ${tenantId} has no active embedding set to switch from`);
      if (!(await this.reembed(set, active, run))) continue; // cancelled: dropped on the next turn
      if (await this.flip(set, active, run))
        this.logger.log(`tenant ${tenantId} switched to ${describeModel(set)} (set ${set.id}, from set ${active.id})`);
    }
  }

  /** Phase 1: embeds every missing chunk. False when the set stopped being built (cancelled). */
  private async reembed(set: EmbeddingSet, active: EmbeddingSet, run: SwitchRun): Promise<boolean> {
    const { tenantId } = set;
    const embedder = this.models.get(set);
    const batchSize = this.config.ai.embeddingBatchSize;
    const roundSize = batchSize * this.config.ai.embeddingConcurrency;
    let counts = await this.counts(set, active);
    await this.db.runFor(tenantId, (m) => this.repo.startRun(m, tenantId, set.id, counts.done));
    const started = { at: Date.now(), done: counts.done };
    let countedAt = Date.now();
    let errors = set.errorCount;
    const report = () => run.progress(progressOf('re-embedding', counts, started, errors));
    await report();
    for (let after = 0; ;) {
      run.signal.throwIfAborted();
      const chunks = await this.db.runFor(tenantId, (m) => this.repo.missing(m, tenantId, active.id, set.id, after, roundSize));
      if (!chunks.length) return true;
      after = chunks.at(-1)!.seq;
      let vectors: number[][];
      try {
        vectors = await embedInBatches(embedder, chunks.map(embeddedText), {
          batchSize,
          concurrency: this.config.ai.embeddingConcurrency,
          signal: run.signal,
        });
      } catch (e) {
        if (run.signal.aborted) throw e;
        errors++;
        await this.failed(set, `embedding with ${describeModel(set)} failed`, e);
        throw e;
      }
      const written = await this.db
        .runFor(tenantId, async (m) =>
          (await this.repo.holdBuilding(m, tenantId, set.id))
            ? insertSetVectors(m, { tenantId, fromSet: active.id, toSet: set.id, model: set.model }, chunks, vectors)
            : undefined,
        )
        .catch(async (e: unknown) => {
          errors++;
          await this.failed(set, 'writing the vectors failed', e);
          throw e;
        });
      if (written === undefined) return false;
      if (Date.now() - countedAt > RECOUNT_MS) {
        counts = await this.counts(set, active);
        countedAt = Date.now();
      } else counts = { done: Math.min(counts.total, counts.done + written), total: counts.total };
      await report();
    }
  }

  /** A failed attempt, counted and shown by GET …/embedding-model (recording it must not hide the failure itself). */
  private async failed(set: EmbeddingSet, what: string, e: unknown): Promise<void> {
    await this.db
      .runFor(set.tenantId, (m) => this.repo.recordError(m, set.tenantId, set.id, `${what}: ${(e as Error).message}`))
      .catch((recordError: Error) => this.logger.warn(`recording the error of set ${set.id} failed: ${recordError.message}`));
  }

  /** Phases 2 and 3. False when chunks were written meanwhile (caught up on the next turn) or the set was cancelled. */
  private async flip(set: EmbeddingSet, active: EmbeddingSet, run: SwitchRun): Promise<boolean> {
    const { tenantId } = set;
    const counts = await this.counts(set, active);
    await this.phase(set, 'indexing', counts, run);
    // A large tenant's new index is built before search moves to the set (another build of the tenant first finishes).
    while ((await this.vectorIndex.maintainSet(set)) === 'busy') {
      run.signal.throwIfAborted();
      await new Promise((r) => setTimeout(r, 1_000));
    }
    await this.phase(set, 'switching', counts, run);
    return (await this.db.runFor(tenantId, (m) => this.repo.flip(m, tenantId, active.id, set.id))) === 'flipped';
  }

  /** Phase 4, or a cancelled set: search no longer reads it; its index and rows go. */
  private async drop(set: EmbeddingSet, run: SwitchRun): Promise<void> {
    const { tenantId } = set;
    if (set.droppedAt) return;
    await this.vectorIndex.dropSetIndex(tenantId, set.id);
    const total = (await this.db.runFor(tenantId, (m) => this.sets.rowCounts(m, tenantId, [set.id]))).get(set.id) ?? 0;
    let deleted = 0;
    for (;;) {
      run.signal.throwIfAborted();
      const n = await this.db.runFor(tenantId, (m) => this.repo.deleteRows(m, tenantId, set.id, DELETE_BATCH));
      if (!n) {
        if (await this.db.runFor(tenantId, (m) => this.repo.markDropped(m, tenantId, set.id))) break;
        // Rows left that this batch did not get: another drop of the set (the sweep's job in another worker process)
        // deleted the same batch first and is going on. Done when none is left, whoever deletes them.
        await new Promise((r) => setTimeout(r, 500));
        continue;
      }
      deleted += n;
      await run.progress({
        phase: 'dropping',
        done: deleted,
        total,
        percent: total ? Math.round((100 * deleted) / total) : 100,
        etaSeconds: null,
        errors: 0,
      });
    }
    this.logger.log(`tenant ${tenantId}: ${set.state} embedding set ${set.id} (${describeModel(set)}) dropped, ${deleted} rows`);
  }

  private async phase(set: EmbeddingSet, phase: SetPhase, counts: { done: number; total: number }, run: SwitchRun): Promise<void> {
    await this.db.runFor(set.tenantId, (m) => this.repo.setPhase(m, set.tenantId, set.id, phase));
    await run.progress(progressOf(phase, counts, undefined, set.errorCount));
  }

  /** Chunks embedded into the new set, of the chunks of the active one. */
  private async counts(set: EmbeddingSet, active: EmbeddingSet): Promise<{ done: number; total: number }> {
    const n = await this.db.runFor(set.tenantId, (m) => this.sets.rowCounts(m, set.tenantId, [set.id, active.id]));
    return { done: n.get(set.id) ?? 0, total: n.get(active.id) ?? 0 };
  }
}
