import type { MigrationInterface, QueryRunner } from 'typeorm';
import { migrationSettings } from './migration-settings.js';

const CURRENT_TENANT = `NULLIF(current_setting('app.current_tenant_id', true), '')::uuid`;

/**
 * Embedding sets (issue 12): a tenant's chunks can carry the vectors of more than one
 * embedding model, so that a tenant moves to another model while search goes on
 * (README, "Embedding models"; the measured cost is there too).
 *
 * - `embedding_sets`: a tenant's models, each a set of vectors: one `active` (what search
 *   and new uploads use), at most one `building` (a switch in progress), and the
 *   `retired` / `cancelled` ones, kept as history once their vectors are dropped. Ids
 *   count per tenant from 1.
 * - `embeddings`: one row per chunk per set. The chunk's id stays the same in every set
 *   (citations keep pointing at it), so the key becomes (tenant_id, id, set_id).
 *   `embedding` loses its fixed dimension (`halfvec`, still stored inline): a set's
 *   vectors have the set's dimension, and a large tenant's HNSW index is an expression
 *   index on `embedding::halfvec(N)`, partial on its tenant, set and watermark. The write
 *   order index leads with the set, so an exact scan reads one set's rows only.
 * - Existing chunks become each tenant's set 1, marked with the platform's current
 *   model (EMBEDDING_PROVIDER / EMBEDDING_MODEL) and the column's dimension. The column
 *   is added with the constant 1 as its default, which PostgreSQL stores once instead of
 *   rewriting the table, and the default is dropped again: a row written without a set
 *   gets its tenant's active one from a trigger.
 * - The per-tenant HNSW indexes are dropped with their registry rows (their expression
 *   and predicate name no set); the worker's sweep builds them again in the new form.
 *   Until then those tenants are searched exactly: complete, only slower.
 * - `search_keyword()` reads the active set's rows only, and `vector_index_candidates()`
 *   counts a tenant's active set and also names tenants whose sets have work left (a
 *   switch whose job was lost with Redis, a replaced set to drop). Same signatures.
 */
export class EmbeddingSets1764000012000 implements MigrationInterface {
  name = 'EmbeddingSets1764000012000';

