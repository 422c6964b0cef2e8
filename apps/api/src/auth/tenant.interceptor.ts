import { Injectable, type CallHandler, type ExecutionContext, type NestInterceptor } from '@nestjs/common';
import type { Observable } from 'rxjs';
import { tenantStorage, type RequestContext } from '#libs/tenancy/tenant-context.js';
import type { RequestWithPrincipal } from './principal.js';

/**
 * Runs the handler inside the principal's tenant context. `next.handle()` must
 * be called inside `run` (Nest binds the handler to the async context it is
 * called in); capturing it outside loses the tenant.
 */
@Injectable()
export class TenantInterceptor implements NestInterceptor {
  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    const req = context.switchToHttp().getRequest<RequestWithPrincipal>();
    const ctx: RequestContext = { ...(req.principal ?? {}), requestId: req.requestId };
    return tenantStorage.run(ctx, () => next.handle());
  }
}
