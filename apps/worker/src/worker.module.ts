import { Module, type DynamicModule } from '@nestjs/common';
import { ConfigModule } from '#libs/config/config.module.js';
import type { AppConfig } from '#libs/config/config.js';
import { DatabaseModule } from '#libs/database/database.module.js';
import { HeartbeatService } from './heartbeat.service.js';

/** The worker: a Nest application context (no HTTP server) running queue processors. */
@Module({})
export class WorkerModule {
  static forRoot(config: AppConfig): DynamicModule {
    return {
      module: WorkerModule,
      imports: [ConfigModule.forRoot(config), DatabaseModule],
      providers: [HeartbeatService],
    };
  }
}
