import type { MigrationInterface, QueryRunner } from 'typeorm';
import { searchKeywordByConfigSql, type KeywordFunctionOptions } from './1764000013000-document-language.js';
import { isCitus } from './1764000020000-citus-distribution.js';
import { KEYWORD_SCAN_ROWS } from './1764000021000-keyword-bounds.js';
import { keywordRankAndPathOptions } from './1764000022000-keyword-rank-and-path.js';

/**
 * At most this many matching rows of one tier are ranked by search_keyword() (it was KEYWORD_SCAN_ROWS, 2 000).
 *
 * Chosen on the eval (bench/EVAL.md, "Keyword ranking"): with ts_rank, 1 000 was as good or better than 2 000 on every
 * line but one (hybrid all MRR 0.75 → 0.77, hybrid paraphrased MRR 0.56 → 0.61, keyword paraphrased MRR 0.48 → 0.49;
 * keyword paraphrased hit@10 0.81 → 0.72), and hybrid is the default mode. It is also half the work where a tier matches
 * thousands of rows: on the search bench's largest tenant (42 562 chunks) such a tier cost ~8–9 ms (psql), mostly the
 * heap reads and ts_rank of the rows it ranks; that tier decided the hybrid p95 there.
 *
 * The line below which a set is read by its key (keyword_stats_rows NULL) stays the worker's KEYWORD_SCAN_ROWS: it is
 * where the posting lists start to cost more than reading the set, a different question.
 */
export const KEYWORD_RANK_ROWS = 1000;

/** search_keyword() as this migration leaves it: the previous one's, with KEYWORD_RANK_ROWS ranked. */
export const keywordRankRowsOptions = (citus: boolean): KeywordFunctionOptions => ({
  ...keywordRankAndPathOptions(citus),
  scanRows: KEYWORD_RANK_ROWS,
  countedFrom: KEYWORD_SCAN_ROWS,
});

export class KeywordRankRows1764000023000 implements MigrationInterface {
  name = 'KeywordRankRows1764000023000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(searchKeywordByConfigSql(keywordRankRowsOptions(await isCitus(q))));
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(searchKeywordByConfigSql(keywordRankAndPathOptions(await isCitus(q))));
  }
}