  async up(q: QueryRunner): Promise<void> {
    const { runtimeRole, embeddingModel } = migrationSettings();
    const [{ typmod }] = (await q.query(
      `SELECT atttypmod AS typmod FROM pg_attribute WHERE attrelid = 'embeddings'::regclass AND attname = 'embedding'`,
    )) as [{ typmod: number }];
    const dims = Number(typmod) > 0 ? Number(typmod) : migrationSettings().embeddingDimensions;

    await q.query(`
      CREATE TABLE embedding_sets (
        tenant_id uuid NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
        id int NOT NULL CHECK (id > 0),
        provider text NOT NULL CHECK (provider IN ('local', 'openai', 'openai-compatible')),
        model text NOT NULL CHECK (length(model) BETWEEN 1 AND 200),
        dimensions int NOT NULL CHECK (dimensions BETWEEN 1 AND 16000),
        state text NOT NULL CHECK (state IN ('active', 'building', 'retired', 'cancelled')),
        phase text CHECK (phase IN ('re-embedding', 'indexing', 'switching')),
        created_at timestamptz NOT NULL DEFAULT now(),
        activated_at timestamptz,
        retired_at timestamptz,
        dropped_at timestamptz,
        run_started_at timestamptz,
        run_started_done int,
        error_count int NOT NULL DEFAULT 0,
        last_error text,
        last_error_at timestamptz,
        failed_at timestamptz,
        PRIMARY KEY (tenant_id, id)
      )`);
    await q.query(`CREATE UNIQUE INDEX embedding_sets_active_uq ON embedding_sets (tenant_id) WHERE state = 'active'`);
    await q.query(`CREATE UNIQUE INDEX embedding_sets_building_uq ON embedding_sets (tenant_id) WHERE state = 'building'`);
    await q.query(`ALTER TABLE embedding_sets ENABLE ROW LEVEL SECURITY`);
    await q.query(
      `CREATE POLICY tenant_isolation ON embedding_sets USING (tenant_id = ${CURRENT_TENANT}) WITH CHECK (tenant_id = ${CURRENT_TENANT})`,
    );
    // Sets are kept as history: the runtime role creates and updates them, never deletes one.
    await q.query(`GRANT SELECT, INSERT, UPDATE ON embedding_sets TO ${runtimeRole}`);

    // Every tenant's first set, for the chunks it has (the owner is held by the policies too: lifted for these statements).
    await q.query(`ALTER TABLE tenants NO FORCE ROW LEVEL SECURITY`);
    await q.query(
      `INSERT INTO embedding_sets (tenant_id, id, provider, model, dimensions, state, activated_at)
       SELECT t.id, 1, $1, $2, $3, 'active', now() FROM tenants t`,
      [embeddingModel.provider, embeddingModel.model, dims],
    );
    await q.query(`ALTER TABLE tenants FORCE ROW LEVEL SECURITY`);
    await q.query(`ALTER TABLE embedding_sets FORCE ROW LEVEL SECURITY`);

    // The per-tenant indexes go; the registry keys on the set from now on.
    await dropTenantVectorIndexes(q);
    await q.query(`
      ALTER TABLE vector_indexes
        ADD COLUMN set_id int NOT NULL,
        DROP CONSTRAINT vector_indexes_pkey,
        ADD PRIMARY KEY (tenant_id, set_id),
        ADD FOREIGN KEY (tenant_id, set_id) REFERENCES embedding_sets (tenant_id, id) ON DELETE CASCADE`);

    // No rewrite: the dimension is dropped from the type, and a constant default is stored once. A type
    // change resets the column's storage to the type's default (compressed, out of line): inline again.
    await q.query(
      `ALTER TABLE embeddings ALTER COLUMN embedding TYPE halfvec, ALTER COLUMN embedding SET STORAGE MAIN, ADD COLUMN set_id int NOT NULL DEFAULT 1`,
    );
    await q.query(`ALTER TABLE embeddings ALTER COLUMN set_id DROP DEFAULT`);
    await q.query(`
      ALTER TABLE embeddings
        DROP CONSTRAINT embeddings_pkey,
        ADD PRIMARY KEY (tenant_id, id, set_id),
        DROP CONSTRAINT embeddings_tenant_id_document_id_chunk_index_key,
        ADD CONSTRAINT embeddings_tenant_set_document_chunk_key UNIQUE (tenant_id, set_id, document_id, chunk_index)`);
    await q.query(`DROP INDEX embeddings_tenant_seq_idx`);
    await q.query(`CREATE INDEX embeddings_tenant_set_seq_idx ON embeddings (tenant_id, set_id, seq)`);
    // A chunk written without naming a set (SQL by hand, older tools) lands in its tenant's active set.
    await q.query(`
      CREATE FUNCTION embeddings_default_set() RETURNS trigger
      LANGUAGE plpgsql SET search_path = pg_catalog, public AS $$
      BEGIN
        SELECT s.id INTO NEW.set_id FROM public.embedding_sets s WHERE s.tenant_id = NEW.tenant_id AND s.state = 'active';
        IF NEW.set_id IS NULL THEN
          RAISE EXCEPTION 'tenant % has no active embedding set', NEW.tenant_id USING ERRCODE = 'not_null_violation';
        END IF;
        RETURN NEW;
      END $$`);
    await q.query(`
      CREATE TRIGGER embeddings_default_set BEFORE INSERT ON embeddings
      FOR EACH ROW WHEN (NEW.set_id IS NULL) EXECUTE FUNCTION embeddings_default_set()`);

    // rag_search (search_keyword, vector_index_candidates) reads the sets.
    await q.query(`GRANT SELECT (set_id) ON embeddings TO rag_search`);
    await q.query(`GRANT SELECT (set_id) ON vector_indexes TO rag_search`);
    await q.query(`GRANT SELECT (tenant_id, id, state, failed_at, dropped_at) ON embedding_sets TO rag_search`);
    await q.query(`CREATE POLICY search_read ON embedding_sets FOR SELECT TO rag_search USING (true)`);
    await q.query(searchKeywordSql(true));
    await q.query(vectorIndexCandidatesSql(true));
  }

