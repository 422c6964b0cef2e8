import { Inject, Injectable, Logger } from '@nestjs/common';
import { UnrecoverableError } from 'bullmq';
import { embedInBatches } from '#libs/ai/embedding/embed-in-batches.js';
import type { EmbeddingProvider } from '#libs/ai/embedding/embedding-provider.js';
import { APP_CONFIG } from '#libs/config/config.module.js';
import type { AppConfig } from '#libs/config/config.js';
import { TenantDb } from '#libs/database/tenant-db.js';
import { EmbeddingModels } from '#libs/embedding-sets/embedding-models.js';
import { chunkPages, type Chunk } from '#libs/ingestion/chunker.js';
import { documentSearchConfig } from '#libs/ingestion/document-language.js';
import { IngestionError } from '#libs/ingestion/ingestion.error.js';
import { parseInSandbox } from '#libs/ingestion/parse-sandbox.js';
import { ingestionStageDuration, timed, type IngestionStage } from '#libs/metrics/metrics.js';
import { VectorIndexQueue } from '#libs/queue/vector-index.queue.js';
import { IngestionRepository } from './ingestion.repository.js';

/** Embeddings of a document before giving up: a switch finishing while it was embedded costs one more. */
const MAX_EMBEDDINGS = 3;

/** The document was deleted while it was being ingested: the job ends quietly. */
class DocumentGone extends Error {}

export interface RunContext {
  tenantId: string;
  documentId: string;
  /** True when BullMQ will not try again after this attempt. */
  lastAttempt: boolean;
  signal: AbortSignal;
}

/**
 * parse -> chunk -> embed -> replace chunks. No database connection is held
 * while parsing or embedding: each step opens its own short transaction.
 * Chunks are embedded with the model of the tenant's active embedding set.
 */
@Injectable()
export class IngestionService {
  private readonly logger = new Logger(IngestionService.name);

  constructor(
    private readonly db: TenantDb,
    private readonly repo: IngestionRepository,
    private readonly models: EmbeddingModels,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly vectorIndex: VectorIndexQueue,
  ) {}

  async ingest(ctx: RunContext): Promise<'ready' | 'skipped'> {
    const { documentId: id } = ctx;
    const lease = this.config.ingestion.leaseSeconds;
    const claimed = await this.db.run((m) => this.repo.claim(m, id, lease));
    if (!claimed) return 'skipped'; // deleted, or already finished by an earlier delivery of this job
    const attempt = claimed.attempts;

    try {
      await this.db.run((m) => this.repo.event(m, id, attempt, 'started'));
      const bytes = await this.db.run((m) => this.repo.loadBytes(m, id));
      if (!bytes) return 'skipped';
      const parsed = await stage('parse', () =>
        parseInSandbox(new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength), claimed.mimeType, {
          maxPages: this.config.ingestion.parseMaxPages,
          timeoutMs: this.config.ingestion.parseTimeoutMs,
          maxMemoryMb: this.config.ingestion.parseMaxMemoryMb,
          maxUncompressedMb: this.config.parseBounds.maxUncompressedMb,
          maxCompressionRatio: this.config.parseBounds.maxCompressionRatio,
          signal: ctx.signal,
        }),
      );
      if (!(await this.step(id, 15))) return 'skipped';

      const chunks = await stage('chunk', async () =>
        chunkPages(parsed.pages, {
          targetTokens: this.config.ingestion.chunkTokens,
          overlapTokens: Math.min(this.config.ingestion.chunkOverlapTokens, Math.floor(this.config.ingestion.chunkTokens / 2)),
        }),
      );
      if (chunks.length === 0) throw new IngestionError('no extractable text', true);
      const searchConfig = documentSearchConfig(claimed.language, parsed.pages);
      if (!(await this.step(id, 20))) return 'skipped';

      for (let embedding = 1; ; embedding++) {
        const set = await this.db.run((m) => this.repo.activeSet(m, this.models.platformDefault));
        const vectors = await stage('embed', () => this.embedAll(id, chunks, this.models.get(set), ctx.signal));
        const written = await stage('write', () =>
          this.db.run((m) => this.repo.replaceChunks(m, id, chunks, vectors, set, searchConfig, parsed.pages.length)),
        );
        if (written === 'gone') return 'skipped';
        if (written === 'written') break;
        // A switch made another set active while this document was embedded: its vectors would land in the
        // set being dropped. Embedded again with the new model (the switch has nothing left to catch up then).
        if (embedding >= MAX_EMBEDDINGS)
          throw new Error(`the tenant's embedding model changed ${embedding} times while this document was embedded`);
        this.logger.log(`document ${id}: the embedding model changed while it was embedded; embedding it again`);
      }
      await this.db.run((m) => this.repo.event(m, id, attempt, 'ready', undefined, { chunks: chunks.length, pages: parsed.pages.length }));
      // The tenant may now be large enough for its own index, or its index due for a rebuild.
      await this.vectorIndex.request(ctx.tenantId);
      return 'ready';
    } catch (e) {
      if (e instanceof DocumentGone) return 'skipped';
      if (ctx.signal.aborted) throw e; // shutting down: the job is handed back, the document stays processing
      const permanent = e instanceof IngestionError && e.permanent;
      const message = e instanceof IngestionError ? e.message : `ingestion failed: ${(e as Error).message}`;
      if (permanent || ctx.lastAttempt) {
        await this.db.run(async (m) => {
          await this.repo.markFailed(m, id, message);
          await this.repo.event(m, id, attempt, 'failed', message);
        });
        if (permanent) throw new UnrecoverableError(message);
        throw e;
      }
      this.logger.warn(`document ${id} attempt ${attempt} failed, will retry: ${message}`);
      await this.db.run((m) => this.repo.event(m, id, attempt, 'retry', message));
      throw e;
    }
  }

  /** Returns false when the document disappeared (deleted): the job then ends quietly. */
  private step(id: string, progress: number): Promise<boolean> {
    return this.db.run((m) => this.repo.progress(m, id, progress, this.config.ingestion.leaseSeconds));
  }

  /** Batched, with bounded concurrency, each request through the shared rate limit (embedInBatches); progress 20 → 90 %. */
  private async embedAll(id: string, chunks: Chunk[], embedder: EmbeddingProvider, signal: AbortSignal): Promise<number[][]> {
    const out = await embedInBatches(embedder, chunks.map(embeddedText), {
      batchSize: this.config.ai.embeddingBatchSize,
      concurrency: this.config.ai.embeddingConcurrency,
      signal,
      afterBatch: async (done, batches) => {
        if (!(await this.step(id, 20 + (70 * done) / batches))) throw new DocumentGone();
      },
    });
    const vectors = new Array<number[]>(chunks.length);
    chunks.forEach((c, i) => (vectors[c.index] = out[i]!));
    return vectors;
  }
}

/** Times one stage of an attempt (ragdocs_ingestion_stage_duration_seconds), also when it fails. */
const stage = <T>(name: IngestionStage, fn: () => Promise<T>): Promise<T> =>
  timed((s) => ingestionStageDuration.observe({ stage: name }, s), fn);

/**
 * What is embedded for a chunk: its section's heading path, then its text. A passage
 * deep in "CREATE SEQUENCE › Parameters" rarely repeats that it is about sequences;
 * the path puts it back (the keyword side indexes the path too: the section column).
 */
export const embeddedText = (c: Pick<Chunk, 'section' | 'content'>) => (c.section ? `${c.section}\n\n${c.content}` : c.content);
