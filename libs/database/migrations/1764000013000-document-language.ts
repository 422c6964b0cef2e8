import type { MigrationInterface, QueryRunner } from 'typeorm';
import { searchKeywordSql } from './1764000012000-embedding-sets.js';
import { migrationSettings } from './migration-settings.js';

const OLD_SIGNATURE = 'search_keyword(tsquery, int, uuid[], uuid[])';
const NEW_SIGNATURE = 'search_keyword(tsquery, int, uuid[], uuid[], regconfig)';

/**
 * Language per document (issue 9): a tenant's documents may be in several languages.
 *
 * - `documents.search_config`: the text search configuration the document's chunks are
 *   indexed with (detected at ingestion, or the tenant's fixed settings.searchLanguage);
 *   existing documents take their chunks'. The keyword side parses a query with every
 *   configuration in use among the tenant's documents (search.repository.ts).
 * - `search_keyword()` gains `p_config` (last, default NULL = every chunk): with it, only
 *   the chunks indexed with that configuration, which are the ones a query parsed with it
 *   can fairly match. Otherwise as the embedding-sets migration made it: the active set's
 *   rows, the tenant from the setting, SECURITY DEFINER owned by rag_search.
 */
export class DocumentLanguage1764000013000 implements MigrationInterface {
  name = 'DocumentLanguage1764000013000';

  async up(q: QueryRunner): Promise<void> {
    const { runtimeRole } = migrationSettings();
    await q.query(`ALTER TABLE documents ADD COLUMN search_config regconfig`);
    // Both tables force row-level security on their owner too: lifted for this statement, inside the migration's transaction.
    await q.query(`ALTER TABLE documents NO FORCE ROW LEVEL SECURITY`);
    await q.query(`ALTER TABLE embeddings NO FORCE ROW LEVEL SECURITY`);
    await q.query(`
      UPDATE documents d SET search_config = (
        SELECT e.search_config FROM embeddings e WHERE e.tenant_id = d.tenant_id AND e.document_id = d.id LIMIT 1)`);
    await q.query(`ALTER TABLE embeddings FORCE ROW LEVEL SECURITY`);
    await q.query(`ALTER TABLE documents FORCE ROW LEVEL SECURITY`);
    await q.query(`GRANT SELECT (search_config) ON embeddings TO rag_search`);

    await q.query(`DROP FUNCTION ${OLD_SIGNATURE}`);
    await q.query(searchKeywordByConfigSql());
    await ownBySearchRole(q, NEW_SIGNATURE, runtimeRole);
  }

  async down(q: QueryRunner): Promise<void> {
    const { runtimeRole } = migrationSettings();
    await q.query(`DROP FUNCTION ${NEW_SIGNATURE}`);
    await q.query(searchKeywordSql(true).replace('CREATE OR REPLACE FUNCTION', 'CREATE FUNCTION'));
    await ownBySearchRole(q, OLD_SIGNATURE, runtimeRole);
    await q.query(`REVOKE SELECT (search_config) ON embeddings FROM rag_search`);
    await q.query(`ALTER TABLE documents DROP COLUMN search_config`);
  }
}

/** How search_keyword() ranks a matching row: ts_rank_cd until the keyword-rank migration (1764000022000), ts_rank since. */
export type KeywordRank = 'ts_rank_cd' | 'ts_rank';

export interface KeywordFunctionOptions {
  /** At most this many matching rows ranked per call (keyword-bounds, 1764000021000); null: every one. */
  scanRows?: number | null;
  /** On Citus, the distribution column is compared as itself too, which routes the query to the tenant's one shard. */
  citus?: boolean;
  rank?: KeywordRank;
  /**
   * A set the worker has not counted common words for (embedding_sets.keyword_stats_rows NULL: it had fewer than
   * `scanRows` rows when last counted) is read through its key and filtered, instead of through the GIN (1764000022000).
   */
  smallSetsByKey?: boolean;
  /** The size below which the worker counts no common words (keyword-stats.ts); `scanRows` when not given. For the function's comment. */
  countedFrom?: number;
  /**
   * A set with its own full-text index (embedding_sets.keyword_index, built by the worker for a large set: the
   * TenantKeywordIndex migration, 1764000024000) is read through it: the query names the set by keywordSetKey(),
   * which only that partial index's predicate matches.
   */
  ownIndex?: boolean;
}

/**
 * A row's tenant and set as one text value, `<tenant uuid>/<set id>`: a large set's own GIN is partial on
 * `keywordSetKey() = '<tenant>/<set>'` and search_keyword() compares the same expression. No other index is on it,
 * so no guess of the planner can take another path for that query (a btree holding tenant_id or set_id cannot serve it).
 */
export const keywordSetKey = (alias = '') => {
  const a = alias ? `${alias}.` : '';
  return `(${a}tenant_id::text || '/' || ${a}set_id::text)`;
};

/** keywordSetKey()'s value for one set, as a partial index's predicate must hold it (a literal). */
export const keywordSetKeyValue = (tenantId: string, setId: number) => `${tenantId}/${setId}`;

/**
 * search_keyword() as this migration creates it (no options), or as the keyword-bounds migration (1764000021000)
 * and the keyword-rank-and-path one (1764000022000) replace it: at most `scanRows` matching rows ranked, the tenant
 * compared as text (only the GIN on (tenant_id::text, tsv) matches that, so no guess of the tenant's size can pick
 * another path), a plan per call; since 1764000022000 ranked by ts_rank, and a small set read through its key.
 */
