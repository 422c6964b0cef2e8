import type { DataSource, EntityManager } from 'typeorm';
import { currentTenantId, runInTenant } from '../tenancy/tenant-context.js';
import { tenantPoolShare } from './tenant-pool-share.js';

/**
 * Tenant-scoped work always runs in a short transaction: the subscriber sets
 * the tenant at its start, so a read outside one sees nothing.
 */
export async function inTenantTransaction<T>(ds: DataSource, work: (manager: EntityManager) => Promise<T>): Promise<T> {
  const tenantId = currentTenantId(); // throw early and clearly instead of silently reading nothing
  return withinShare(ds, tenantId, () => ds.transaction(work));
}

/** The same for an explicit tenant (worker jobs, platform admin acting on one tenant). */
export function inTenantTransactionFor<T>(ds: DataSource, tenantId: string, work: (manager: EntityManager) => Promise<T>): Promise<T> {
  return runInTenant(tenantId, () => withinShare(ds, tenantId, () => ds.transaction(work)));
}

/** No tenant holds more than its share of the pool (DB_TENANT_POOL_PERCENT): one tenant's flood cannot drain it. */
function withinShare<T>(ds: DataSource, tenantId: string, work: () => Promise<T>): Promise<T> {
  const share = tenantPoolShare(ds);
  return share ? share.run(tenantId, work) : work();
}
