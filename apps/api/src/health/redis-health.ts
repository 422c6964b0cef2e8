import { Inject, Injectable } from '@nestjs/common';
import type { Redis } from 'ioredis';
import { REDIS_CONNECTION } from '#libs/queue/queue.module.js';

/**
 * Readiness probe on the API's queue connection (fail-fast: no offline
 * queue, one retry), so /health/ready reports what uploads will meet.
 */
@Injectable()
export class RedisHealth {
  constructor(@Inject(REDIS_CONNECTION) private readonly client: Redis) {}

  async ping(): Promise<boolean> {
    try {
      const timeout = new Promise<string>((r) => setTimeout(() => r('timeout'), 2000).unref());
      return (await Promise.race([this.client.ping(), timeout])) === 'PONG';
    } catch {
      return false;
    }
  }
}
