import { Injectable } from '@nestjs/common';
import { DataSource, type EntityManager } from 'typeorm';
import { currentTenantId, runInTenant } from '../tenancy/tenant-context.js';
import { tenantPoolShare } from './tenant-pool-share.js';

/**
 * The one way into tenant data. Work runs in a short transaction whose first
 * statement (TenantSubscriber) sets the tenant for that transaction only, so
 * Row-Level Security shows that tenant's rows and nothing else, and a read
 * outside such a transaction sees no tenant rows at all. No tenant holds more
 * than its share of the pool (DB_TENANT_POOL_PERCENT): one tenant's flood
 * cannot drain it.
 *
 * Injected into services with the app's runtime DataSource; `new TenantDb(ds)`
 * for another one (the platform role's connection, tests, benchmarks).
 */
@Injectable()
export class TenantDb {
  constructor(readonly dataSource: DataSource) {}

  /** In the current request's / job's tenant; rejects with NoTenantError when none is set (never a silent empty read). */
  async run<T>(work: (m: EntityManager) => Promise<T>): Promise<T> {
    const tenantId = currentTenantId();
    return this.withinShare(tenantId, () => this.dataSource.transaction(work));
  }

  /**
   * Reads in the current tenant that must see one state of the data throughout: every
   * statement reads the snapshot of the first (REPEATABLE READ; read-only work never fails
   * to serialize). Search, so that an embedding-model switch committing meanwhile cannot
   * change the set between its statements, nor the rows it reads vanish under it.
   */
  async snapshot<T>(work: (m: EntityManager) => Promise<T>): Promise<T> {
    const tenantId = currentTenantId();
    return this.withinShare(tenantId, () => this.dataSource.transaction('REPEATABLE READ', work));
  }

  /** In an explicitly named tenant (a worker job, the platform admin acting on one tenant, a token's own tenant). */
  runFor<T>(tenantId: string, work: (m: EntityManager) => Promise<T>): Promise<T> {
    return runInTenant(tenantId, () => this.withinShare(tenantId, () => this.dataSource.transaction(work)));
  }

  private withinShare<T>(tenantId: string, work: () => Promise<T>): Promise<T> {
    const share = tenantPoolShare(this.dataSource);
    return share ? share.run(tenantId, work) : work();
  }
}
