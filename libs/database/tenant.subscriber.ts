import { EventSubscriber, type EntitySubscriberInterface, type TransactionStartEvent } from 'typeorm';
import { currentTenantIdOrUndefined } from '../tenancy/tenant-context.js';

/**
 * Puts the current tenant into the transaction that just started, on the same
 * connection. `is_local = true` makes it vanish at COMMIT/ROLLBACK, so a pooled
 * connection can never carry one tenant's id into the next request. With no
 * tenant in context nothing is set and the RLS policies show no rows.
 */
@EventSubscriber()
export class TenantSubscriber implements EntitySubscriberInterface {
  async afterTransactionStart(event: TransactionStartEvent): Promise<void> {
    const tenantId = currentTenantIdOrUndefined();
    if (tenantId) {
      await event.queryRunner.query(`SELECT set_config('app.current_tenant_id', $1, true)`, [tenantId]);
    }
  }
}
