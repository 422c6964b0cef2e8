import 'reflect-metadata';
import { createMigrationDataSource } from '#libs/database/data-source.js';

/**
 * Runs pending migrations as the owner role. Needs only the database
 * variables (not the app secrets), so it can run as a separate deploy step.
 */
async function main(): Promise<void> {
  const migrationUrl = process.env.DATABASE_MIGRATION_URL || 'postgres://rag_owner:rag_owner@127.0.0.1:5432/ragdocs';
  const ds = createMigrationDataSource({ migrationUrl, connectTimeoutMs: Number(process.env.DB_CONNECT_TIMEOUT_MS || 5000) });
  await ds.initialize();
  try {
    const ran = await ds.runMigrations({ transaction: 'all' });
    console.log(ran.length ? `migrate: applied ${ran.map((m) => m.name).join(', ')}` : 'migrate: schema is up to date');
  } finally {
    await ds.destroy();
  }
}

main().catch((e) => {
  console.error(`migrate: failed: ${e instanceof Error ? e.message : e}`);
  process.exit(1);
});
