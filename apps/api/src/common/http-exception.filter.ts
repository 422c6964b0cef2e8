import { Catch, HttpException, HttpStatus, Logger, type ArgumentsHost, type ExceptionFilter } from '@nestjs/common';
import type { Request, Response } from 'express';
import { APIError } from 'openai';
import { QueryFailedError } from 'typeorm';
import { isStaleResultType } from '#libs/database/named-statement.js';
import { TenantBusyError } from '#libs/database/tenant-pool-share.js';
import { NoTenantError } from '#libs/tenancy/tenant-context.js';
import { RetryLaterException } from '../admission/too-many-requests.js';
import { sendError } from './error-body.js';
import type { RequestWithId } from './request-id.middleware.js';
import { requestRoute } from './request-route.js';

/** `retryAfter` (seconds) becomes a Retry-After header. */
interface Mapped {
  status: number;
  message: string;
  retryAfter?: number;
}

/** pg-pool's errors when no connection could be had within DB_CONNECT_TIMEOUT_MS: the server is full, not broken. */
const POOL_TIMEOUTS = ['timeout exceeded when trying to connect', 'Connection terminated due to connection timeout'];

/** Postgres errors that are the client's fault, answered as 4xx instead of 500. */
function fromPostgres(err: QueryFailedError & { code?: string; constraint?: string }): Mapped | undefined {
  switch (err.code) {
    case '23505':
      return { status: 409, message: `Already exists${err.constraint ? ` (${err.constraint})` : ''}` };
    case '23503':
      return { status: 404, message: 'A referenced resource does not exist in this tenant' };
    case '22P02':
    case '22007':
    case '22023':
      return { status: 400, message: 'Invalid value in request' };
    case '23514':
      return { status: 400, message: `Value out of range${err.constraint ? ` (${err.constraint})` : ''}` };
    case '42501':
      return { status: 404, message: 'Not found' }; // RLS WITH CHECK: never confirm another tenant's row
    case '57014':
      return { status: 503, message: 'The database took too long to answer', retryAfter: 1 };
    case '0A000':
      // A kept search statement met a changed column type (named-statement.ts): the connection parses afresh next time.
      return isStaleResultType(err)
        ? { status: 503, message: 'The database schema changed under this request; try again', retryAfter: 1 }
        : undefined;
    default:
      return undefined;
  }
}

/** Errors thrown by Express body parsers and multer carry their own HTTP status. */
function fromHttpLike(err: unknown): Mapped | undefined {
  const e = err as { status?: number; statusCode?: number; type?: string; message?: string };
  const status = e?.status ?? e?.statusCode;
  if (typeof status !== 'number' || status < 400 || status > 599) return undefined;
  if (e.type === 'entity.too.large') return { status: 413, message: 'Request body too large' };
  if (e.type === 'entity.parse.failed') return { status: 400, message: 'Malformed JSON body' };
  return { status, message: status < 500 && e.message ? e.message : 'Request failed' };
}

/**
 * The status and client-safe message for any error: what a JSON error answers
 * and what a stream's `error` event says. Unknown errors are a 500 whose
 * message names nothing internal.
 */
export function describeError(exception: unknown): Mapped {
  if (exception instanceof HttpException) {
    const body = exception.getResponse();
    const m = typeof body === 'string' ? body : ((body as { message?: string | string[] }).message ?? exception.message);
    const retryAfter = exception instanceof RetryLaterException ? exception.retryAfterSeconds : undefined;
    return { status: exception.getStatus(), message: Array.isArray(m) ? m.join('; ') : String(m), retryAfter };
  }
  if (exception instanceof TenantBusyError) return { status: 429, message: exception.message, retryAfter: exception.retryAfterSeconds };
  if (exception instanceof Error && POOL_TIMEOUTS.includes(exception.message)) {
    return { status: 503, message: 'The server is busy (no database connection free); retry shortly', retryAfter: 1 };
  }
  if (exception instanceof QueryFailedError && fromPostgres(exception as never)) return fromPostgres(exception as never)!;
  if (exception instanceof APIError) {
    // The model vendor failed (after the SDK's own retries): a gateway error, not ours.
    return {
      status: exception.status === 429 ? 503 : 502,
      message: `The AI provider failed${exception.status ? ` (${exception.status})` : ''}: ${exception.message}`.slice(0, 500),
    };
  }
  if (exception instanceof NoTenantError) return { status: 403, message: 'This operation needs a tenant user' };
  return fromHttpLike(exception) ?? { status: HttpStatus.INTERNAL_SERVER_ERROR, message: 'Internal server error' };
}

/** The client went away (an upload or a body cut off, a closed socket): nothing to answer, and not our failure. */
export function clientAborted(req: Request, res: Response): boolean {
  // (Not req.destroyed: a request stream is destroyed as soon as its body has been read.)
  return res.destroyed || !req.socket || req.socket.destroyed;
}

/** One error shape for every answer: {statusCode, error, message, requestId}. */
@Catch()
export class HttpExceptionFilter implements ExceptionFilter {
  private readonly logger = new Logger('HttpError');

  catch(exception: unknown, host: ArgumentsHost): void {
    const ctx = host.switchToHttp();
    const req = ctx.getRequest<RequestWithId>();
    const res = ctx.getResponse<Response>();
    if (clientAborted(req, res)) {
      // Logged as nginx does (499), at warn: a client hanging up is not a server error.
      this.logger.warn(
        `${req.method} ${req.url} [${req.requestId}] 499 client closed the request: ${(exception as Error)?.message ?? exception}`,
      );
      return;
    }
    const { status, message, retryAfter } = describeError(exception);
    // Overload answers (503 + Retry-After) are expected under a flood: one line each, no stack to format.
    if (status >= 500 && retryAfter) this.logger.warn(`${req.method} ${req.url} [${req.requestId}] ${status} ${message}`);
    else if (status >= 500)
      this.logger.error({
        method: req.method,
        route: requestRoute(req),
        status,
        err: exception instanceof Error ? exception : new Error(String(exception)),
        msg: 'request failed',
      });
    else if (Logger.isLevelEnabled('debug')) {
      // At debug, what the client was told and, when it differs, the underlying error (a JSON parse error
      // quotes the body: the logger scrubs credentials out of it, see libs/logging/redact.ts).
      const cause = (exception as Error)?.message;
      this.logger.debug(
        `${req.method} ${req.url} [${req.requestId}] ${status} ${message}${cause && cause !== message ? ` (${cause})` : ''}`,
      );
    }

    if (res.headersSent) {
      res.end();
      return;
    }
    if (retryAfter) res.setHeader('Retry-After', String(retryAfter));
    sendError(res, status, message, req.requestId);
  }
}
