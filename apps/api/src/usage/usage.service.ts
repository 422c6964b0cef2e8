import { HttpException, HttpStatus, Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import { TenantDb } from '#libs/database/tenant-db.js';
import { chatQuotaToday, recordUsage, usageByDay, type TokenUsage } from '#libs/database/usage/usage.repository.js';

/** Tokens per tenant per day (UTC), and the optional daily quota from tenant settings. */
@Injectable()
export class UsageService {
  constructor(private readonly db: TenantDb) {}

  /** 429 with a clear message when the tenant's daily chat token quota is used up. */
  async assertWithinQuota(): Promise<void> {
    const { quota, used } = await this.db.run((m) => chatQuotaToday(m));
    if (quota !== null && used >= quota) {
      throw new HttpException(
        `Daily token quota exceeded: ${used} of ${quota} tokens used today (UTC); it resets at 00:00 UTC`,
        HttpStatus.TOO_MANY_REQUESTS,
      );
    }
  }

  /** The tenant's usage by day over the last `days` days, with its quota and what today used of it (one transaction). */
  report(days: number): Promise<{ dailyTokenQuota: number | null; usedToday: number; items: Awaited<ReturnType<typeof usageByDay>> }> {
    return this.db.run(async (m) => {
      const { quota, used } = await chatQuotaToday(m);
      return { dailyTokenQuota: quota, usedToday: used, items: await usageByDay(m, days) };
    });
  }

  /** Adds one request's tokens to today's row for the tenant, kind and model (in the caller's transaction). */
  record(m: EntityManager, kind: 'chat' | 'embedding', model: string, usage: TokenUsage): Promise<void> {
    return recordUsage(m, kind, model, usage);
  }
}
