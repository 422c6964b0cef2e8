import type { FactoryProvider } from '@nestjs/common';
import type { Redis } from 'ioredis';
import { SharedRateLimiter } from '../ai/rate-limiter.js';
import { APP_CONFIG } from '../config/config.module.js';
import type { AppConfig } from '../config/config.js';
import { REDIS_CONNECTION } from '../queue/queue.module.js';

/** The embedding provider's request budget (EMBEDDING_RPM), one for every process of both apps. */
export const EMBEDDING_LIMITER = Symbol('EMBEDDING_LIMITER');

/** Counted in Redis, so every worker's ingestion and switches and every API's search queries draw on the same budget. */
export const embeddingLimiterProvider: FactoryProvider<SharedRateLimiter> = {
  provide: EMBEDDING_LIMITER,
  inject: [REDIS_CONNECTION, APP_CONFIG],
  useFactory: (redis: Redis, config: AppConfig) =>
    new SharedRateLimiter(redis, `${config.queuePrefix}:ratelimit:embeddings`, config.ai.embeddingRpm),
};
