import type { EntityManager } from 'typeorm';

/**
 * The tenant's PostgreSQL text search configuration (settings.searchLanguage),
 * or `simple` when unset or not installed. Chunks are indexed with it and
 * queries parsed with it, so both sides must read it from here.
 */
export async function tenantSearchConfig(m: EntityManager, tenantId: string): Promise<string> {
  const [row] = await m.query(`SELECT ${searchConfigSql('$1')} AS cfg`, [tenantId]);
  return row?.cfg ?? 'simple';
}

/** The same as an SQL expression, for queries that read it along with other things (search's first statement). */
export function searchConfigSql(tenantParam: string): string {
  return `(SELECT COALESCE((SELECT cfgname::text FROM pg_ts_config WHERE cfgname = t.settings->>'searchLanguage'), 'simple')
           FROM tenants t WHERE t.id = ${tenantParam})`;
}
