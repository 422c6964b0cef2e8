import { SetMetadata } from '@nestjs/common';
import type { TenantRole } from '#libs/tenancy/tenant-context.js';

export const PUBLIC_KEY = 'auth:public';
export const ROLES_KEY = 'auth:roles';
export const PLATFORM_ADMIN_KEY = 'auth:platform-admin';

/** No authentication (login, health). */
export const Public = () => SetMetadata(PUBLIC_KEY, true);
/** Tenant users with one of these roles. Without it any tenant user may call. */
export const Roles = (...roles: TenantRole[]) => SetMetadata(ROLES_KEY, roles);
/** Only the platform administrator (ADMIN_API_KEY). */
export const PlatformAdmin = () => SetMetadata(PLATFORM_ADMIN_KEY, true);
