import { Inject, Injectable, type CanActivate, type ExecutionContext } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { APP_CONFIG } from '#libs/config/config.module.js';
import type { AppConfig } from '#libs/config/config.js';
import type { RequestWithPrincipal } from '../auth/principal.js';
import { RATE_BUDGET, RATE_CLASS_KEY, type RateClass } from './rate-class.js';
import { RateLimiterService } from './rate-limiter.service.js';
import { TenantLimitsService } from './tenant-limits.service.js';

/**
 * Runs after AuthGuard (registration order): a request to a @RateLimited route
 * draws one point from its tenant's budget and one from its client's share of
 * it (the API key, else the user), so neither one tenant nor one script inside
 * a tenant can use up what the others need.
 */
@Injectable()
export class AdmissionGuard implements CanActivate {
  constructor(
    private readonly reflector: Reflector,
    private readonly limiter: RateLimiterService,
    private readonly tenantLimits: TenantLimitsService,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const kind = this.reflector.getAllAndOverride<RateClass | undefined>(RATE_CLASS_KEY, [context.getHandler(), context.getClass()]);
    if (!kind) return true;
    const req = context.switchToHttp().getRequest<RequestWithPrincipal>();
    const p = req.principal;
    if (!p?.tenantId) return true; // AuthGuard lets only tenant users reach these routes
    const perMinute = (await this.tenantLimits.budgets(p.tenantId))[RATE_BUDGET[kind]];
    const client = p.keyId ? `key:${p.keyId}` : `user:${p.userId}`;
    // The client's share first: a client refused for its own excess does not spend its tenant's budget.
    await this.limiter.consume([
      {
        name: `${kind}:client`,
        key: `${p.tenantId}:${client}`,
        what: `${kind} requests of this client`,
        perMinute: perMinute > 0 ? Math.max(1, Math.floor((perMinute * this.config.admission.clientPercent) / 100)) : 0,
      },
      { name: `${kind}:tenant`, key: p.tenantId, perMinute, what: `${kind} requests of this tenant` },
    ]);
    return true;
  }
}
