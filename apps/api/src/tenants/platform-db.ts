import { Inject, Injectable, type OnModuleDestroy, type OnModuleInit } from '@nestjs/common';
import type { DataSource, EntityManager } from 'typeorm';
import { APP_CONFIG } from '#libs/config/config.module.js';
import type { AppConfig } from '#libs/config/config.js';
import { assertRuntimeRoleIsRestricted, createPlatformDataSource } from '#libs/database/data-source.js';
import { TenantDb } from '#libs/database/tenant-db.js';

/**
 * The platform admin's own connection (DATABASE_PLATFORM_URL, role rag_platform):
 * the only one that may create tenants and list them all. Kept apart from the
 * runtime pool so that a SQL injection on a tenant route cannot do either.
 * Only the platform-admin tenants routes use it.
 */
@Injectable()
export class PlatformDb implements OnModuleInit, OnModuleDestroy {
  readonly dataSource: DataSource;
  private readonly tenants: TenantDb;

  constructor(@Inject(APP_CONFIG) config: AppConfig) {
    this.dataSource = createPlatformDataSource(config.database);
    this.tenants = new TenantDb(this.dataSource);
  }

  async onModuleInit(): Promise<void> {
    await this.dataSource.initialize();
    // It is bound by RLS like the runtime role: it writes a tenants row only as that tenant.
    await assertRuntimeRoleIsRestricted(this.dataSource, 'DATABASE_PLATFORM_URL');
  }

  async onModuleDestroy(): Promise<void> {
    if (this.dataSource.isInitialized) await this.dataSource.destroy();
  }

  /** In the named tenant (RLS WITH CHECK holds for the new tenant's own row). */
  runFor<T>(tenantId: string, work: (m: EntityManager) => Promise<T>): Promise<T> {
    return this.tenants.runFor(tenantId, work);
  }

  /** Without a tenant: only admin_list_tenants() returns rows. */
  run<T>(work: (m: EntityManager) => Promise<T>): Promise<T> {
    return this.dataSource.transaction(work);
  }
}
