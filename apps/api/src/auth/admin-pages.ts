import type { NextFunction, Response } from 'express';
import { sendError } from '../common/error-body.js';
import type { RequestWithId } from '../common/request-id.middleware.js';
import { safeEqual } from './api-key.js';
import { basicCredentials, bearerToken } from './credentials.js';

/**
 * Admin-only pages (/docs, /admin/queues, /metrics): a bearer ADMIN_API_KEY, or HTTP Basic with user
 * `admin` and the key as password so that a browser prompts for it.
 */
export function adminOnlyPages(adminKey: string) {
  return (req: RequestWithId, res: Response, next: NextFunction) => {
    const bearer = bearerToken(req.headers.authorization);
    const basic = basicCredentials(req.headers.authorization);
    const ok = bearer !== undefined ? safeEqual(bearer, adminKey) : basic?.user === 'admin' && safeEqual(basic.password, adminKey);
    if (ok) return next();
    res.setHeader('WWW-Authenticate', 'Basic realm="ragdocs admin", charset="UTF-8"');
    sendError(res, 401, 'Platform admin credentials required', req.requestId);
  };
}
