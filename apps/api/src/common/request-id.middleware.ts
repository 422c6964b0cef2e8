import { randomUUID } from 'node:crypto';
import type { NextFunction, Request, Response } from 'express';

/** Every answer carries X-Request-Id (a caller's own id is kept when it is sane). */
export function requestIdMiddleware(req: Request & { requestId?: string }, res: Response, next: NextFunction): void {
  const given = req.headers['x-request-id'];
  const id = typeof given === 'string' && /^[\w.-]{8,128}$/.test(given) ? given : randomUUID();
  req.requestId = id;
  res.setHeader('X-Request-Id', id);
  next();
}
