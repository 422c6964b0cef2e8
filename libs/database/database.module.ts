import { Global, Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { TenantDb } from './tenant-db.js';
import { DataSource } from 'typeorm';
import { APP_CONFIG } from '../config/config.module.js';
import type { AppConfig } from '../config/config.js';
import { assertRuntimeRoleIsRestricted, runtimeDataSourceOptions } from './data-source.js';

@Global()
@Module({
  imports: [
    TypeOrmModule.forRootAsync({
      inject: [APP_CONFIG],
      useFactory: (config: AppConfig) => ({ ...runtimeDataSourceOptions(config.database), retryAttempts: 2, retryDelay: 1000 }),
      dataSourceFactory: async (options) => {
        const ds = await new DataSource(options!).initialize();
        await assertRuntimeRoleIsRestricted(ds);
        return ds;
      },
    }),
  ],
  providers: [TenantDb],
  exports: [TypeOrmModule, TenantDb],
})
export class DatabaseModule {}
