import type { MigrationInterface, QueryRunner } from 'typeorm';
import { migrationSettings } from './migration-settings.js';

/**
 * The reconciler's one cross-tenant read: ids of documents whose ingestion
 * lease expired (Redis was down at upload, a worker died). It returns ids
 * only; the worker then acts on each inside that document's tenant context.
 */
export class IngestionReconciler1764000001000 implements MigrationInterface {
  name = 'IngestionReconciler1764000001000';

  async up(q: QueryRunner): Promise<void> {
    const { runtimeRole } = migrationSettings();
    await q.query(`CREATE POLICY auth_lookup ON documents FOR SELECT TO rag_auth USING (true)`);
    await q.query(`GRANT SELECT (tenant_id, id, status, lease_expires_at) ON documents TO rag_auth`);
    await q.query(`
      CREATE FUNCTION stale_ingestion_documents(p_limit int)
      RETURNS TABLE (tenant_id uuid, id uuid, status text)
      LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog, public AS $$
        SELECT d.tenant_id, d.id, d.status FROM public.documents d
        WHERE d.status IN ('queued', 'processing') AND d.lease_expires_at < now()
        ORDER BY d.lease_expires_at
        LIMIT least(greatest(p_limit, 1), 1000)
      $$`);
    await q.query(`GRANT CREATE ON SCHEMA public TO rag_auth`);
    await q.query(`ALTER FUNCTION stale_ingestion_documents(int) OWNER TO rag_auth`);
    await q.query(`REVOKE CREATE ON SCHEMA public FROM rag_auth`);
    await q.query(`REVOKE ALL ON FUNCTION stale_ingestion_documents(int) FROM PUBLIC`);
    await q.query(`GRANT EXECUTE ON FUNCTION stale_ingestion_documents(int) TO ${runtimeRole}`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP FUNCTION IF EXISTS stale_ingestion_documents(int)`);
    await q.query(`DROP POLICY IF EXISTS auth_lookup ON documents`);
  }
}
