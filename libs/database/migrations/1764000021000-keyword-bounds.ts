import type { MigrationInterface, QueryRunner } from 'typeorm';
import { searchKeywordByConfigSql } from './1764000013000-document-language.js';
import { isCitus } from './1764000020000-citus-distribution.js';
import { migrationSettings } from './migration-settings.js';

/**
 * The most matching rows search_keyword() ranks in one call. ts_rank_cd reads each matching row's
 * tsvector: a word found in nearly every chunk of a 42 562-chunk tenant made one call rank 42 348 rows
 * (≈ 450 ms, mostly pages of a table larger than shared_buffers), where 2 000 rows cost 2–8 ms. A query
 * matching more than this is not selective: which of its rows are ranked is then a matter of scan
 * order.
 */
export const KEYWORD_SCAN_ROWS = 2000;

/**
 * Bounded keyword work (issue 7): the keyword side of hybrid took 460–570 ms at p95 on the largest
 * tenants and ~130 ms even for a tenant of one chunk.
 *
 * - The full-text index covers the tenant: GIN on (tenant_id::text, tsv) (btree_gin, a trusted contrib
 *   extension that managed PostgreSQL services ship). The GIN on tsv alone held every tenant's rows
 *   under each word, so a common word's posting list spanned the whole table, and the planner ANDed it
 *   with a bitmap of the tenant's 42k rows (20–25 ms) or read 1 800 other tenants' rows to filter them
 *   out; with the tenant in the index the same query reads its own matches (37 ms → 1 ms, measured).
 *   The tenant is indexed as text, and search_keyword() compares it as text, so that no other index can
 *   serve the query: on (tenant_id) the planner, not knowing a new tenant's size, read all its rows to
 *   filter them by word (the completeness bug of the vector side, on the keyword side).
 * - search_keyword() ranks at most KEYWORD_SCAN_ROWS matching rows, and is planned for each call
 *   (plan_cache_mode = force_custom_plan): PL/pgSQL's cached generic plan, made without the tenant,
 *   read a common word's rows over the whole table, ~130 ms for a tenant with one chunk. Sequential
 *   scans are off inside it, as in every search transaction.
 * - embedding_sets.keyword_common: the lexemes found in half of the set's rows or more, from a sample
 *   of them (keyword_stats_rows: the set's rows when they were counted), kept by the worker
 *   (libs/retrieval/keyword-stats.ts) like the vector index, which the keyword tiers keep out of their
 *   OR parts (keyword-query.ts); a tenant's own words, never another's.
 */
export class KeywordBounds1764000021000 implements MigrationInterface {
  name = 'KeywordBounds1764000021000';

  async up(q: QueryRunner): Promise<void> {
    const { runtimeRole } = migrationSettings();
    // Trusted: the database owner may create it where provisioning has not (docker/postgres-init.sql creates it on every
    // node, Citus workers included). Only when missing: on Citus even CREATE EXTENSION IF NOT EXISTS demands its owner.
    await q.query(
      `DO $$ BEGIN IF NOT EXISTS (SELECT 1 FROM pg_extension WHERE extname = 'btree_gin') THEN CREATE EXTENSION btree_gin; END IF; END $$`,
    );
    await q.query(`CREATE INDEX embeddings_tenant_tsv_idx ON embeddings USING gin ((tenant_id::text), tsv)`);
    await q.query(`DROP INDEX embeddings_tsv_idx`);
    await q.query(searchKeywordByConfigSql({ scanRows: KEYWORD_SCAN_ROWS, citus: await isCitus(q) }));
    await q.query(`ALTER TABLE embedding_sets ADD COLUMN keyword_common text[], ADD COLUMN keyword_stats_rows int`);
    // The runtime role already has UPDATE on embedding_sets (the worker's switches); the grant is repeated for clarity.
    await q.query(`GRANT UPDATE (keyword_common, keyword_stats_rows) ON embedding_sets TO ${runtimeRole}`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE embedding_sets DROP COLUMN keyword_common, DROP COLUMN keyword_stats_rows`);
    // CREATE OR REPLACE also replaces the function's SET clauses: the original has none.
    await q.query(searchKeywordByConfigSql().replace('CREATE FUNCTION', 'CREATE OR REPLACE FUNCTION'));
    await q.query(`CREATE INDEX embeddings_tsv_idx ON embeddings USING gin (tsv)`);
    await q.query(`DROP INDEX embeddings_tenant_tsv_idx`);
  }
}
