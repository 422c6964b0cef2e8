import { ForbiddenException, Injectable, UnauthorizedException, type CanActivate, type ExecutionContext } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { TenantRole } from '#libs/tenancy/tenant-context.js';
import { PLATFORM_ADMIN_KEY, PUBLIC_KEY, ROLES_KEY } from './auth.decorators.js';
import { AuthService } from './auth.service.js';
import { bearerToken } from './credentials.js';
import type { RequestWithPrincipal } from './principal.js';

/**
 * Global guard: every route needs a principal unless marked @Public().
 * Platform-admin routes accept only ADMIN_API_KEY; tenant routes accept only
 * tenant users (the admin key has no tenant, so it cannot read tenant data).
 */
@Injectable()
export class AuthGuard implements CanActivate {
  constructor(
    private readonly reflector: Reflector,
    private readonly auth: AuthService,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const targets = [context.getHandler(), context.getClass()];
    if (this.reflector.getAllAndOverride<boolean>(PUBLIC_KEY, targets)) return true;

    const req = context.switchToHttp().getRequest<RequestWithPrincipal>();
    const token = bearerToken(req.headers.authorization);
    if (!token) throw new UnauthorizedException('Missing bearer token');
    const principal = await this.auth.resolveBearer(token);
    if (!principal) throw new UnauthorizedException('Invalid or expired token');
    req.principal = principal;

    const adminOnly = this.reflector.getAllAndOverride<boolean>(PLATFORM_ADMIN_KEY, targets);
    if (adminOnly) {
      if (!principal.platformAdmin) throw new ForbiddenException('Platform administrator only');
      return true;
    }
    if (principal.platformAdmin) throw new ForbiddenException('The platform admin key cannot act inside a tenant; use a tenant user token');
    const roles = this.reflector.getAllAndOverride<TenantRole[] | undefined>(ROLES_KEY, targets);
    if (roles && !roles.includes(principal.role!)) throw new ForbiddenException(`Requires role: ${roles.join(' or ')}`);
    return true;
  }
}
