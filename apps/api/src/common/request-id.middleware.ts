import { randomUUID } from 'node:crypto';
import type { NextFunction, Request, Response } from 'express';

/** A request that went through requestIdMiddleware. */
export type RequestWithId = Request & { requestId?: string };

/** Every answer carries X-Request-Id (a caller's own id is kept when it is sane). */
export function requestIdMiddleware(req: RequestWithId, res: Response, next: NextFunction): void {
  const given = req.headers['x-request-id'];
  const id = typeof given === 'string' && /^[\w.-]{8,128}$/.test(given) ? given : randomUUID();
  req.requestId = id;
  res.setHeader('X-Request-Id', id);
  next();
}
