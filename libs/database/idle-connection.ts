import type pg from 'pg';
import type { DataSource } from 'typeorm';
import { tenantPoolShare } from './tenant-pool-share.js';

/** A second pooled connection, borrowed by one statement of a request: give it back with `done` exactly once. */
export interface BorrowedConnection {
  client: pg.PoolClient;
  /** Back to the pool; with an error, the connection is closed instead (its state is not known). */
  done(error?: Error): void;
}

/** The pg pool under a TypeORM DataSource of the postgres driver (undefined for any other). */
function poolOf(ds: DataSource): pg.Pool | undefined {
  const pool = (ds.driver as { master?: unknown }).master;
  return pool && typeof pool === 'object' && 'idleCount' in pool && typeof (pool as pg.Pool).connect === 'function'
    ? (pool as pg.Pool)
    : undefined;
}

/** Pools with a connection being opened for the next borrower (warmUp), so a burst opens one, not one per request. */
const warming = new WeakSet<pg.Pool>();

/**
 * An idle connection of `ds`'s pool for the tenant, or undefined, never waiting for one. A request that already holds a
 * connection and waited for a second could deadlock a full pool (every holder waiting for another); so the caller does
 * the work on its own connection instead when this answers undefined. Counted against the tenant's share of the pool
 * (DB_TENANT_POOL_PERCENT) like any transaction, taken only when a slot is free now.
 *
 * pg-pool hands idle connections to waiters in order, in the next tick: one is ours only if more are idle than already
 * waited for (checked and asked for in the same tick). When none is idle but the pool may grow, one is opened in the
 * background and left idle for the next request: opening it here would cost more than it saves.
 */
export async function borrowIdleConnection(ds: DataSource, tenantId: string): Promise<BorrowedConnection | undefined> {
  const pool = poolOf(ds);
  if (!pool) return undefined;
  if (pool.idleCount <= pool.waitingCount) {
    warmUp(pool);
    return undefined;
  }
  const share = tenantPoolShare(ds);
  const releaseSlot = share ? share.tryTake(tenantId) : () => undefined;
  if (!releaseSlot) return undefined;
  let client: pg.PoolClient;
  try {
    client = await pool.connect();
  } catch {
    releaseSlot();
    return undefined;
  }
  // pg-pool takes its own 'error' listener off a client it hands out, and a client that emits 'error' with none (its
  // backend terminated, the network reset while it reads) would throw out of the process: held here until it goes back,
  // when it closes the connection instead of returning it.
  let failed: Error | undefined;
  const onError = (e: Error) => (failed ??= e);
  client.on('error', onError);
  let returned = false;
  return {
    client,
    done(error?: Error) {
      if (returned) return;
      returned = true;
      client.off('error', onError);
      client.release(error ?? failed);
      releaseSlot();
    },
  };
}

function warmUp(pool: pg.Pool): void {
  const max = (pool as pg.Pool & { options?: { max?: number } }).options?.max ?? 10;
  if (warming.has(pool) || pool.totalCount >= max || pool.waitingCount > 0) return;
  warming.add(pool);
  pool
    .connect()
    .then((c) => c.release())
    .catch(() => undefined) // a connection that cannot be opened now: the requests find out on their own
    .finally(() => warming.delete(pool));
}
