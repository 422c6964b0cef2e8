import { Inject, Injectable } from '@nestjs/common';
import { APP_CONFIG } from '#libs/config/config.module.js';
import type { AppConfig, RateBudgets } from '#libs/config/config.js';
import { TtlCache } from '#libs/concurrency/ttl-cache.js';
import { TenantDb } from '#libs/database/tenant-db.js';
import { TenantsRepository } from '../tenants/tenants.repository.js';

const TTL_MS = 30_000;

/**
 * A tenant's request budgets: the configured defaults, each overridden by the
 * tenant's settings.limits. Cached per process for 30 s, so a change made by the
 * platform admin applies within that time without a query on every request.
 */
@Injectable()
export class TenantLimitsService {
  private readonly cache = new TtlCache<RateBudgets>(TTL_MS);

  constructor(
    private readonly db: TenantDb,
    private readonly tenants: TenantsRepository,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  async budgets(tenantId: string): Promise<RateBudgets> {
    const hit = this.cache.get(tenantId);
    if (hit) return hit;
    const own: Partial<Record<keyof RateBudgets, unknown>> =
      (await this.db.runFor(tenantId, (m) => this.tenants.settings(m, tenantId)))?.limits ?? {};
    const budgets = { ...this.config.admission.rates };
    for (const key of Object.keys(budgets) as (keyof RateBudgets)[]) {
      if (Number.isInteger(own[key]) && (own[key] as number) >= 0) budgets[key] = own[key] as number;
    }
    return this.cache.set(tenantId, budgets);
  }
}
