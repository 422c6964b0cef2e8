import { applyDecorators, SetMetadata } from '@nestjs/common';
import { ApiSecurity } from '@nestjs/swagger';
import type { TenantRole } from '#libs/tenancy/tenant-context.js';

export const PUBLIC_KEY = 'auth:public';
export const ROLES_KEY = 'auth:roles';
export const PLATFORM_ADMIN_KEY = 'auth:platform-admin';

/** The OpenAPI security schemes (docs/docs.ts declares them). */
export const SECURITY = {
  /** A tenant user's `rag_…` API key or JWT, as a bearer token. */
  tenant: 'tenant-token',
  /** The platform admin key (ADMIN_API_KEY) as a bearer token. */
  adminKey: 'admin-key',
  /** HTTP Basic, user `admin`, password the ADMIN_API_KEY: what a browser prompts for. */
  adminBasic: 'admin-basic',
} as const;

/** No authentication (login, health); documented as such (an empty security requirement). */
export const Public = () => applyDecorators(SetMetadata(PUBLIC_KEY, true), ApiSecurity({}));
/** Any tenant user (the guard's default for every route not marked otherwise); documents the tenant token. */
export const TenantAuth = () => ApiSecurity(SECURITY.tenant);
/** Tenant users with one of these roles. Without it any tenant user may call. */
export const Roles = (...roles: TenantRole[]) => SetMetadata(ROLES_KEY, roles);
/** Only the platform administrator (ADMIN_API_KEY). */
export const PlatformAdmin = () => applyDecorators(SetMetadata(PLATFORM_ADMIN_KEY, true), ApiSecurity(SECURITY.adminKey));
/**
 * A page for the platform administrator that a browser or a scraper may open: the admin key as
 * a bearer token or HTTP Basic (user `admin`). The guard lets it through; adminOnlyPages
 * (auth/admin-pages.ts), mounted on its path in app.factory.ts, checks the credentials.
 */
export const AdminPage = () =>
  applyDecorators(SetMetadata(PUBLIC_KEY, true), ApiSecurity(SECURITY.adminKey), ApiSecurity(SECURITY.adminBasic));
