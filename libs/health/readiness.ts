import type { Redis } from 'ioredis';
import type { DataSource } from 'typeorm';

/** What readiness checks, each `ok` or what is wrong: the same for the API and the worker. */
export interface ReadyChecks {
  database: string;
  migrations: string;
  redis: string;
}

/** True when Redis answers PING within `timeoutMs` (a worker's connection queues commands while down: it would wait forever). */
export async function redisAnswers(client: Pick<Redis, 'ping'>, timeoutMs = 2000): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  try {
    const timeout = new Promise<string>((r) => (timer = setTimeout(() => r('timeout'), timeoutMs)));
    return (await Promise.race([client.ping(), timeout])) === 'PONG';
  } catch {
    return false;
  } finally {
    clearTimeout(timer);
  }
}

/** Migrations known to this build that the database has not applied. */
async function pendingMigrations(ds: DataSource): Promise<number> {
  const rows: { name: string }[] = await ds.query('SELECT name FROM migrations');
  const applied = new Set(rows.map((r) => r.name));
  return ds.migrations.filter((m) => !applied.has(m.name!)).length;
}

/** PostgreSQL answers, every migration of this build is applied, Redis answers: what both apps need to do their work. */
export async function readinessChecks(ds: DataSource, redis: Pick<Redis, 'ping'>): Promise<{ ok: boolean; checks: ReadyChecks }> {
  const [database, migrations, redisState] = await Promise.all([
    ds.query('SELECT 1').then(
      () => 'ok',
      () => 'down',
    ),
    pendingMigrations(ds).then(
      (n) => (n === 0 ? 'ok' : `${n} pending`),
      () => 'unknown',
    ),
    redisAnswers(redis).then((ok) => (ok ? 'ok' : 'down')),
  ]);
  const checks = { database, migrations, redis: redisState };
  return { ok: Object.values(checks).every((v) => v === 'ok'), checks };
}
