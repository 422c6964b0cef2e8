import type { EntityManager } from 'typeorm';

/**
 * The text search configuration of a tenant that has not chosen one. A stemming
 * configuration: with `simple`, "indexes" never matched "index" and every stop word
 * ("how", "do", "I") was a term a chunk had to contain (bench/EVAL.md).
 */
export const DEFAULT_SEARCH_CONFIG = 'english';

/** settings.searchLanguage's value for "detect each document's language" (also what an unset or unknown one means). */
export const AUTO_SEARCH_LANGUAGE = 'auto';

/**
 * How a tenant's documents are indexed (settings.searchLanguage): `fixed`, a name in pg_ts_config such as
 * `german` or `simple`, for every document; otherwise (`auto`, unset, or a name PostgreSQL does not know)
 * each document's language is detected (libs/ingestion/document-language.ts), DEFAULT_SEARCH_CONFIG when
 * it cannot be told. `installed`: the configurations this PostgreSQL has, which a detected one must be.
 */
export interface TenantLanguage {
  fixed: string | null;
  fallback: string;
  installed: ReadonlySet<string>;
}

export async function tenantLanguage(m: EntityManager, tenantId: string): Promise<TenantLanguage> {
  const [row] = await m.query<{ fixed: string | null; installed: string[] }[]>(
    `SELECT (SELECT c.cfgname::text FROM pg_ts_config c, tenants t WHERE t.id = $1 AND c.cfgname = t.settings->>'searchLanguage') AS fixed,
            ARRAY(SELECT cfgname::text FROM pg_ts_config) AS installed`,
    [tenantId],
  );
  return { fixed: row?.fixed ?? null, fallback: DEFAULT_SEARCH_CONFIG, installed: new Set(row?.installed ?? []) };
}

/**
 * The tenant's configuration for queries when its documents name none (it has none yet): its fixed
 * settings.searchLanguage, else DEFAULT_SEARCH_CONFIG. As an SQL expression, read along with other
 * things (search's first statement).
 */
export function searchConfigSql(tenantParam: string): string {
  return `(SELECT COALESCE((SELECT cfgname::text FROM pg_ts_config WHERE cfgname = t.settings->>'searchLanguage'), '${DEFAULT_SEARCH_CONFIG}')
           FROM tenants t WHERE t.id = ${tenantParam})`;
}
