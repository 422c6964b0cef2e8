import type { MigrationInterface, QueryRunner } from 'typeorm';
import { searchKeywordByConfigSql } from './1764000013000-document-language.js';
import { isCitus } from './1764000020000-citus-distribution.js';
import { KEYWORD_SCAN_ROWS } from './1764000021000-keyword-bounds.js';

/**
 * search_keyword() ranks a tier's matching rows by ts_rank instead of ts_rank_cd; nothing else changes (same bound,
 * same signature; CREATE OR REPLACE keeps the owner, rag_search, and the grants).
 *
 * Chosen by measurement (bench/EVAL.md, "Keyword ranking"): on the eval's 4 730 chunks of the PostgreSQL manual, the
 * same ingested database, only the function swapped, keyword MRR on paraphrased questions 0.33 → 0.48 (hit@10
 * 0.53 → 0.81), hybrid MRR 0.73 → 0.75, no line worse. Cover density rewards a short stretch holding every word of
 * the tier; a paraphrased question's words rarely sit together, and frequency (ts_rank, with the heading's weight A)
 * tells more. It is also the cheaper one: 2 000 rows ranked in ~2 ms instead of ~6 ms (bench/RESULTS.md).
 */
export class KeywordRank1764000022000 implements MigrationInterface {
  name = 'KeywordRank1764000022000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(searchKeywordByConfigSql(KEYWORD_SCAN_ROWS, await isCitus(q), 'ts_rank'));
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(searchKeywordByConfigSql(KEYWORD_SCAN_ROWS, await isCitus(q), 'ts_rank_cd'));
  }
}
