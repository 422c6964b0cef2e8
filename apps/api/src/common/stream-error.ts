import { Logger } from '@nestjs/common';
import { describeError } from './http-exception.filter.js';
import type { RequestWithId } from './request-id.middleware.js';
import { requestRoute } from './request-route.js';

const logger = new Logger('StreamError');

/**
 * What a stream (SSE chat, OpenAI-compatible stream) tells the client when it
 * fails after the headers went out: the same client-safe message a JSON error
 * would carry, plus the request id; the full error goes to the log (its line carries the
 * request id: the logging context of the request).
 */
export function streamErrorMessage(e: unknown, req: RequestWithId): string {
  const { status, message } = describeError(e);
  const fields = { method: req.method, route: requestRoute(req), status };
  if (status >= 500) logger.error({ ...fields, err: e instanceof Error ? e : new Error(String(e)), msg: 'stream failed' });
  else logger.warn({ ...fields, msg: `stream ended with ${status}: ${message}` });
  return `${message} (request ${req.requestId ?? 'unknown'})`;
}
