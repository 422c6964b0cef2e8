import type { MigrationInterface, QueryRunner } from 'typeorm';
import { searchKeywordByConfigSql, type KeywordFunctionOptions } from './1764000013000-document-language.js';
import { isCitus } from './1764000020000-citus-distribution.js';
import { KEYWORD_SCAN_ROWS } from './1764000021000-keyword-bounds.js';

/**
 * search_keyword(), same signature and bound (CREATE OR REPLACE keeps its owner, rag_search, and the grants):
 *
 * - ranks a tier's matching rows by ts_rank instead of ts_rank_cd. Chosen on the eval (bench/EVAL.md, "Keyword
 *   ranking"): the same ingested database, only the function swapped, keyword MRR on paraphrased questions
 *   0.33 → 0.48 (hit@10 0.53 → 0.81), hybrid MRR 0.73 → 0.75, no line worse. Cover density rewards a short stretch
 *   holding every word of the tier; a paraphrased question's words rarely sit together, and frequency (with the
 *   heading's weight A) tells more. It is also cheaper: 2 000 rows ranked in ~2 ms instead of ~6 ms.
 * - reads a small set through its key: a set the worker has not counted common words for (keyword_stats_rows NULL,
 *   i.e. fewer than KEYWORD_SCAN_ROWS rows when last counted, keyword-stats.ts) has its rows read by
 *   (tenant_id, set_id) and filtered by the query. The GIN's posting list of a word holds every tenant's rows with it:
 *   a topic word cost a 125-chunk tenant ~2.2 ms through the GIN and ~0.45 ms by its key (2 335 chunks: about even;
 *   9 263: 4.4 against 20 ms; psql, the search bench's database). A set that grew past the line since its last count
 *   (one document's chunks, until the worker's check after that document) is read whole: slower, never incomplete.
 * - on the GIN path the set is compared so that no index can use it (`(set_id = v_set) IS TRUE`): with a set the
 *   statistics did not know yet, the planner read the whole (tenant_id, set_id, document_id, chunk_index) btree for
 *   `set_id = …` instead of the GIN (8 323 entries read, 3 rows found; keyword-bounds.test.ts after the switch tests).
 */
/** search_keyword() as this migration leaves it (the next ones start from these options). */
export const keywordRankAndPathOptions = (citus: boolean): KeywordFunctionOptions => ({
  scanRows: KEYWORD_SCAN_ROWS,
  citus,
  rank: 'ts_rank',
  smallSetsByKey: true,
});

export class KeywordRankAndPath1764000022000 implements MigrationInterface {
  name = 'KeywordRankAndPath1764000022000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`GRANT SELECT (keyword_stats_rows) ON embedding_sets TO rag_search`);
    await q.query(searchKeywordByConfigSql(keywordRankAndPathOptions(await isCitus(q))));
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(searchKeywordByConfigSql({ scanRows: KEYWORD_SCAN_ROWS, citus: await isCitus(q) }));
    await q.query(`REVOKE SELECT (keyword_stats_rows) ON embedding_sets FROM rag_search`);
  }
}
