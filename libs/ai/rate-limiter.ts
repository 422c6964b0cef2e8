import type { Redis } from 'ioredis';

/**
 * A fixed-window request budget shared by every worker process through Redis,
 * so N workers together stay under the provider's requests-per-minute limit.
 * (BullMQ's own limiter counts jobs, not the many requests one document makes.)
 */
export class SharedRateLimiter {
  constructor(
    private readonly redis: Redis,
    private readonly key: string,
    private readonly perWindow: number,
    private readonly windowMs = 60_000,
  ) {}

  /** Waits until a request may be sent. */
  async acquire(signal?: AbortSignal): Promise<void> {
    if (this.perWindow <= 0) return;
    for (;;) {
      signal?.throwIfAborted();
      const window = Math.floor(Date.now() / this.windowMs);
      const k = `${this.key}:${window}`;
      const [[, count]] = (await this.redis
        .multi()
        .incr(k)
        .pexpire(k, this.windowMs * 2)
        .exec()) as [[unknown, number]];
      if (count <= this.perWindow) return;
      await new Promise((r) => setTimeout(r, Math.max(20, (window + 1) * this.windowMs - Date.now())));
    }
  }
}
