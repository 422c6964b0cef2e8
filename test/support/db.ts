import pg from 'pg';
import { createRuntimeDataSource } from '../../libs/database/data-source.js';
import { TenantDb } from '../../libs/database/tenant-db.js';
import { loadConfig } from '../../libs/config/config.js';

/** The runtime (RLS-bound) DataSource, as the apps use it, with a chosen pool size; close with `dataSource.destroy()`. */
export async function runtimeDb(poolMax = 5): Promise<TenantDb> {
  return new TenantDb(await createRuntimeDataSource(loadConfig().database, { poolMax, poolMin: 0 }).initialize());
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
