import type { MigrationInterface, QueryRunner } from 'typeorm';
import { vectorIndexCandidatesSql } from './1764000012000-embedding-sets.js';
import { searchKeywordByConfigSql } from './1764000013000-document-language.js';
import { isCitus, sqlFunctionsToPlpgsql } from './1764000020000-citus-distribution.js';
import { keywordRankRowsOptions } from './1764000023000-keyword-rank-rows.js';

/**
 * A large set's own full-text index, as a large set has its own HNSW index.
 *
 * The shared GIN on (tenant_id::text, tsv) answers a word by intersecting the word's posting list with the tenant's,
 * and the tenant's entry lists every row of the tenant: on the search bench's largest tenant (42 562 chunks) a call cost
 * ~2.3 ms even for a word the tenant does not have (428 index pages read), against ~0.3 ms through a GIN on tsv partial
 * on that tenant's set (psql, `EXPLAIN (ANALYZE, BUFFERS)`); the cost grows with the tenant, and a hybrid search makes
 * one to three such calls. The worker builds `embeddings_tsv_t_<tenant>_s<set>`, `USING gin (tsv) WHERE
 * keywordSetKey() = '<tenant>/<set>'`, CONCURRENTLY, once the set reaches VECTOR_INDEX_MIN_ROWS chunks, and names it
 * in embedding_sets.keyword_index; search_keyword() then reads that set through it. Unlike the HNSW index it needs no
 * watermark and no rebuild: a GIN takes each new row as it is written.
 */
export class TenantKeywordIndex1764000024000 implements MigrationInterface {
  name = 'TenantKeywordIndex1764000024000';

  async up(q: QueryRunner): Promise<void> {
    const citus = await isCitus(q);
    await q.query(`ALTER TABLE embedding_sets ADD COLUMN keyword_index text`);
    await q.query(`GRANT SELECT (keyword_index) ON embedding_sets TO rag_search`);
    // The sweep also finds a large set without its own full-text index (one that was large before this migration).
    await q.query(vectorIndexCandidatesSql(true, true));
    // On Citus it is PL/pgSQL (CitusDistribution1764000020000: Citus plans no SQL function's parameters).
    if (citus) await sqlFunctionsToPlpgsql(q);
    await q.query(searchKeywordByConfigSql({ ...keywordRankRowsOptions(citus), ownIndex: true }));
  }

  async down(q: QueryRunner): Promise<void> {
    const citus = await isCitus(q);
    await q.query(searchKeywordByConfigSql(keywordRankRowsOptions(citus)));
    // The worker's indexes go with the column that names them.
    const built = (await q.query(
      `SELECT indexname FROM pg_indexes WHERE schemaname = current_schema() AND tablename = 'embeddings' AND indexname ~ '^embeddings_tsv_t_[0-9a-f]{32}_s[0-9]+$'`,
    )) as { indexname: string }[];
    for (const { indexname } of built) await q.query(`DROP INDEX ${indexname}`);
    await q.query(vectorIndexCandidatesSql(true));
    if (citus) await sqlFunctionsToPlpgsql(q);
    await q.query(`REVOKE SELECT (keyword_index) ON embedding_sets FROM rag_search`);
    await q.query(`ALTER TABLE embedding_sets DROP COLUMN keyword_index`);
  }
}
