import type { EntityManager } from 'typeorm';

/**
 * The text search configuration of a tenant that has not chosen one. A stemming
 * configuration: with `simple`, "indexes" never matched "index" and every stop word
 * ("how", "do", "I") was a term a chunk had to contain (bench/EVAL.md).
 */
export const DEFAULT_SEARCH_CONFIG = 'english';

/**
 * The tenant's PostgreSQL text search configuration (settings.searchLanguage, any
 * name in pg_ts_config such as `german` or `simple`), or DEFAULT_SEARCH_CONFIG when
 * unset or not installed. Chunks are indexed with it (stored per chunk, in
 * embeddings.search_config) and queries parsed with it, so both sides read it here.
 */
export async function tenantSearchConfig(m: EntityManager, tenantId: string): Promise<string> {
  const [row] = await m.query<{ cfg: string | null }[]>(`SELECT ${searchConfigSql('$1')} AS cfg`, [tenantId]);
  return row?.cfg ?? DEFAULT_SEARCH_CONFIG;
}

/** The same as an SQL expression, for queries that read it along with other things (search's first statement). */
export function searchConfigSql(tenantParam: string): string {
  return `(SELECT COALESCE((SELECT cfgname::text FROM pg_ts_config WHERE cfgname = t.settings->>'searchLanguage'), '${DEFAULT_SEARCH_CONFIG}')
           FROM tenants t WHERE t.id = ${tenantParam})`;
}
