import type { Request } from 'express';
import { QUEUE_DASHBOARD_PATH } from '../docs/queue-dashboard.js';

/** Pages served by middleware rather than Nest routes (Swagger, the queue dashboard, the web console's files): labelled by their mount point. */
const MOUNTS = ['/docs', QUEUE_DASHBOARD_PATH, '/assets'];

/**
 * The route pattern a request matched (`/api/v1/documents/:id`), never the raw URL: it is
 * what the access log and the latency histogram are grouped by, and an id or a query string
 * in a label would make one series per request. Unmatched requests (404s, probes) share one.
 */
export function requestRoute(req: Request): string {
  const path = (req.route as { path?: unknown } | undefined)?.path;
  if (typeof path === 'string') return path;
  const url = req.originalUrl ?? req.url;
  if (url === '/' || url.startsWith('/?')) return '/'; // the web console's index.html
  return MOUNTS.find((m) => url === m || url.startsWith(`${m}/`) || url.startsWith(`${m}?`) || url.startsWith(`${m}-`)) ?? '(unmatched)';
}
