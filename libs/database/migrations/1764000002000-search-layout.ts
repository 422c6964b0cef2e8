import type { MigrationInterface, QueryRunner } from 'typeorm';
import { migrationSettings } from './migration-settings.js';

const CURRENT_TENANT = `NULLIF(current_setting('app.current_tenant_id', true), '')::uuid`;

/**
 * The search layout chosen by measurement (bench/RESULTS.md, "Layout"):
 *
 * - `embedding` is stored as `halfvec`, inline in the heap row (STORAGE MAIN,
 *   toast_tuple_target 8160): an exact scan of a tenant's rows no longer
 *   detoasts 6 kB per row, which made it ~3x faster (33 -> 11 ms for 7k rows),
 *   and HNSW can index up to 4,000 dimensions instead of 2,000.
 * - No global vector index. A global HNSW index filtered by tenant lost rows
 *   for small tenants and reached recall 0.2-0.35 off-topic even for large
 *   ones. Tenants below VECTOR_INDEX_MIN_ROWS are searched exactly; larger
 *   tenants get a dedicated partial HNSW index `WHERE tenant_id = … AND seq <=
 *   watermark`, built in the background by the worker (vector-index job).
 * - `seq` orders writes: rows above a tenant's watermark (written since its
 *   index was built) are not in the index, cost no graph insert when written,
 *   and are searched exactly through (tenant_id, seq) until the next rebuild.
 * - `vector_indexes` is the registry of those indexes, read by search.
 * - `search_keyword()` runs the keyword side of search outside the policy, with
 *   the tenant read from the same setting the policy reads: `@@` is not
 *   leakproof, so under RLS it could never be an index condition and a large
 *   tenant's keyword search read every one of its rows.
 */
export class SearchLayout1764000002000 implements MigrationInterface {
  name = 'SearchLayout1764000002000';

