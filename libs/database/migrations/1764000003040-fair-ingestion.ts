import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Fair ingestion (issue 8):
 *
 * - `documents_pending_idx`: the upload path counts a tenant's unfinished
 *   documents and their bytes inside its transaction (the per-tenant caps, and
 *   the document's rank in its tenant's backlog, which becomes its queue
 *   priority). Partial on the unfinished states and covering `size_bytes`, so
 *   the count reads at most cap-many small index entries of that tenant.
 * - `stale_ingestion_documents()` takes the tenants in turns (every tenant's
 *   oldest stale document, then every tenant's second, ...): when Redis lost
 *   its jobs, one tenant's 500 stale documents no longer fill the
 *   reconciler's batch ahead of another tenant's one. Same signature, so the
 *   owner (`rag_auth`) and the grants stay as they are.
 */
export class FairIngestion1764000003040 implements MigrationInterface {
  name = 'FairIngestion1764000003040';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE INDEX documents_pending_idx ON documents (tenant_id, status) INCLUDE (size_bytes)
      WHERE status IN ('queued', 'processing')`);
    await q.query(staleFunction(`ORDER BY row_number() OVER (PARTITION BY d.tenant_id ORDER BY d.lease_expires_at), d.lease_expires_at`));
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(staleFunction(`ORDER BY d.lease_expires_at`));
    await q.query(`DROP INDEX IF EXISTS documents_pending_idx`);
  }
}

function staleFunction(orderBy: string): string {
  return `
    CREATE OR REPLACE FUNCTION stale_ingestion_documents(p_limit int)
    RETURNS TABLE (tenant_id uuid, id uuid, status text)
    LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog, public AS $$
      SELECT d.tenant_id, d.id, d.status FROM public.documents d
      WHERE d.status IN ('queued', 'processing') AND d.lease_expires_at < now()
      ${orderBy}
      LIMIT least(greatest(p_limit, 1), 1000)
    $$`;
}
