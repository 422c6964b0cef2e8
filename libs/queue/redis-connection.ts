import { Redis, type RedisOptions } from 'ioredis';

/**
 * Workers block on Redis and must retry forever (BullMQ requires
 * maxRetriesPerRequest: null). The API must not: an upload answers at once
 * when Redis is down, and the reconciler enqueues the document later.
 */
export function redisOptions(role: 'worker' | 'producer'): RedisOptions {
  return role === 'worker'
    ? { maxRetriesPerRequest: null, enableReadyCheck: true }
    : { maxRetriesPerRequest: 1, enableOfflineQueue: false, connectTimeout: 2_000, retryStrategy: (n) => Math.min(n * 200, 2_000) };
}

export function createRedis(url: string, role: 'worker' | 'producer'): Redis {
  const client = new Redis(url, redisOptions(role));
  client.on('error', () => undefined); // reported where it matters (enqueue, health)
  return client;
}
