import type { RequestContext } from '#libs/tenancy/tenant-context.js';
import type { RequestWithId } from '../common/request-id.middleware.js';

/**
 * Who is calling, as AuthGuard resolved the bearer token: the platform admin (the
 * admin key), or a tenant user (JWT, or an API key: then `keyId` too).
 */
export type Principal = RequestContext & { email?: string; keyId?: string };

/** An HTTP request once AuthGuard has run (a @Public() route has no principal). */
export type RequestWithPrincipal = RequestWithId & { principal?: Principal };
