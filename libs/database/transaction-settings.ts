/**
 * Transaction-local settings (the tenant, and a search's planner and HNSW settings) on either
 * kind of database this app runs on:
 * - plain PostgreSQL: `set_config(name, value, true)`, values as bound parameters, one statement;
 * - Citus: `set_config` stays on the coordinator, so the workers that hold the shards would see
 *   no tenant (no rows) and default search settings. `SET LOCAL` with
 *   `citus.propagate_set_commands = 'local'` is sent on to every worker the transaction uses.
 *   SET takes no parameters: names are checked against a pattern and values are quoted literals
 *   (the tenant id is checked to be a UUID before it gets here).
 * The kind is read once per DataSource (or connection) from pg_extension: the app needs no setting.
 */
export type DatabaseMode = 'postgres' | 'citus';

export interface Queryable {
  query(sql: string, params?: unknown[]): Promise<unknown>;
}

const modes = new WeakMap<object, Promise<DatabaseMode>>();

/** The kind of database behind `owner` (a DataSource, a pool, a client), asked once through `q`. */
export function databaseMode(owner: object, q: Queryable): Promise<DatabaseMode> {
  let mode = modes.get(owner);
  if (!mode) {
    // TypeORM answers the rows, a pg client a result holding them.
    mode = q
      .query(`SELECT 1 FROM pg_extension WHERE extname = 'citus'`)
      .then((r) => ((Array.isArray(r) ? r : (r as { rows: unknown[] }).rows).length > 0 ? 'citus' : 'postgres'));
    mode.catch(() => modes.delete(owner)); // a failed probe is asked again next time
    modes.set(owner, mode);
  }
  return mode;
}

const SETTING_NAME = /^[a-z_][a-z0-9_]*(\.[a-z_][a-z0-9_]*)?$/;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** The tenant for this transaction only; anything but a UUID is refused before it reaches SQL. */
export async function setTenant(q: Queryable, mode: DatabaseMode, tenantId: string): Promise<void> {
  await setLocal(q, mode, tenantSetting(tenantId));
}

/** Sets every given setting for the current transaction only, in one round trip. */
export async function setLocal(q: Queryable, mode: DatabaseMode, settings: Record<string, string>): Promise<void> {
  const entries = settingEntries(settings);
  if (mode === 'postgres') {
    const params: string[] = [];
    const calls = entries.map(([name, value]) => `set_config($${params.push(name)}, $${params.push(value)}, true)`);
    await q.query(`SELECT ${calls.join(', ')}`, params);
    return;
  }
  await q.query([`SET LOCAL citus.propagate_set_commands = 'local'`, setLocalStatements(settings)].join('; '));
}

/**
 * The same settings as SET LOCAL statements, for a multi-statement simple query (which takes no parameters: names are
 * checked against a pattern, values are quoted literals).
 */
export function setLocalStatements(settings: Record<string, string>): string {
  return settingEntries(settings)
    .map(([name, value]) => `SET LOCAL ${name} = ${quoteLiteral(value)}`)
    .join('; ');
}

/** The settings as [name, value] pairs, each name checked against SETTING_NAME (it may go into SQL as written). */
function settingEntries(settings: Record<string, string>): [string, string][] {
  const entries = Object.entries(settings);
  for (const [name] of entries) if (!SETTING_NAME.test(name)) throw new Error(`not a setting name: ${name}`);
  return entries;
}

/** The tenant's setting (setTenant's), checked to be a UUID, for setLocalStatements. */
export function tenantSetting(tenantId: string): Record<string, string> {
  if (!UUID.test(tenantId)) throw new Error('tenant id must be a UUID');
  return { 'app.current_tenant_id': tenantId };
}

const quoteLiteral = (value: string) => {
  if (value.includes('\0')) throw new Error('setting values cannot contain NUL');
  return `'${value.replace(/'/g, "''")}'`;
};
