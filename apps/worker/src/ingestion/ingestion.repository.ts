import { Injectable } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import type { EntityManager } from 'typeorm';
import type { Chunk } from '#libs/ingestion/chunker.js';
import { insertChunks } from '#libs/database/embeddings/insert-chunks.js';
import { recordUsage } from '#libs/database/usage/usage.repository.js';
import type { EmbeddingModelSpec } from '#libs/embedding-sets/embedding-model.js';
import type { EmbeddingSet } from '#libs/embedding-sets/embedding-set.js';
import { EmbeddingSetsRepository } from '#libs/embedding-sets/embedding-sets.repository.js';
import { tenantLanguage, type TenantLanguage } from '#libs/retrieval/search-language.js';
import { currentTenantId } from '#libs/tenancy/tenant-context.js';

export interface Claimed {
  mimeType: string;
  attempts: number;
  /** How the document's chunks are to be indexed: the tenant's fixed configuration, or detected (see TenantLanguage). */
  language: TenantLanguage;
}

/** What became of a document's chunks: written; not (the document was deleted or finished meanwhile); not (another embedding set became active meanwhile). */
export type ChunksWritten = 'written' | 'gone' | 'set-changed';

/**
 * The worker's reads and writes of a document during ingestion (always in the job's tenant). Statements name
 * the tenant although the policy keeps them to it: on Citus that routes each to the tenant's one node.
 */
@Injectable()
export class IngestionRepository {
  constructor(private readonly sets: EmbeddingSetsRepository) {}

  /** The set the document's chunks are embedded for: the tenant's active one (created with the platform default if it has none). */
  activeSet(m: EntityManager, platformDefault: EmbeddingModelSpec): Promise<EmbeddingSet> {
    return this.sets.ensureActive(m, currentTenantId(), platformDefault);
  }

  /**
   * Takes the document for this run. Only queued/processing documents are
   * taken: a deleted, finished or failed one means the job is stale.
   */
  async claim(m: EntityManager, id: string, leaseSeconds: number): Promise<Claimed | undefined> {
    // An UPDATE answers [rows, affected].
    const [rows] = await m.query<[{ mime_type: string; attempts: number }[], number]>(
      `UPDATE documents SET status = 'processing', attempts = attempts + 1, progress = GREATEST(progress, 1), error = NULL,
              lease_expires_at = now() + make_interval(secs => $2), updated_at = now()
       WHERE tenant_id = $3 AND id = $1 AND status IN ('queued', 'processing')
       RETURNING mime_type, attempts`,
      [id, leaseSeconds, currentTenantId()],
    );
    const [row] = rows;
    if (!row) return undefined;
    return { mimeType: row.mime_type, attempts: row.attempts, language: await tenantLanguage(m, currentTenantId()) };
  }

  async loadBytes(m: EntityManager, id: string): Promise<Buffer | undefined> {
    const [row] = await m.query<{ data: Buffer }[]>(`SELECT data FROM document_files WHERE tenant_id = $2 AND document_id = $1`, [
      id,
      currentTenantId(),
    ]);
    return row?.data;
  }

  /** Progress also extends the lease: a document that moves is not stale. */
  async progress(m: EntityManager, id: string, progress: number, leaseSeconds: number): Promise<boolean> {
    const [, affected] = await m.query<[unknown[], number]>(
      `UPDATE documents SET progress = $2, lease_expires_at = now() + make_interval(secs => $3), updated_at = now()
       WHERE tenant_id = $4 AND id = $1 AND status = 'processing'`,
      [id, Math.max(1, Math.min(99, Math.round(progress))), leaseSeconds, currentTenantId()],
    );
    return affected > 0;
  }

