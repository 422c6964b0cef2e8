import { Inject, Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { APP_CONFIG } from '#libs/config/config.module.js';
import type { AppConfig, RateBudgets } from '#libs/config/config.js';
import { inTenantTransactionFor } from '#libs/database/tenant-transaction.js';

const TTL_MS = 30_000;

/**
 * A tenant's request budgets: the configured defaults, each overridden by the
 * tenant's settings.limits. Cached per process for 30 s, so a change made by the
 * platform admin applies within that time without a query on every request.
 */
@Injectable()
export class TenantLimitsService {
  private readonly cache = new Map<string, { budgets: RateBudgets; expires: number }>();

  constructor(private readonly ds: DataSource, @Inject(APP_CONFIG) private readonly config: AppConfig) {}

  async budgets(tenantId: string): Promise<RateBudgets> {
    const hit = this.cache.get(tenantId);
    if (hit && hit.expires > Date.now()) return hit.budgets;
    const [row] = await inTenantTransactionFor(this.ds, tenantId, (m) =>
      m.query(`SELECT settings->'limits' AS limits FROM tenants WHERE id = $1`, [tenantId]),
    );
    const budgets = { ...this.config.admission.rates };
    const own = (row?.limits ?? {}) as Partial<Record<keyof RateBudgets, unknown>>;
    for (const key of Object.keys(budgets) as (keyof RateBudgets)[]) {
      if (Number.isInteger(own[key]) && (own[key] as number) >= 0) budgets[key] = own[key] as number;
    }
    if (this.cache.size > 10_000) this.cache.clear(); // bounded: a few entries per active tenant
    this.cache.set(tenantId, { budgets, expires: Date.now() + TTL_MS });
    return budgets;
  }
}
