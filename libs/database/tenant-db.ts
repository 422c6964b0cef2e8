import { Injectable } from '@nestjs/common';
import { DataSource, type EntityManager } from 'typeorm';
import { inTenantTransaction, inTenantTransactionFor } from './tenant-transaction.js';

/** Injectable face of the tenant-transaction helpers for services. */
@Injectable()
export class TenantDb {
  constructor(readonly dataSource: DataSource) {}

  /** In the current request's / job's tenant; throws when none is set. */
  run<T>(work: (m: EntityManager) => Promise<T>): Promise<T> {
    return inTenantTransaction(this.dataSource, work);
  }

  /** In an explicitly named tenant (platform admin, worker). */
  runFor<T>(tenantId: string, work: (m: EntityManager) => Promise<T>): Promise<T> {
    return inTenantTransactionFor(this.dataSource, tenantId, work);
  }
}
