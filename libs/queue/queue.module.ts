import { BullModule } from '@nestjs/bullmq';
import { Inject, Module, type DynamicModule, type OnApplicationShutdown } from '@nestjs/common';
import type { Redis } from 'ioredis';
import type { AppConfig } from '../config/config.js';
import { EmbeddingSwitchQueue } from './embedding-switch.queue.js';
import { IngestionQueue } from './ingestion.queue.js';
import { VectorIndexQueue } from './vector-index.queue.js';
import { QueueName } from './queue.constants.js';
import { QUEUE_SETTINGS } from './queue.settings.js';
import { createRedis } from './redis-connection.js';

/** The app's shared Redis connection (queues, rate limiter). BullMQ does not close a connection it was given. */
export const REDIS_CONNECTION = Symbol('REDIS_CONNECTION');

/** BullMQ wiring shared by both apps; `role` picks the Redis behaviour (see redis-connection.ts). */
@Module({})
export class QueueModule implements OnApplicationShutdown {
  constructor(@Inject(REDIS_CONNECTION) private readonly connection: Redis) {}

  static forRoot(config: AppConfig, role: 'worker' | 'producer'): DynamicModule {
    const connection = createRedis(config.redisUrl, role);
    return {
      module: QueueModule,
      global: true,
      imports: [
        BullModule.forRoot({ connection, prefix: config.queuePrefix }),
        ...Object.values(QueueName).map((name) => BullModule.registerQueue({ name, defaultJobOptions: QUEUE_SETTINGS[name].job })),
      ],
      providers: [IngestionQueue, VectorIndexQueue, EmbeddingSwitchQueue, { provide: REDIS_CONNECTION, useValue: connection }],
      exports: [BullModule, IngestionQueue, VectorIndexQueue, EmbeddingSwitchQueue, REDIS_CONNECTION],
    };
  }

  onApplicationShutdown(): void {
    this.connection.disconnect();
  }
}
