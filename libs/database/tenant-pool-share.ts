import type { DataSource } from 'typeorm';
import { KeyedSemaphore } from '../concurrency/semaphore.js';

/** How much of a DataSource's pool one tenant may hold (set by runtimeDataSourceOptions). */
export interface TenantPoolShareOptions {
  percent: number;
  waitMs: number;
}

/**
 * One tenant's transactions wanted more than its share of the pool for longer
 * than it may wait: that tenant is over capacity (429), the others are not.
 */
export class TenantBusyError extends Error {
  readonly retryAfterSeconds = 1;
  constructor(readonly slots: number) {
    super(`This tenant already has ${slots} database operations running; retry shortly`);
    this.name = 'TenantBusyError';
  }
}

/**
 * Per-tenant slots in one process's pool. The pool itself is per process, so the
 * share is counted here rather than in Redis: what it protects is this pool.
 */
class TenantPoolShare {
  private readonly tenants: KeyedSemaphore;
  readonly slots: number;

  constructor(
    poolSize: number,
    private readonly options: TenantPoolShareOptions,
  ) {
    this.slots = Math.max(1, Math.floor((poolSize * options.percent) / 100));
    this.tenants = new KeyedSemaphore(this.slots);
  }

  run<T>(tenantId: string, work: () => Promise<T>): Promise<T> {
    return this.tenants.use(tenantId, work, this.options.waitMs, () => new TenantBusyError(this.slots));
  }

  /** One more slot for the tenant if it has one free now, without waiting (a search's second connection); undefined otherwise. */
  tryTake(tenantId: string): (() => void) | undefined {
    return this.tenants.tryAcquire(tenantId);
  }
}

const shares = new WeakMap<DataSource, TenantPoolShare | null>();

/** The share of this DataSource, or null when it has none configured (owner/migration connections). */
export function tenantPoolShare(ds: DataSource): TenantPoolShare | null {
  let share = shares.get(ds);
  if (share === undefined) {
    const options = ds.options as { tenantPoolShare?: TenantPoolShareOptions; poolSize?: number };
    share = options.tenantPoolShare && options.poolSize ? new TenantPoolShare(options.poolSize, options.tenantPoolShare) : null;
    shares.set(ds, share);
  }
  return share;
}
