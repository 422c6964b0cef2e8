import { randomUUID } from 'node:crypto';
import type { NextFunction, Request, Response } from 'express';

/** A request that went through requestIdMiddleware. */
export type RequestWithId = Request & { requestId?: string };

/**
 * The request's id, decided once: a caller's own X-Request-Id when it is sane, else a new
 * UUID; set on the answer's X-Request-Id. The access log (common/access-log.ts) and this
 * middleware both ask, whichever runs first.
 */
export function ensureRequestId(req: RequestWithId, res: Pick<Response, 'setHeader' | 'headersSent'>): string {
  if (req.requestId) return req.requestId;
  const given = req.headers['x-request-id'];
  const id = typeof given === 'string' && /^[\w.-]{8,128}$/.test(given) ? given : randomUUID();
  req.requestId = id;
  if (!res.headersSent) res.setHeader('X-Request-Id', id);
  return id;
}

/** Every answer carries X-Request-Id. */
export function requestIdMiddleware(req: RequestWithId, res: Response, next: NextFunction): void {
  ensureRequestId(req, res);
  next();
}
