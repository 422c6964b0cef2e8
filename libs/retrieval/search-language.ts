import type { EntityManager } from 'typeorm';

/**
 * The tenant's PostgreSQL text search configuration (settings.searchLanguage),
 * or `simple` when unset or not installed. Chunks are indexed with it and
 * queries parsed with it, so both sides must read it from here.
 */
export async function tenantSearchConfig(m: EntityManager, tenantId: string): Promise<string> {
  const [row] = await m.query(
    `SELECT COALESCE((SELECT cfgname::text FROM pg_ts_config WHERE cfgname = t.settings->>'searchLanguage'), 'simple') AS cfg
     FROM tenants t WHERE t.id = $1`,
    [tenantId],
  );
  return row?.cfg ?? 'simple';
}
