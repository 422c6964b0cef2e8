import { Global, Module, type DynamicModule } from '@nestjs/common';
import type { AppConfig } from './config.js';

/** Injection token for the validated configuration. */
export const APP_CONFIG = Symbol('APP_CONFIG');

/**
 * The configuration is loaded and validated by each app's main.ts before Nest
 * starts (so a bad variable exits with one readable message), then handed here.
 */
@Global()
@Module({})
export class ConfigModule {
  static forRoot(config: AppConfig): DynamicModule {
    return { module: ConfigModule, providers: [{ provide: APP_CONFIG, useValue: config }], exports: [APP_CONFIG] };
  }
}
