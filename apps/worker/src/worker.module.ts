import { Module, type DynamicModule } from '@nestjs/common';
import { LoggerModule, type Params as LoggerParams } from 'nestjs-pino';
import { ConfigModule } from '#libs/config/config.module.js';
import type { AppConfig } from '#libs/config/config.js';
import { DatabaseModule } from '#libs/database/database.module.js';
import { EmbeddingModels } from '#libs/embedding-sets/embedding-models.js';
import { EmbeddingSetsRepository } from '#libs/embedding-sets/embedding-sets.repository.js';
import { QueueModule } from '#libs/queue/queue.module.js';
import { ScrapeSources } from '#libs/metrics/scrape-sources.js';
import { embeddingLimiterProvider } from '#libs/embedding-sets/embedding-limiter.js';
import { EmbeddingSwitchProcessor } from './embedding-switch/embedding-switch.processor.js';
import { EmbeddingSwitchRepository } from './embedding-switch/embedding-switch.repository.js';
import { EmbeddingSwitchService } from './embedding-switch/embedding-switch.service.js';
import { HeartbeatService } from './heartbeat.service.js';
import { WorkerHttpServer } from './worker-http.js';
import { IngestionProcessor } from './ingestion/ingestion.processor.js';
import { IngestionRepository } from './ingestion/ingestion.repository.js';
import { IngestionService } from './ingestion/ingestion.service.js';
import { ReconcilerService } from './ingestion/reconciler.service.js';
import { VectorIndexProcessor } from './vector-index/vector-index.processor.js';
import { VectorIndexRepository } from './vector-index/vector-index.repository.js';
import { VectorIndexService } from './vector-index/vector-index.service.js';

/** The worker: a Nest application context (no HTTP server) running queue processors. */
@Module({})
export class WorkerModule {
  /** `logging`: nestjs-pino's parameters (libs/logging/app-logger.ts), the same the app was created with. */
  static forRoot(config: AppConfig, logging: LoggerParams): DynamicModule {
    return {
      module: WorkerModule,
      imports: [ConfigModule.forRoot(config), LoggerModule.forRoot(logging), DatabaseModule, QueueModule.forRoot(config, 'worker')],
      providers: [
        HeartbeatService,
        WorkerHttpServer,
        IngestionProcessor,
        IngestionService,
        IngestionRepository,
        ReconcilerService,
        VectorIndexProcessor,
        VectorIndexService,
        VectorIndexRepository,
        EmbeddingSwitchProcessor,
        EmbeddingSwitchService,
        EmbeddingSwitchRepository,
        EmbeddingModels,
        EmbeddingSetsRepository,
        embeddingLimiterProvider,
        ScrapeSources,
      ],
    };
  }
}
