import { Injectable, type CallHandler, type ExecutionContext, type NestInterceptor } from '@nestjs/common';
import type { Observable } from 'rxjs';
import { tenantStorage, type RequestContext } from './tenant-context.js';

/** What the auth guard leaves on the request. */
export interface RequestWithPrincipal {
  principal?: RequestContext & { email?: string; keyId?: string };
  requestId?: string;
}

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
