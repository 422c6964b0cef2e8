import { Inject, Injectable } from '@nestjs/common';
import type { Redis } from 'ioredis';
import { RateLimiterMemory, RateLimiterRedis, RateLimiterRes, type RateLimiterAbstract } from 'rate-limiter-flexible';
import { APP_CONFIG } from '#libs/config/config.module.js';
import type { AppConfig } from '#libs/config/config.js';
import { REDIS_CONNECTION } from '#libs/queue/queue.module.js';
import { retryAfterSeconds, RetryLaterException } from './too-many-requests.js';

/**
 * Fixed-window counters in Redis (rate-limiter-flexible), so every API process
 * draws from one budget per key. When Redis is unreachable each process falls
 * back to its own in-memory counters (the "insurance" limiter) instead of
 * failing requests or letting them through unlimited.
 */
@Injectable()
export class RateLimiterService {
  private readonly limiters = new Map<string, RateLimiterAbstract>();

  constructor(
    @Inject(REDIS_CONNECTION) private readonly redis: Redis,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  /** A limiter of `points` per `seconds` under `name`; the same one for the same arguments. */
  limiter(name: string, points: number, seconds: number, blockSeconds = 0): RateLimiterAbstract {
    const id = `${name}:${points}:${seconds}:${blockSeconds}`;
    let limiter = this.limiters.get(id);
    if (!limiter) {
      const options = { points, duration: seconds, blockDuration: blockSeconds };
      limiter = new RateLimiterRedis({
        ...options,
        storeClient: this.redis,
        keyPrefix: `${this.config.queuePrefix}:rl:${name}`,
        rejectIfRedisNotReady: true, // straight to the insurance limiter, no wait on a dead connection
        insuranceLimiter: new RateLimiterMemory(options),
      });
      this.limiters.set(id, limiter);
    }
    return limiter;
  }

  /** Takes one point from each budget; throws 429 with Retry-After naming the first one exhausted. */
  async consume(budgets: { name: string; key: string; perMinute: number; what: string }[]): Promise<void> {
    for (const b of budgets) {
      if (b.perMinute <= 0) continue; // 0 = unlimited
      try {
        await this.limiter(b.name, b.perMinute, 60).consume(b.key);
      } catch (e) {
        if (!(e instanceof RateLimiterRes)) throw e;
        throw new RetryLaterException(
          `Rate limit reached: ${b.what} (${b.perMinute} per minute); retry later`,
          retryAfterSeconds(e.msBeforeNext),
        );
      }
    }
  }
}
