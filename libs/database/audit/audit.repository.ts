import { randomUUID } from 'node:crypto';
import type { EntityManager } from 'typeorm';
import { currentContext, currentTenantId } from '../../tenancy/tenant-context.js';
import { AuditLogEntity } from '../entities/audit-log.entity.js';

/** Appends to the tenant's audit log inside the caller's transaction. */
export async function recordAudit(
  m: EntityManager,
  action: string,
  target?: { type: string; id: string },
  details: Record<string, unknown> = {},
): Promise<void> {
  const ctx = currentContext();
  await m.insert(AuditLogEntity, {
    tenantId: currentTenantId(),
    id: randomUUID(),
    actorUserId: ctx.userId ?? null,
    action,
    targetType: target?.type ?? null,
    targetId: target?.id ?? null,
    details: { ...details, ...(ctx.platformAdmin ? { by: 'platform-admin' } : {}), requestId: ctx.requestId },
  });
}
