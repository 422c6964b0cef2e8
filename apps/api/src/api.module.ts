import { Module, type DynamicModule } from '@nestjs/common';
import { APP_GUARD, APP_INTERCEPTOR } from '@nestjs/core';
import { JwtModule } from '@nestjs/jwt';
import { ConfigModule } from '#libs/config/config.module.js';
import type { AppConfig } from '#libs/config/config.js';
import { DatabaseModule } from '#libs/database/database.module.js';
import { TenantInterceptor } from '#libs/tenancy/tenant.interceptor.js';
import { AdminApiKeysController, ApiKeysController } from './api-keys/api-keys.controller.js';
import { ApiKeysRepository } from './api-keys/api-keys.repository.js';
import { ApiKeysService } from './api-keys/api-keys.service.js';
import { AuthController } from './auth/auth.controller.js';
import { AuthGuard } from './auth/auth.guard.js';
import { AuthRepository } from './auth/auth.repository.js';
import { AuthService } from './auth/auth.service.js';
import { HealthController } from './health/health.controller.js';
import { RedisHealth } from './health/redis-health.js';
import { MetricsController } from './metrics/metrics.controller.js';
import { TenantsController } from './tenants/tenants.controller.js';
import { TenantsRepository } from './tenants/tenants.repository.js';
import { TenantsService } from './tenants/tenants.service.js';
import { AdminUsersController, UsersController } from './users/users.controller.js';
import { UsersRepository } from './users/users.repository.js';
import { UsersService } from './users/users.service.js';

@Module({})
export class ApiModule {
  static forRoot(config: AppConfig): DynamicModule {
    return {
      module: ApiModule,
      imports: [
        ConfigModule.forRoot(config),
        DatabaseModule,
        JwtModule.register({ secret: config.auth.jwtSecret, signOptions: { algorithm: 'HS256' } }),
      ],
      controllers: [
        AuthController, TenantsController, UsersController, AdminUsersController,
        ApiKeysController, AdminApiKeysController, HealthController, MetricsController,
      ],
      providers: [
        AuthRepository, AuthService, TenantsRepository, TenantsService, UsersRepository, UsersService,
        ApiKeysRepository, ApiKeysService, RedisHealth,
        // Guard first (who is it?), then the interceptor enters that principal's tenant context.
        { provide: APP_GUARD, useClass: AuthGuard },
        { provide: APP_INTERCEPTOR, useClass: TenantInterceptor },
      ],
    };
  }
}
