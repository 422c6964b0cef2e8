import { DataSource, type DataSourceOptions } from 'typeorm';
import type { AppConfig } from '../config/config.js';
import { ENTITIES } from './entities/index.js';
import { MIGRATIONS } from './migrations/index.js';
import { TenantSubscriber } from './tenant.subscriber.js';

type DbConfig = AppConfig['database'];

/**
 * The runtime DataSource (API and worker), connected as the RLS-bound role.
 * Pool per the seed design: DB_POOL_MIN kept, bursts to DB_POOL_MAX; broken
 * connections are evicted on error and every connection is recycled after
 * DB_MAX_LIFETIME_SECONDS; connect and statement timeouts bound every wait.
 */
export function runtimeDataSourceOptions(db: DbConfig, overrides: Partial<{ poolMax: number; poolMin: number }> = {}): DataSourceOptions {
  return {
    type: 'postgres',
    url: db.url,
    entities: ENTITIES,
    subscribers: [TenantSubscriber],
    migrations: MIGRATIONS,
    synchronize: false,
    migrationsRun: false,
    installExtensions: false, // pgvector needs a superuser: provisioning creates it
    applicationName: 'ragdocs',
    connectTimeoutMS: db.connectTimeoutMs,
    poolSize: overrides.poolMax ?? db.poolMax,
    // Read by tenant-pool-share.ts (TypeORM ignores keys it does not know).
    tenantPoolShare: { percent: db.tenantPoolPercent, waitMs: db.tenantWaitMs },
    extra: {
      min: Math.min(overrides.poolMin ?? db.poolMin, overrides.poolMax ?? db.poolMax),
      idleTimeoutMillis: db.idleTimeoutMs,
      maxLifetimeSeconds: db.maxLifetimeSeconds,
      keepAlive: true,
      statement_timeout: db.statementTimeoutMs,
      idle_in_transaction_session_timeout: db.statementTimeoutMs * 2,
    },
  } as DataSourceOptions;
}

export function createRuntimeDataSource(db: DbConfig, overrides?: Partial<{ poolMax: number; poolMin: number }>): DataSource {
  return new DataSource(runtimeDataSourceOptions(db, overrides));
}

/**
 * The platform-admin connection (DATABASE_PLATFORM_URL): creates and lists
 * tenants, which the runtime role may not. A small pool that opens connections
 * only when an admin route needs one.
 */
export function createPlatformDataSource(db: DbConfig): DataSource {
  // No tenantPoolShare: one administrator creating one tenant at a time has no per-tenant share to keep.
  const { tenantPoolShare: _, ...options } = runtimeDataSourceOptions(db, { poolMax: 2, poolMin: 0 }) as DataSourceOptions & {
    tenantPoolShare?: unknown;
  };
  return new DataSource({ ...options, url: db.platformUrl, applicationName: 'ragdocs-platform' } as DataSourceOptions);
}

/** The owner connection, used only to run migrations. */
export function createMigrationDataSource(db: Pick<DbConfig, 'migrationUrl' | 'connectTimeoutMs'>): DataSource {
  return new DataSource({
    type: 'postgres',
    url: db.migrationUrl,
    entities: ENTITIES,
    migrations: MIGRATIONS,
    migrationsTransactionMode: 'all',
    synchronize: false,
    installExtensions: false,
    connectTimeoutMS: db.connectTimeoutMs,
    poolSize: 2,
  });
}

/** Refuses to run the apps on a role that would silently bypass Row-Level Security. */
export async function assertRuntimeRoleIsRestricted(ds: DataSource, variable = 'DATABASE_URL'): Promise<void> {
  // current_user is always a role: one row.
  const [role] = await ds.query<[{ rolname: string; rolsuper: boolean; rolbypassrls: boolean }]>(
    `SELECT rolname, rolsuper, rolbypassrls FROM pg_roles WHERE rolname = current_user`,
  );
  if (role.rolsuper || role.rolbypassrls) {
    throw new Error(
      `${variable} connects as "${role.rolname}", which ${role.rolsuper ? 'is a superuser' : 'has BYPASSRLS'}: ` +
        'tenant isolation would not be enforced. Use the runtime role (see README).',
    );
  }
}
