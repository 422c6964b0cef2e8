import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Request } from 'express';
import type { Options } from 'pino-http';
import type { RequestWithPrincipal } from '../auth/principal.js';
import { ensureRequestId } from './request-id.middleware.js';
import { requestRoute } from './request-route.js';

const PROBES = new Set(['/health/live', '/health/ready', '/metrics']);

/** The fields of the access line, also bound to every line logged while handling the request. */
function accessFields(req: IncomingMessage, res: ServerResponse, durationMs: number) {
  const r = req as RequestWithPrincipal;
  return {
    method: r.method,
    route: requestRoute(r as Request),
    status: res.statusCode,
    durationMs,
    tenantId: r.principal?.tenantId ?? null,
    userId: r.principal?.userId ?? null,
  };
}

/**
 * pino-http's options for the API: one line per request (`request completed`, or `request
 * errored` at error level for a 5xx) with the method, the route pattern, the status, the
 * duration, the request id (the X-Request-Id the client sees), the tenant and the user. No
 * headers, no URL, no body: nothing a credential could ride in.
 */
export function accessLogOptions(): Options {
  return {
    genReqId: (req, res) => ensureRequestId(req as Request, res as never),
    customAttributeKeys: { reqId: 'requestId', responseTime: 'durationMs' },
    // In-request lines carry the request id only; the access line carries what accessFields adds.
    quietReqLogger: true,
    quietResLogger: true,
    customLogLevel: (req, res, err) => {
      if (err || res.statusCode >= 500) return 'error';
      if (res.statusCode >= 400) return 'warn';
      // Probes and scrapes come every few seconds: their successes only at LOG_LEVEL=debug.
      return PROBES.has(requestRoute(req as Request)) ? 'debug' : 'info';
    },
    customSuccessObject: (req, res, val: { durationMs: number }) => accessFields(req, res, val.durationMs),
    // The error itself is logged where it is handled (HttpExceptionFilter, stream-error.ts), with its stack.
    customErrorObject: (req, res, _err, val: { durationMs: number }) => accessFields(req, res, val.durationMs),
  };
}
