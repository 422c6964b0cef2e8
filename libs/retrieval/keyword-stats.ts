import type { EntityManager } from 'typeorm';
import { KEYWORD_SCAN_ROWS } from '../database/migrations/1764000021000-keyword-bounds.js';

/** Rows of a set read to estimate how many of them each lexeme matches: ±3 % of the set at 1 000. */
export const KEYWORD_SAMPLE_ROWS = 1000;

/**
 * A lexeme found in this share of a set's rows or more is one of its common words. MySQL's natural-language full-text
 * search draws the same line ("words present in 50% or more of the rows are considered common"): below it a word still
 * tells rows apart (a topic's words in 8–12 % of a tenant's chunks do), above it hardly.
 */
export const COMMON_SHARE = 0.5;

/** A set's common lexemes are counted again once its rows have changed by this share since (or by KEYWORD_SCAN_ROWS / 4). */
const RECOUNT_SHARE = 0.1;

export type KeywordStatsResult = 'small' | 'up-to-date' | 'counted';

/**
 * A set's common words: the lexemes found in COMMON_SHARE of its rows or more, which the keyword tiers keep out of their
 * OR parts (keyword-query.ts): a row holding only such a word says little about the question, and ranking the rows of a
 * word found nearly everywhere in a large tenant cost ~450 ms (KEYWORD_SCAN_ROWS). Kept on the set's row
 * (embedding_sets.keyword_common) by the worker, after each document and on its sweep, like the tenant's vector index;
 * search reads them with the set. Only for sets of KEYWORD_SCAN_ROWS rows or more: below that every match of any word is
 * ranked, as before.
 *
 * The estimate: ts_stat over an even sample of about KEYWORD_SAMPLE_ROWS of the set's rows (every k-th by seq), a lexeme's
 * share of the sample. Runs in the caller's tenant transaction: RLS limits every read to the tenant, whose own words are
 * all that count.
 */
export async function refreshKeywordStats(m: EntityManager, tenantId: string, setId: number): Promise<KeywordStatsResult> {
  const [row] = await m.query<[{ rows: string; counted: number | null }]>(
    `SELECT (SELECT count(*) FROM embeddings WHERE tenant_id = $1 AND set_id = $2)::bigint AS rows, s.keyword_stats_rows AS counted
     FROM embedding_sets s WHERE s.tenant_id = $1 AND s.id = $2`,
    [tenantId, setId],
  );
  if (!row) return 'small';
  const rows = Number(row.rows);
  if (rows < KEYWORD_SCAN_ROWS) {
    if (row.counted === null) return 'small';
    await m.query(`UPDATE embedding_sets SET keyword_common = NULL, keyword_stats_rows = NULL WHERE tenant_id = $1 AND id = $2`, [
      tenantId,
      setId,
    ]);
    return 'counted';
  }
  if (row.counted !== null && Math.abs(rows - row.counted) < Math.max(KEYWORD_SCAN_ROWS / 4, row.counted * RECOUNT_SHARE))
    return 'up-to-date';
  const step = Math.max(1, Math.floor(rows / KEYWORD_SAMPLE_ROWS));
  // ts_stat runs its query text itself; the ids and numbers are quoted and checked literals (format %L / integers).
  await m.query(
    `WITH sample AS (
       SELECT format('SELECT tsv FROM embeddings WHERE tenant_id = %L AND set_id = %s AND seq %% %s = 0', $1::uuid, $2::int, $3::int) AS sql),
     sampled AS (
       SELECT count(*)::float8 AS n FROM embeddings WHERE tenant_id = $1 AND set_id = $2 AND seq % $3 = 0),
     common AS (
       SELECT COALESCE(array_agg(t.word ORDER BY t.ndoc DESC, t.word), '{}') AS words
       FROM sample, sampled, ts_stat(sample.sql) t
       WHERE sampled.n > 0 AND t.ndoc / sampled.n >= $5)
     UPDATE embedding_sets SET keyword_common = common.words, keyword_stats_rows = $4
     FROM common WHERE tenant_id = $1 AND id = $2`,
    [tenantId, setId, step, rows, COMMON_SHARE],
  );
  return 'counted';
}
