import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Grounding on real documents (issue 9):
 *
 * - `embeddings.section`: the heading path of the chunk's section
 *   ("CREATE SEQUENCE › Parameters"), shown in search results and citations
 *   instead of "p. 1" for formats without pages.
 * - `tsv` indexes that path too, weighted A (the text is B), so ts_rank_cd ranks a
 *   chunk of the section a question names above one that merely mentions its words.
 *   A generated column's expression cannot be altered: it is dropped and added
 *   again (one rewrite of the table), with its GIN index and rag_search's grant.
 * - Tenants that never chose a searchLanguage now get the stemming default
 *   (`english`, search-language.ts): their chunks indexed with the former default
 *   `simple` are re-indexed with it, or their queries and chunks would disagree.
 *   The table forces row-level security on its owner too, so that is lifted for
 *   this one statement, inside the migration's transaction.
 */
export class SectionPaths1764000009000 implements MigrationInterface {
  name = 'SectionPaths1764000009000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE embeddings ADD COLUMN section text`);
    await q.query(`ALTER TABLE embeddings DROP COLUMN tsv`);
    await q.query(`ALTER TABLE embeddings NO FORCE ROW LEVEL SECURITY`);
    await q.query(`
      UPDATE embeddings e SET search_config = 'english'
      FROM tenants t
      WHERE t.id = e.tenant_id AND e.search_config = 'simple'::regconfig
        AND NOT EXISTS (SELECT 1 FROM pg_ts_config c WHERE c.cfgname = t.settings->>'searchLanguage')`);
    await q.query(`ALTER TABLE embeddings FORCE ROW LEVEL SECURITY`);
    await q.query(`ALTER TABLE embeddings ALTER COLUMN search_config SET DEFAULT 'english'`);
    await q.query(`
      ALTER TABLE embeddings ADD COLUMN tsv tsvector GENERATED ALWAYS AS (
        setweight(to_tsvector(search_config, COALESCE(section, '')), 'A') || setweight(to_tsvector(search_config, content), 'B')) STORED`);
    await q.query(`CREATE INDEX embeddings_tsv_idx ON embeddings USING gin (tsv)`);
    await q.query(`GRANT SELECT (tsv) ON embeddings TO rag_search`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE embeddings DROP COLUMN tsv`);
    await q.query(`ALTER TABLE embeddings DROP COLUMN section`);
    await q.query(`ALTER TABLE embeddings ALTER COLUMN search_config SET DEFAULT 'simple'`);
    await q.query(`ALTER TABLE embeddings ADD COLUMN tsv tsvector GENERATED ALWAYS AS (to_tsvector(search_config, content)) STORED`);
    await q.query(`CREATE INDEX embeddings_tsv_idx ON embeddings USING gin (tsv)`);
    await q.query(`GRANT SELECT (tsv) ON embeddings TO rag_search`);
  }
}
