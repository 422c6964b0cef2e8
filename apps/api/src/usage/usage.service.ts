import { HttpException, HttpStatus, Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import { TenantDb } from '#libs/database/tenant-db.js';
import { recordUsage, type TokenUsage } from '#libs/database/usage/usage.repository.js';
import { currentTenantId } from '#libs/tenancy/tenant-context.js';


/** Tokens per tenant per day (UTC), and the optional daily quota from tenant settings. */
@Injectable()
export class UsageService {
  constructor(private readonly db: TenantDb) {}

  /** 429 with a clear message when the tenant's daily chat token quota is used up. */
  async assertWithinQuota(): Promise<void> {
    const tenantId = currentTenantId();
    const { quota, used } = await this.db.run(async (m) => {
      const [row] = await m.query(
        `SELECT (t.settings->>'dailyTokenQuota')::bigint AS quota,
                COALESCE((SELECT sum(u.prompt_tokens + u.completion_tokens) FROM usage_records u
                          WHERE u.tenant_id = t.id AND u.day = (now() AT TIME ZONE 'UTC')::date AND u.kind = 'chat'), 0)::bigint AS used
         FROM tenants t WHERE t.id = $1`,
        [tenantId],
      );
      return { quota: row?.quota === null || row?.quota === undefined ? null : Number(row.quota), used: Number(row?.used ?? 0) };
    });
    if (quota !== null && used >= quota) {
      throw new HttpException(
        `Daily token quota exceeded: ${used} of ${quota} tokens used today (UTC); it resets at 00:00 UTC`,
        HttpStatus.TOO_MANY_REQUESTS,
      );
    }
  }

  /** Adds one request's tokens to today's row for the tenant, kind and model (in the caller's transaction). */
  record(m: EntityManager, kind: 'chat' | 'embedding', model: string, usage: TokenUsage): Promise<void> {
    return recordUsage(m, kind, model, usage);
  }
}
