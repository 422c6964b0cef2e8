import pg from 'pg';
import { waitFor } from './worker.js';
import { createRuntimeDataSource } from '../../libs/database/data-source.js';
import { TenantDb } from '../../libs/database/tenant-db.js';
import { loadConfig } from '../../libs/config/config.js';

/** The runtime (RLS-bound) DataSource, as the apps use it, with a chosen pool size; close with `dataSource.destroy()`. */
export async function runtimeDb(poolMax = 5): Promise<TenantDb> {
  return new TenantDb(await createRuntimeDataSource(loadConfig().database, { poolMax, poolMin: 0 }).initialize());
}

/**
 * Waits until at least `n` sessions of this database match `where` (a condition on pg_stat_activity): a test that needs
 * other sessions to be running, or blocked, before it goes on, whatever the machine's speed (no fixed sleep).
 */
export async function waitForSessions(db: pg.Client, what: string, where: string, n: number): Promise<void> {
  await waitFor(
    what,
    async () =>
      (await db.query<{ n: number }>(`SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = current_database() AND ${where}`))
        .rows[0]!.n >= n,
    15_000,
    20,
  );
}

/** A superuser connection, for catalogue checks and test set-up that RLS rightly forbids. */
export async function superClient(): Promise<pg.Client> {
  const url = new URL(process.env.DATABASE_URL!);
  const admin = new URL(process.env.DATABASE_ADMIN_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres');
  admin.pathname = url.pathname; // same database as the apps
  const client = new pg.Client({ connectionString: admin.toString() });
  await client.connect();
  return client;
}

/**
 * Deletes a suite's tenants (and so their rows) when it is done, through `db` (superuser). A later suite's worker sweeps
 * every tenant, and would otherwise spend its waits rebuilding a large leftover tenant's index for its own settings (on
 * Citus, longer than those waits: the split-index suite after completeness's 24 000-row tenant).
 */
export async function deleteTenants(db: pg.Client | undefined, tenants: readonly ({ id: string } | undefined)[]): Promise<void> {
  const ids = tenants.flatMap((t) => (t ? [t.id] : []));
  if (db && ids.length) await db.query(`DELETE FROM tenants WHERE id = ANY($1::uuid[])`, [ids]);
}