  async down(q: QueryRunner): Promise<void> {
    const { embeddingDimensions } = migrationSettings();
    await q.query(searchKeywordSql(false));
    await q.query(vectorIndexCandidatesSql(false));
    await q.query(`DROP POLICY IF EXISTS search_read ON embedding_sets`);
    await q.query(`REVOKE SELECT (set_id) ON embeddings FROM rag_search`);
    await q.query(`DROP TRIGGER IF EXISTS embeddings_default_set ON embeddings`);
    await q.query(`DROP FUNCTION IF EXISTS embeddings_default_set()`);

    // Back to one vector per chunk: the active set's. A switch in progress is lost.
    await q.query(`ALTER TABLE embeddings NO FORCE ROW LEVEL SECURITY`);
    await q.query(`ALTER TABLE embedding_sets NO FORCE ROW LEVEL SECURITY`);
    await q.query(
      `DELETE FROM embeddings e WHERE NOT EXISTS (SELECT 1 FROM embedding_sets s WHERE s.tenant_id = e.tenant_id AND s.id = e.set_id AND s.state = 'active')`,
    );
    const [{ dims, n }] = (await q.query(
      `SELECT COALESCE(min(dimensions), ${Number(embeddingDimensions)}) AS dims, count(DISTINCT dimensions)::int AS n FROM embedding_sets WHERE state = 'active'`,
    )) as [{ dims: number; n: number }];
    if (n > 1)
      throw new Error(
        'the active embedding sets have different dimensions: one fixed-dimension column cannot hold them; switch the tenants to one model first',
      );
    await q.query(`ALTER TABLE embedding_sets FORCE ROW LEVEL SECURITY`);
    await q.query(`ALTER TABLE embeddings FORCE ROW LEVEL SECURITY`);

    await dropTenantVectorIndexes(q);
    await q.query(`ALTER TABLE vector_indexes DROP COLUMN set_id, ADD PRIMARY KEY (tenant_id)`);

    await q.query(`DROP INDEX IF EXISTS embeddings_tenant_set_seq_idx`);
    await q.query(`CREATE INDEX embeddings_tenant_seq_idx ON embeddings (tenant_id, seq)`);
    await q.query(`
      ALTER TABLE embeddings
        DROP CONSTRAINT embeddings_tenant_set_document_chunk_key,
        DROP CONSTRAINT embeddings_pkey,
        DROP COLUMN set_id,
        ADD PRIMARY KEY (tenant_id, id),
        ADD UNIQUE (tenant_id, document_id, chunk_index),
        ALTER COLUMN embedding TYPE halfvec(${Number(dims)}) USING embedding::halfvec(${Number(dims)}),
        ALTER COLUMN embedding SET STORAGE MAIN`);
    await q.query(`DROP TABLE embedding_sets`);
  }
}

/**
 * search_keyword() as the search-layout migration made it, with (`sets`) or without the
 * filter on the active set. CREATE OR REPLACE keeps its owner (rag_search) and grants.
 */
/**
 * Both directions change the per-tenant index expression and the registry's key: every tenant's HNSW
 * index goes with its registry row, and the worker's sweep builds them again in the new form (those
 * tenants are searched exactly meanwhile). The owner is held by the policies too: lifted for the DELETE.
 */
async function dropTenantVectorIndexes(q: QueryRunner): Promise<void> {
  const indexes = (await q.query(
    `SELECT indexname FROM pg_indexes WHERE schemaname = current_schema() AND indexname LIKE 'embeddings\\_hnsw\\_t\\_%'`,
  )) as { indexname: string }[];
  for (const { indexname } of indexes) await q.query(`DROP INDEX IF EXISTS "${indexname}"`);
  await q.query(`ALTER TABLE vector_indexes NO FORCE ROW LEVEL SECURITY`);
  await q.query(`DELETE FROM vector_indexes`);
  await q.query(`ALTER TABLE vector_indexes FORCE ROW LEVEL SECURITY`);
}

