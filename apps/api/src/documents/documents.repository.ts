import { Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import { currentTenantId } from '#libs/tenancy/tenant-context.js';
import { DocumentEntity, EmbeddingEntity, type DocumentStatus } from '#libs/database/entities/index.js';
import { copyDocumentFile } from './copy-document-file.js';
import type { KeysetCursor } from '../common/cursor.js';
import { keysetPage, type KeysetPage } from '../common/keyset-page.js';
import type { Backlog } from './queue-caps.js';

export interface NewDocument {
  tenantId: string;
  id: string;
  userId: string | null;
  folderId: string | null;
  filename: string;
  mimeType: string;
  sizeBytes: number;
  contentHash: string;
  leaseSeconds: number;
}

@Injectable()
export class DocumentsRepository {
  /**
   * Inserts the row and its bytes unless the tenant already has these bytes (then the
   * bytes are not sent at all). The bytes are streamed from the upload's temporary file.
   * Returns the id of the new document, or undefined for a duplicate.
   */
  async insertWithFile(m: EntityManager, doc: NewDocument, file: { path: string; size: number }): Promise<string | undefined> {
    const inserted = await m.query<{ id: string }[]>(
      `INSERT INTO documents (tenant_id, id, user_id, folder_id, filename, mime_type, size_bytes, content_hash, status, lease_expires_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, 'queued', now() + make_interval(secs => $9))
       ON CONFLICT (tenant_id, content_hash) DO NOTHING RETURNING id`,
      [doc.tenantId, doc.id, doc.userId, doc.folderId, doc.filename, doc.mimeType, doc.sizeBytes, doc.contentHash, doc.leaseSeconds],
    );
    if (!inserted.length) return undefined;
    await copyDocumentFile(m, { tenantId: doc.tenantId, documentId: doc.id }, file);
    return doc.id;
  }

  // Reads name the tenant although the policy already keeps them to it: on Citus only a tenant_id
  // equal to a value routes a statement to the one node holding that tenant (the policy's
  // current_setting() is not used for that), and on one node it lets the planner use the key.
  findByHash(m: EntityManager, contentHash: string): Promise<DocumentEntity | null> {
    return m.findOneBy(DocumentEntity, { tenantId: currentTenantId(), contentHash });
  }

  findById(m: EntityManager, id: string): Promise<DocumentEntity | null> {
    return m.findOneBy(DocumentEntity, { tenantId: currentTenantId(), id });
  }

  /** Newest first (created_at, id). */
  list(
    m: EntityManager,
    f: { folderId?: string; status?: DocumentStatus; limit: number; after?: KeysetCursor },
  ): Promise<KeysetPage<DocumentEntity>> {
    const qb = m.createQueryBuilder(DocumentEntity, 'd').where('d.tenant_id = :tenantId', { tenantId: currentTenantId() });
    if (f.folderId) qb.andWhere('d.folder_id = :folderId', { folderId: f.folderId });
    if (f.status) qb.andWhere('d.status = :status', { status: f.status });
    return keysetPage(qb, 'created_at', f.limit, f.after);
  }

  /** The document's chunks, one row each: the active embedding set's (a switch in progress gives every chunk a row per set). */
  chunks(m: EntityManager, documentId: string): Promise<EmbeddingEntity[]> {
    return (
      m
        .createQueryBuilder(EmbeddingEntity, 'e')
        .where('e.tenantId = :tenantId AND e.documentId = :documentId', { tenantId: currentTenantId(), documentId })
        // The tenant as a value, not correlated with e: so Citus runs the subquery on the tenant's shard too.
        .andWhere(`e.setId = (SELECT s.id FROM embedding_sets s WHERE s.tenant_id = :tenantId AND s.state = 'active')`)
        .orderBy('e.chunkIndex', 'ASC')
        .getMany()
    );
  }

  /** Back to `queued` for another run; refused while a worker holds it. */
  async requeue(m: EntityManager, id: string, leaseSeconds: number): Promise<'ok' | 'missing' | 'busy'> {
    // An UPDATE answers [rows, affected].
    const [rows] = await m.query<[{ id: string }[], number]>(
      `UPDATE documents SET status = 'queued', progress = 0, error = NULL, attempts = 0, updated_at = now(),
              lease_expires_at = now() + make_interval(secs => $2)
       WHERE tenant_id = $3 AND id = $1 AND status <> 'processing' RETURNING id`,
      [id, leaseSeconds, currentTenantId()],
    );
    if (rows.length) return 'ok';
    return (await this.findById(m, id)) ? 'busy' : 'missing';
  }

  /**
   * The tenant's unfinished documents and its own caps, read in the upload's
   * transaction before its bytes are sent (a refused upload writes nothing). Other
   * uploads still in flight are not seen: racing uploads can pass a cap by at
   * most their number. A per-tenant lock would close that gap but serialised
   * every commit of a tenant: 50 concurrent uploads ran out of pool
   * connections in test/ingestion/scale.test.ts. Reads documents_pending_idx.
   */
  async backlog(m: EntityManager, tenantId: string): Promise<Backlog> {
    // An aggregate without GROUP BY: always exactly one row.
    const [row] = await m.query<
      [{ queued: number; unfinished: number; bytes: string; max_documents: string | null; max_bytes: string | null }]
    >(
      `SELECT count(*) FILTER (WHERE d.status = 'queued')::int AS queued, count(*)::int AS unfinished,
              COALESCE(sum(d.size_bytes), 0)::text AS bytes,
              (SELECT t.settings->>'maxQueuedDocuments' FROM tenants t WHERE t.id = $1) AS max_documents,
              (SELECT t.settings->>'maxQueuedBytes' FROM tenants t WHERE t.id = $1) AS max_bytes
       FROM documents d WHERE d.tenant_id = $1 AND d.status IN ('queued', 'processing')`,
      [tenantId],
    );
    const num = (v: string | null) => (v === null || v === '' ? null : Number(v));
    return {
      queued: row.queued,
      unfinished: row.unfinished,
      bytes: Number(row.bytes),
      maxDocuments: num(row.max_documents),
      maxBytes: num(row.max_bytes),
    };
  }

  /**
   * Chunks, bytes and events go with it (ON DELETE CASCADE). Citations of it in earlier answers stay, without the
   * document: cleared here rather than by ON DELETE SET NULL, which Citus cannot run on distributed tables
   * (migration 1764000020000).
   */
  async delete(m: EntityManager, id: string): Promise<boolean> {
    const tenantId = currentTenantId();
    await m.query(`UPDATE message_citations SET document_id = NULL WHERE tenant_id = $1 AND document_id = $2`, [tenantId, id]);
    const res = await m.delete(DocumentEntity, { tenantId, id });
    return (res.affected ?? 0) > 0;
  }
}
