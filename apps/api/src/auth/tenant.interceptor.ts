import { Injectable, type CallHandler, type ExecutionContext, type NestInterceptor } from '@nestjs/common';
import { PinoLogger } from 'nestjs-pino';
import type { Observable } from 'rxjs';
import { tenantStorage, type RequestContext } from '#libs/tenancy/tenant-context.js';
import type { RequestWithPrincipal } from './principal.js';

/**
 * Runs the handler inside the principal's tenant context, and binds its tenant and user to the
 * request's log lines. `next.handle()` must be called inside `run` (Nest binds the handler to
 * the async context it is called in); capturing it outside loses the tenant.
 */
@Injectable()
export class TenantInterceptor implements NestInterceptor {
  constructor(private readonly logger: PinoLogger) {}

  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    const req = context.switchToHttp().getRequest<RequestWithPrincipal>();
    // Every line the handler logs names the tenant and the user too (the request id is bound already).
    // (assign needs the request's logging context, which nestjs-pino's middleware opens for every route.)
    if (req.principal?.tenantId) this.logger.assign({ tenantId: req.principal.tenantId, userId: req.principal.userId });
    const ctx: RequestContext = { ...(req.principal ?? {}), requestId: req.requestId };
    return tenantStorage.run(ctx, () => next.handle());
  }
}