export function searchKeywordSql(sets: boolean): string {
  const set = sets ? 'AND e.set_id = v_set' : '';
  return `
    CREATE OR REPLACE FUNCTION search_keyword(p_query tsquery, p_limit int, p_document_ids uuid[], p_folder_ids uuid[])
    RETURNS TABLE (id uuid, rank real)
    LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = pg_catalog, public AS $$
    DECLARE
      v_tenant uuid := NULLIF(current_setting('app.current_tenant_id', true), '')::uuid;
      ${sets ? 'v_set int;' : ''}
    BEGIN
      IF v_tenant IS NULL THEN RETURN; END IF;  -- no tenant, no rows: as the policy does
      ${
        sets
          ? `-- The active set's rows only: during a switch every chunk also has a row in the new set.
      SELECT s.id INTO v_set FROM public.embedding_sets s WHERE s.tenant_id = v_tenant AND s.state = 'active';`
          : ''
      }
      IF p_document_ids IS NULL AND p_folder_ids IS NULL THEN
        RETURN QUERY
          SELECT e.id, ts_rank_cd(e.tsv, p_query) AS rank FROM public.embeddings e
          WHERE e.tenant_id = v_tenant ${set} AND e.tsv @@ p_query
          ORDER BY 2 DESC, 1 LIMIT least(greatest(p_limit, 1), 1000);
      ELSE
        RETURN QUERY
          SELECT e.id, ts_rank_cd(e.tsv, p_query) AS rank FROM public.embeddings e
          WHERE e.tenant_id = v_tenant ${set} AND e.tsv @@ p_query
            AND (e.document_id = ANY (p_document_ids)
                 OR e.document_id IN (SELECT d.id FROM public.documents d WHERE d.tenant_id = v_tenant AND d.folder_id = ANY (p_folder_ids)))
          ORDER BY 2 DESC, 1 LIMIT least(greatest(p_limit, 1), 1000);
      END IF;
    END $$`;
}

/**
 * vector_index_candidates() per active set, plus the tenants whose sets have work left (`sets`), or as before; with
 * `keywordIndex` (the TenantKeywordIndex migration, 1764000024000) also an active set of p_min_rows rows or more
 * that has no full-text index of its own yet (read in the same grouped scan: Citus plans no correlated subquery here).
 */
export function vectorIndexCandidatesSql(sets: boolean, keywordIndex = false): string {
  return `
    CREATE OR REPLACE FUNCTION vector_index_candidates(p_min_rows bigint, p_rebuild_rows bigint, p_rebuild_percent int)
    RETURNS TABLE (tenant_id uuid)
    LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog, public AS $$
      SELECT c.tenant_id FROM (
        SELECT e.tenant_id, count(*) AS total, count(*) FILTER (WHERE e.seq > v.watermark) AS fresh, v.watermark, v.indexed_rows${keywordIndex ? ', s.keyword_index' : ''}
        FROM public.embeddings e
        ${
          sets
            ? `JOIN public.embedding_sets s ON s.tenant_id = e.tenant_id AND s.id = e.set_id AND s.state = 'active'
        LEFT JOIN public.vector_indexes v ON v.tenant_id = e.tenant_id AND v.set_id = e.set_id`
            : 'LEFT JOIN public.vector_indexes v ON v.tenant_id = e.tenant_id'
        }
        GROUP BY e.tenant_id, v.watermark, v.indexed_rows${keywordIndex ? ', s.keyword_index' : ''}) c
      WHERE (c.watermark IS NULL AND c.total >= p_min_rows)
         OR (c.watermark IS NOT NULL AND c.fresh >= greatest(p_rebuild_rows, c.indexed_rows * p_rebuild_percent / 100))${
           keywordIndex
             ? `
         -- A large active set without its own full-text index (one that was large before the TenantKeywordIndex migration).
         OR (c.keyword_index IS NULL AND c.total >= p_min_rows)`
             : ''
         }
      ${
        sets
          ? `UNION
      -- Sets with work left: a switch to carry on (its job lost with Redis), a replaced or cancelled set to drop.
      SELECT s.tenant_id FROM public.embedding_sets s
      WHERE (s.state = 'building' AND s.failed_at IS NULL) OR (s.state IN ('retired', 'cancelled') AND s.dropped_at IS NULL)`
          : ''
      }
    $$`;
}
