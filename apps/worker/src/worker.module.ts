import { Module, type DynamicModule } from '@nestjs/common';
import type { Redis } from 'ioredis';
import { createEmbeddingProvider, EMBEDDING_PROVIDER } from '#libs/ai/embedding/embedding.factory.js';
import { SharedRateLimiter } from '#libs/ai/rate-limiter.js';
import { ConfigModule } from '#libs/config/config.module.js';
import type { AppConfig } from '#libs/config/config.js';
import { DatabaseModule } from '#libs/database/database.module.js';
import { QueueModule, REDIS_CONNECTION } from '#libs/queue/queue.module.js';
import { HeartbeatService } from './heartbeat.service.js';
import { IngestionProcessor } from './ingestion/ingestion.processor.js';
import { IngestionRepository } from './ingestion/ingestion.repository.js';
import { EMBEDDING_LIMITER, IngestionService } from './ingestion/ingestion.service.js';
import { ReconcilerService } from './ingestion/reconciler.service.js';
import { VectorIndexProcessor } from './vector-index/vector-index.processor.js';
import { VectorIndexRepository } from './vector-index/vector-index.repository.js';
import { VectorIndexService } from './vector-index/vector-index.service.js';

/** The worker: a Nest application context (no HTTP server) running queue processors. */
@Module({})
export class WorkerModule {
  static forRoot(config: AppConfig): DynamicModule {
    return {
      module: WorkerModule,
      imports: [ConfigModule.forRoot(config), DatabaseModule, QueueModule.forRoot(config, 'worker')],
      providers: [
        HeartbeatService,
        IngestionProcessor,
        IngestionService,
        IngestionRepository,
        ReconcilerService,
        VectorIndexProcessor,
        VectorIndexService,
        VectorIndexRepository,
        { provide: EMBEDDING_PROVIDER, useFactory: () => createEmbeddingProvider(config.ai) },
        {
          provide: EMBEDDING_LIMITER,
          inject: [REDIS_CONNECTION],
          useFactory: (redis: Redis) => new SharedRateLimiter(redis, `${config.queuePrefix}:ratelimit:embeddings`, config.ai.embeddingRpm),
        },
      ],
    };
  }
}