  async up(q: QueryRunner): Promise<void> {
    const { embeddingDimensions: dims, runtimeRole } = migrationSettings();
    await q.query(`DROP INDEX IF EXISTS embeddings_hnsw_idx`);
    // One ALTER: a single table rewrite that already writes the new type inline and numbers the rows.
    await q.query(`
      ALTER TABLE embeddings
        ALTER COLUMN embedding TYPE halfvec(${dims}) USING embedding::halfvec(${dims}),
        ALTER COLUMN embedding SET STORAGE MAIN,
        SET (toast_tuple_target = 8160),
        ADD COLUMN seq bigint GENERATED ALWAYS AS IDENTITY`);
    await q.query(`CREATE INDEX embeddings_tenant_seq_idx ON embeddings (tenant_id, seq)`);

    await q.query(`
      CREATE TABLE vector_indexes (
        tenant_id uuid PRIMARY KEY REFERENCES tenants(id) ON DELETE CASCADE,
        index_name text NOT NULL UNIQUE CHECK (index_name ~ '^embeddings_hnsw_t_[0-9a-f]{32}_[0-9]+$'),
        watermark bigint NOT NULL,
        indexed_rows bigint NOT NULL,
        m int NOT NULL,
        ef_construction int NOT NULL,
        build_ms int NOT NULL,
        built_at timestamptz NOT NULL DEFAULT now()
      )`);
    await q.query(`ALTER TABLE vector_indexes ENABLE ROW LEVEL SECURITY`);
    await q.query(`ALTER TABLE vector_indexes FORCE ROW LEVEL SECURITY`);
    await q.query(
      `CREATE POLICY tenant_isolation ON vector_indexes USING (tenant_id = ${CURRENT_TENANT}) WITH CHECK (tenant_id = ${CURRENT_TENANT})`,
    );
    // Search reads the registry; only the index builder (the owner) writes it.
    await q.query(`GRANT SELECT ON vector_indexes TO ${runtimeRole}`);

    // The keyword side of search. Runs as rag_search (NOLOGIN, owns nothing), whose
    // only right is to read the columns below; the tenant comes from the setting.
    await q.query(`
      DO $$ BEGIN
        IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'rag_search') THEN
          CREATE ROLE rag_search NOLOGIN NOSUPERUSER NOBYPASSRLS;
        END IF;
      END $$`);
    await q.query(`GRANT rag_search TO CURRENT_USER`);
    await q.query(`GRANT USAGE ON SCHEMA public TO rag_search`);
    await q.query(`GRANT SELECT (tenant_id, id, document_id, tsv, seq) ON embeddings TO rag_search`);
    await q.query(`GRANT SELECT (tenant_id, watermark, indexed_rows) ON vector_indexes TO rag_search`);
    await q.query(`CREATE POLICY search_read ON vector_indexes FOR SELECT TO rag_search USING (true)`);
    await q.query(`GRANT SELECT (tenant_id, id, folder_id) ON documents TO rag_search`);
    await q.query(`CREATE POLICY search_read ON embeddings FOR SELECT TO rag_search USING (true)`);
    await q.query(`CREATE POLICY search_read ON documents FOR SELECT TO rag_search USING (true)`);
    await q.query(`
      CREATE FUNCTION search_keyword(p_query tsquery, p_limit int, p_document_ids uuid[], p_folder_ids uuid[])
      RETURNS TABLE (id uuid, rank real)
      LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = pg_catalog, public AS $$
      DECLARE
        v_tenant uuid := NULLIF(current_setting('app.current_tenant_id', true), '')::uuid;
      BEGIN
        IF v_tenant IS NULL THEN RETURN; END IF;  -- no tenant, no rows: as the policy does
        IF p_document_ids IS NULL AND p_folder_ids IS NULL THEN
          RETURN QUERY
            SELECT e.id, ts_rank_cd(e.tsv, p_query) AS rank FROM public.embeddings e
            WHERE e.tenant_id = v_tenant AND e.tsv @@ p_query
            ORDER BY 2 DESC, 1 LIMIT least(greatest(p_limit, 1), 1000);
        ELSE
          RETURN QUERY
            SELECT e.id, ts_rank_cd(e.tsv, p_query) AS rank FROM public.embeddings e
            WHERE e.tenant_id = v_tenant AND e.tsv @@ p_query
              AND (e.document_id = ANY (p_document_ids)
                   OR e.document_id IN (SELECT d.id FROM public.documents d WHERE d.tenant_id = v_tenant AND d.folder_id = ANY (p_folder_ids)))
            ORDER BY 2 DESC, 1 LIMIT least(greatest(p_limit, 1), 1000);
        END IF;
      END $$`);
    // The index builder's sweep: which tenants need an index built or rebuilt. Tenant ids only, like stale_ingestion_documents().
    await q.query(`
      CREATE FUNCTION vector_index_candidates(p_min_rows bigint, p_rebuild_rows bigint, p_rebuild_percent int)
      RETURNS TABLE (tenant_id uuid)
      LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog, public AS $$
        SELECT c.tenant_id FROM (
          SELECT e.tenant_id, count(*) AS total, count(*) FILTER (WHERE e.seq > v.watermark) AS fresh, v.watermark, v.indexed_rows
          FROM public.embeddings e LEFT JOIN public.vector_indexes v ON v.tenant_id = e.tenant_id
          GROUP BY e.tenant_id, v.watermark, v.indexed_rows) c
        WHERE (c.watermark IS NULL AND c.total >= p_min_rows)
           OR (c.watermark IS NOT NULL AND c.fresh >= greatest(p_rebuild_rows, c.indexed_rows * p_rebuild_percent / 100))
      $$`);
    await q.query(`GRANT CREATE ON SCHEMA public TO rag_search`);
    for (const fn of ['search_keyword(tsquery, int, uuid[], uuid[])', 'vector_index_candidates(bigint, bigint, int)']) {
      await q.query(`ALTER FUNCTION ${fn} OWNER TO rag_search`);
      await q.query(`REVOKE ALL ON FUNCTION ${fn} FROM PUBLIC`);
      await q.query(`GRANT EXECUTE ON FUNCTION ${fn} TO ${runtimeRole}`);
    }
    await q.query(`REVOKE CREATE ON SCHEMA public FROM rag_search`);
  }

  async down(q: QueryRunner): Promise<void> {
    const { embeddingDimensions: dims } = migrationSettings();
    await q.query(`DROP FUNCTION IF EXISTS search_keyword(tsquery, int, uuid[], uuid[])`);
    await q.query(`DROP FUNCTION IF EXISTS vector_index_candidates(bigint, bigint, int)`);
    await q.query(`DROP POLICY IF EXISTS search_read ON embeddings`);
    await q.query(`DROP POLICY IF EXISTS search_read ON documents`);
    const idx = (await q.query(
      `SELECT indexname FROM pg_indexes WHERE schemaname = 'public' AND indexname LIKE 'embeddings\\_hnsw\\_t\\_%'`,
    )) as { indexname: string }[];
    for (const { indexname } of idx) await q.query(`DROP INDEX IF EXISTS "${indexname}"`);
    await q.query(`DROP TABLE IF EXISTS vector_indexes`);
    await q.query(`DROP INDEX IF EXISTS embeddings_tenant_seq_idx`);
    await q.query(`
      ALTER TABLE embeddings DROP COLUMN seq,
        ALTER COLUMN embedding TYPE vector(${dims}) USING embedding::vector(${dims}),
        ALTER COLUMN embedding SET STORAGE EXTERNAL, RESET (toast_tuple_target)`);
    if (dims <= 2000) await q.query(`CREATE INDEX embeddings_hnsw_idx ON embeddings USING hnsw (embedding vector_cosine_ops)`);
  }
}
