import { AsyncLocalStorage } from 'node:async_hooks';

export type TenantRole = 'admin' | 'member';

/** Who is acting. Platform admins have no tenant unless they act on one explicitly. */
export interface RequestContext {
  tenantId?: string;
  userId?: string;
  role?: TenantRole;
  platformAdmin?: boolean;
  requestId?: string;
}

/**
 * One AsyncLocalStorage for the whole process. The TypeORM subscriber is
 * created by TypeORM, not by Nest's injector, so it reads this module directly.
 */
export const tenantStorage = new AsyncLocalStorage<RequestContext>();

export class NoTenantError extends Error {
  constructor() {
    super('No tenant is set for this operation');
    this.name = 'NoTenantError';
  }
}

/** The current tenant, or undefined (the database then shows no tenant rows). */
export function currentTenantIdOrUndefined(): string | undefined {
  return tenantStorage.getStore()?.tenantId;
}

/** The current tenant; throws when code that needs one runs without one. */
export function currentTenantId(): string {
  const id = currentTenantIdOrUndefined();
  if (!id) throw new NoTenantError();
  return id;
}

export function currentContext(): RequestContext {
  return tenantStorage.getStore() ?? {};
}

/** Runs fn inside the given tenant's context (worker jobs, admin acting on a tenant, tests). */
export function runInTenant<T>(tenantId: string, fn: () => T, extra: Omit<RequestContext, 'tenantId'> = {}): T {
  return tenantStorage.run({ ...currentContext(), ...extra, tenantId }, fn);
}
