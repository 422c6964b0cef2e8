import { createHash } from 'node:crypto';
import type pg from 'pg';
import { QueryFailedError, type EntityManager } from 'typeorm';

/**
 * Runs `text` as a named statement (a server-side prepared statement) on the connection of `m`'s transaction: the
 * connection parses it once and keeps it, and PostgreSQL can keep its plan (plan_cache_mode decides whether a Bind
 * re-plans). The name is a hash of the text, so the same text always finds its statement and a different one never
 * collides with it; each connection holds one statement per distinct text, so the text must not embed values that vary
 * without bound (a tenant id, a vector: those go in `params`).
 *
 * Why: a small tenant's search spent about a fifth of its time planning its statements again on every search
 * (bench/lab/rls-plans.mjs); with kept plans it takes 0.71–0.74× the time (bench/LAYOUT.md, section 17). A plan of
 * these statements holds no tenant: the policies read it from the transaction's setting when the plan runs.
 *
 * Errors come as TypeORM's QueryFailedError (with the driver's code), as from `m.query`, so the API maps them alike (a
 * statement timeout is a 503). Outside a transaction `m` has no connection of its own: then a plain `m.query`.
 */
export async function queryNamed<T>(m: EntityManager, text: string, params: unknown[]): Promise<T[]> {
  const runner = m.queryRunner;
  if (!runner?.isTransactionActive) return m.query<T[]>(text, params);
  // The postgres driver's runner connects to a pg PoolClient (the one its transaction runs on).
  const client = (await runner.connect()) as pg.PoolClient;
  try {
    return (await client.query<T & pg.QueryResultRow>({ name: statementName(text, generations.get(client)), text, values: params })).rows;
  } catch (e) {
    if (isStaleResultType(e)) generations.set(client, (generations.get(client) ?? 0) + 1);
    throw new QueryFailedError(text, params, e as Error);
  }
}

/**
 * A kept statement whose result columns changed type under it (a migration altering a column a search returns, while
 * the API runs) fails with "cached plan must not change result type" on every later Bind: PostgreSQL will not change a
 * prepared statement's result. The connection then moves on to new names (parsed afresh) for every statement; the one
 * request that met it fails (503, try again: http-exception.filter.ts), the next is served. The old statements stay
 * until the connection closes.
 */
const generations = new WeakMap<pg.PoolClient, number>();

export const isStaleResultType = (e: unknown) =>
  (e as { code?: string }).code === '0A000' && /cached plan must not change result type/.test((e as Error).message ?? '');

/** The statement's name: a hash of its text and the connection's generation (PostgreSQL keeps 63 bytes of a name). */
export function statementName(text: string, generation = 0): string {
  return `rag_${createHash('sha256').update(text).digest('hex').slice(0, 40)}${generation ? `_${generation}` : ''}`;
}