export function searchKeywordByConfigSql(options: KeywordFunctionOptions = {}): string {
  const { scanRows = null, citus = false, rank = 'ts_rank_cd', smallSetsByKey = false } = options;
  const countedFrom = options.countedFrom ?? scanRows;
  const ownIndex = options.ownIndex ?? false;
  const tenant =
    scanRows === null ? 'e.tenant_id = v_tenant' : `e.tenant_id::text = v_tenant::text${citus ? ' AND e.tenant_id = v_tenant' : ''}`;
  // The small set's path: the tenant's rows by their key, the text match a filter (IS TRUE: not an index condition,
  // or the planner could still answer it from the GIN's posting lists, which span every tenant).
  const byKey = `e.tenant_id = v_tenant AND e.set_id = v_set AND (e.tsv @@ p_query) IS TRUE`;
  const matching = (where: string, scope: string) => `FROM public.embeddings e
            WHERE ${where}
              AND (p_config IS NULL OR e.search_config = p_config)${scope}`;
  const scoped = `
              AND (e.document_id = ANY (p_document_ids)
                   OR e.document_id IN (SELECT d.id FROM public.documents d WHERE d.tenant_id = v_tenant AND d.folder_id = ANY (p_folder_ids)))`;
  const ranked = (where: string, scope: string) =>
    (scanRows === null
      ? `SELECT e.id, ${rank}(e.tsv, p_query) AS rank ${matching(where, scope)}`
      : `SELECT m.id, ${rank}(m.tsv, p_query) AS rank FROM (SELECT e.id, e.tsv ${matching(where, scope)} LIMIT ${scanRows}) m`) +
    `
            ORDER BY 2 DESC, 1 LIMIT least(greatest(p_limit, 1), 1000)`;
  // Since 1764000022000 the set is no index condition either: a btree holding set_id after tenant_id could otherwise be
  // read whole for `set_id = …` when the statistics do not know the set yet (a new tenant's, a switch's; seen: 8 323
  // index entries read and filtered for 3 matches).
  const byIndex = `${tenant} AND ${smallSetsByKey ? '(e.set_id = v_set) IS TRUE' : 'e.set_id = v_set'} AND e.tsv @@ p_query`;
  const bothScopes = (where: string) => `IF p_document_ids IS NULL AND p_folder_ids IS NULL THEN
          RETURN QUERY
            ${ranked(where, '')};
        ELSE
          RETURN QUERY
            ${ranked(where, scoped)};
        END IF;`;
  return `
      CREATE ${scanRows === null ? '' : 'OR REPLACE '}FUNCTION search_keyword(p_query tsquery, p_limit int, p_document_ids uuid[], p_folder_ids uuid[], p_config regconfig DEFAULT NULL)
      RETURNS TABLE (id uuid, rank real)
      LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = pg_catalog, public${
        scanRows === null ? '' : ' SET plan_cache_mode = force_custom_plan SET enable_seqscan = off'
      } AS $$
      DECLARE
        v_tenant uuid := NULLIF(current_setting('app.current_tenant_id', true), '')::uuid;
        v_set int;${smallSetsByKey ? '\n        v_counted int;' : ''}${ownIndex ? '\n        v_own text;' : ''}
      BEGIN
        IF v_tenant IS NULL THEN RETURN; END IF;  -- no tenant, no rows: as the policy does
        -- The active set's rows only: during a switch every chunk also has a row in the new set.
        SELECT s.id${smallSetsByKey ? ', s.keyword_stats_rows' : ''}${ownIndex ? ', s.keyword_index' : ''} INTO v_set${smallSetsByKey ? ', v_counted' : ''}${ownIndex ? ', v_own' : ''} FROM public.embedding_sets s WHERE s.tenant_id = v_tenant AND s.state = 'active';${
          smallSetsByKey
            ? `
        -- Fewer than ${countedFrom} rows when the worker last counted (keyword-stats.ts): reading them all costs less than
        -- a popular word's posting list in the GIN, which holds every tenant's rows (~0.5 against ~2-4 ms, measured).
        IF v_counted IS NULL THEN
          ${bothScopes(byKey)}
          RETURN;
        END IF;`
            : ''
        }
${
  ownIndex
    ? `
        -- A large set's own GIN (partial on its key, built by the worker): a word's posting list there holds this set's
        -- rows only, where the shared GIN's intersects the tenant's entry, which lists all of its rows (~2–3 ms per call
        -- for a 42 562-chunk tenant even for a word it does not have, growing with the tenant).
        IF v_own IS NOT NULL THEN
          ${bothScopes(`${keywordSetKey('e')} = (v_tenant::text || '/' || v_set::text)${citus ? ' AND e.tenant_id = v_tenant' : ''} AND e.tsv @@ p_query`)}
          RETURN;
        END IF;`
    : ''
}
        ${bothScopes(byIndex)}
      END $$`;
}

/** As the search-layout migration did: rag_search owns it (SECURITY DEFINER runs as a role that can read nothing else), the runtime calls it. */
async function ownBySearchRole(q: QueryRunner, fn: string, runtimeRole: string): Promise<void> {
  await q.query(`GRANT CREATE ON SCHEMA public TO rag_search`);
  await q.query(`ALTER FUNCTION ${fn} OWNER TO rag_search`);
  await q.query(`REVOKE ALL ON FUNCTION ${fn} FROM PUBLIC`);
  await q.query(`GRANT EXECUTE ON FUNCTION ${fn} TO ${runtimeRole}`);
  await q.query(`REVOKE CREATE ON SCHEMA public FROM rag_search`);
}
