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
  const [row] = await m.query<{ name: string | null }[]>(`SELECT ${SEARCH_LANGUAGE} AS name FROM tenants t WHERE t.id = $1`, [tenantId]);
  const installed = await installedConfigs(m);
  return { fixed: installedOrNull(row?.name, installed), fallback: DEFAULT_SEARCH_CONFIG, installed };
}

/**
 * The tenant's settings.searchLanguage as stored, read with other things by the caller (tenants row `t`);
 * installedOrNull() tells whether PostgreSQL has it. Checked in the app rather than by a join with pg_ts_config:
 * on Citus `tenants` is a reference table, which a query may not correlate with a catalogue lookup.
 */
export const SEARCH_LANGUAGE = `t.settings->>'searchLanguage'`;

export function installedOrNull(name: string | null | undefined, installed: ReadonlySet<string>): string | null {
  return name && installed.has(name) ? name : null;
}

const configs = new WeakMap<object, Promise<ReadonlySet<string>>>();

/** The text search configurations this PostgreSQL has: read once per DataSource (they change only with an extension or a migration). */
export function installedConfigs(m: EntityManager): Promise<ReadonlySet<string>> {
  let found = configs.get(m.connection);
  if (!found) {
    found = m
      .query<{ cfgname: string }[]>(`SELECT cfgname::text AS cfgname FROM pg_ts_config`)
      .then((rows) => new Set(rows.map((r) => r.cfgname)));
    found.catch(() => configs.delete(m.connection));
    configs.set(m.connection, found);
  }
  return found;
}
