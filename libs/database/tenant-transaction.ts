import type { DataSource, EntityManager } from 'typeorm';
import { currentTenantId, runInTenant } from '../tenancy/tenant-context.js';

/**
 * Tenant-scoped work always runs in a short transaction: the subscriber sets
 * the tenant at its start, so a read outside one sees nothing.
 */
export async function inTenantTransaction<T>(ds: DataSource, work: (manager: EntityManager) => Promise<T>): Promise<T> {
  currentTenantId(); // throw early and clearly instead of silently reading nothing
  return ds.transaction(work);
}

/** The same for an explicit tenant (worker jobs, platform admin acting on one tenant). */
export function inTenantTransactionFor<T>(ds: DataSource, tenantId: string, work: (manager: EntityManager) => Promise<T>): Promise<T> {
  return runInTenant(tenantId, () => ds.transaction(work));
}
