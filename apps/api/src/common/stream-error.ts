import { Logger } from '@nestjs/common';
import { describeError } from './http-exception.filter.js';
import type { RequestWithId } from './request-id.middleware.js';

const logger = new Logger('StreamError');

/**
 * What a stream (SSE chat, OpenAI-compatible stream) tells the client when it
 * fails after the headers went out: the same client-safe message a JSON error
 * would carry, plus the request id; the full error goes to the log with that id.
 */
export function streamErrorMessage(e: unknown, req: RequestWithId): string {
  const { status, message } = describeError(e);
  if (status >= 500) logger.error(`${req.method} ${req.url} [${req.requestId}] stream failed`, (e as Error)?.stack ?? String(e));
  else logger.warn(`${req.method} ${req.url} [${req.requestId}] stream ended with ${status}: ${message}`);
  return `${message} (request ${req.requestId ?? 'unknown'})`;
}