  /**
   * Replaces the document's chunks and marks it ready, in the caller's one
   * transaction. Locks the row first, so a concurrent delete either wins
   * (then this returns 'gone' and writes nothing) or waits for this commit.
   * The vectors are `set`'s: written only while it is the active set, which
   * it then stays until this commits (a switch's flip waits, and sees these
   * chunks in its final check). The chunks of every set go: a switch in
   * progress embeds the new ones for its set.
   */
  async replaceChunks(
    m: EntityManager,
    id: string,
    chunks: Chunk[],
    vectors: number[][],
    set: EmbeddingSet,
    searchConfig: string,
    pageCount: number,
  ): Promise<ChunksWritten> {
    const tenantId = currentTenantId();
    const [doc] = await m.query<{ status: string }[]>(`SELECT status FROM documents WHERE tenant_id = $2 AND id = $1 FOR UPDATE`, [
      id,
      tenantId,
    ]);
    if (!doc || doc.status !== 'processing') return 'gone';
    if (!(await this.sets.holdActive(m, tenantId, set.id))) return 'set-changed';
    await m.query(`DELETE FROM embeddings WHERE tenant_id = $2 AND document_id = $1`, [id, tenantId]);
    await insertChunks(m, { tenantId, documentId: id, model: set.model, searchConfig, setId: set.id }, chunks, vectors);
    // Embedding tokens count towards the tenant's usage like chat tokens do.
    await recordUsage(m, 'embedding', set.model, { promptTokens: chunks.reduce((n, c) => n + c.tokenCount, 0), completionTokens: 0 });
    await m.query(
      `UPDATE documents SET status = 'ready', progress = 100, error = NULL, page_count = $2, chunk_count = $3, search_config = $4,
              lease_expires_at = NULL, updated_at = now() WHERE tenant_id = $5 AND id = $1`,
      [id, pageCount, chunks.length, searchConfig, tenantId],
    );
    return 'written';
  }

  async markFailed(m: EntityManager, id: string, message: string): Promise<void> {
    await m.query(
      `UPDATE documents SET status = 'failed', error = $2, lease_expires_at = NULL, updated_at = now()
       WHERE tenant_id = $3 AND id = $1 AND status IN ('queued', 'processing')`,
      [id, message.slice(0, 1000), currentTenantId()],
    );
  }

  async event(
    m: EntityManager,
    documentId: string,
    attempt: number,
    stage: string,
    message?: string,
    details: Record<string, unknown> = {},
  ): Promise<void> {
    // Only while the document exists (KEY SHARE: a delete waits for this transaction). Two statements, not
    // INSERT … SELECT … WHERE EXISTS: Citus carries that form out by COPY, which RLS forbids (insert-values.ts).
    const tenantId = currentTenantId();
    const found = await m.query<unknown[]>(`SELECT 1 FROM documents WHERE tenant_id = $1 AND id = $2 FOR KEY SHARE`, [
      tenantId,
      documentId,
    ]);
    if (!found.length) return;
    await m.query(
      `INSERT INTO ingestion_events (tenant_id, id, document_id, attempt, stage, message, details) VALUES ($1, $2, $3, $4, $5, $6, $7)`,
      [tenantId, randomUUID(), documentId, attempt, stage, message ?? null, JSON.stringify(details)],
    );
  }

  /** Cross-tenant, ids only, through a SECURITY DEFINER function (see its migration). */
  async staleDocuments(m: EntityManager, limit: number): Promise<{ tenantId: string; id: string; status: string }[]> {
    const rows = await m.query<{ tenant_id: string; id: string; status: string }[]>(
      `SELECT tenant_id, id, status FROM stale_ingestion_documents($1)`,
      [limit],
    );
    return rows.map((r) => ({ tenantId: r.tenant_id, id: r.id, status: r.status }));
  }

  async extendLease(m: EntityManager, id: string, leaseSeconds: number): Promise<void> {
    await m.query(
      `UPDATE documents SET lease_expires_at = now() + make_interval(secs => $2)
       WHERE tenant_id = $3 AND id = $1 AND status IN ('queued', 'processing')`,
      [id, leaseSeconds, currentTenantId()],
    );
  }
}
