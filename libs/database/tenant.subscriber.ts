import { EventSubscriber, type EntitySubscriberInterface, type TransactionStartEvent } from 'typeorm';
import { currentTenantIdOrUndefined } from '../tenancy/tenant-context.js';
import { databaseMode, setTenant } from './transaction-settings.js';

/**
 * Puts the current tenant into the transaction that just started, on the same
 * connection, for that transaction only: it vanishes at COMMIT/ROLLBACK, so a pooled
 * connection can never carry one tenant's id into the next request. With no
 * tenant in context nothing is set and the RLS policies show no rows.
 * On Citus the setting also reaches the worker nodes (transaction-settings.ts).
 */
@EventSubscriber()
export class TenantSubscriber implements EntitySubscriberInterface {
  async afterTransactionStart(event: TransactionStartEvent): Promise<void> {
    const tenantId = currentTenantIdOrUndefined();
    if (tenantId) {
      const runner = event.queryRunner;
      await setTenant(runner, await databaseMode(runner.connection, runner), tenantId);
    }
  }
}
