import type { NextFunction, Request, Response } from 'express';
import { httpDuration } from '#libs/metrics/metrics.js';
import { requestRoute } from '../common/request-route.js';

/** Times every request until its answer ends or the client goes away (a stream included), by route pattern and status. */
export function httpMetricsMiddleware(req: Request, res: Response, next: NextFunction): void {
  const end = httpDuration.startTimer();
  res.once('close', () => end({ method: req.method, route: requestRoute(req), status: String(res.statusCode) }));
  next();
}
