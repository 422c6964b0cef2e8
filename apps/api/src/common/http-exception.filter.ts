import { Catch, HttpException, HttpStatus, Logger, type ArgumentsHost, type ExceptionFilter } from '@nestjs/common';
import type { Request, Response } from 'express';
import { APIError } from 'openai';
import { QueryFailedError } from 'typeorm';
import { NoTenantError } from '#libs/tenancy/tenant-context.js';

interface Mapped { status: number; message: string }

/** Postgres errors that are the client's fault, answered as 4xx instead of 500. */
function fromPostgres(err: QueryFailedError & { code?: string; constraint?: string }): Mapped | undefined {
  switch (err.code) {
    case '23505': return { status: 409, message: `Already exists${err.constraint ? ` (${err.constraint})` : ''}` };
    case '23503': return { status: 404, message: 'A referenced resource does not exist in this tenant' };
    case '22P02': case '22007': case '22023': return { status: 400, message: 'Invalid value in request' };
    case '23514': return { status: 400, message: `Value out of range${err.constraint ? ` (${err.constraint})` : ''}` };
    case '42501': return { status: 404, message: 'Not found' }; // RLS WITH CHECK: never confirm another tenant's row
    case '57014': return { status: 503, message: 'The database took too long to answer' };
    default: return undefined;
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

/** One error shape for every answer: {statusCode, error, message, requestId}. */
@Catch()
export class HttpExceptionFilter implements ExceptionFilter {
  private readonly logger = new Logger('HttpError');

  catch(exception: unknown, host: ArgumentsHost): void {
    const ctx = host.switchToHttp();
    const req = ctx.getRequest<Request & { requestId?: string }>();
    const res = ctx.getResponse<Response>();
    let status: number = HttpStatus.INTERNAL_SERVER_ERROR;
    let message = 'Internal server error';

    if (exception instanceof HttpException) {
      status = exception.getStatus();
      const body = exception.getResponse();
      const m = typeof body === 'string' ? body : (body as { message?: string | string[] }).message ?? exception.message;
      message = Array.isArray(m) ? m.join('; ') : String(m);
    } else if (exception instanceof QueryFailedError && fromPostgres(exception as never)) {
      ({ status, message } = fromPostgres(exception as never)!);
    } else if (exception instanceof APIError) {
      // The model vendor failed (after the SDK's own retries): a gateway error, not ours.
      status = exception.status === 429 ? 503 : 502;
      message = `The AI provider failed${exception.status ? ` (${exception.status})` : ''}: ${exception.message}`.slice(0, 500);
    } else if (exception instanceof NoTenantError) {
      status = 403; message = 'This operation needs a tenant user';
    } else if (fromHttpLike(exception)) {
      ({ status, message } = fromHttpLike(exception)!);
    }
    if (status >= 500) this.logger.error(`${req.method} ${req.url} [${req.requestId}]`, (exception as Error)?.stack ?? String(exception));

    if (res.headersSent) { res.end(); return; }
    res.status(status).json({
      statusCode: status,
      error: (HttpStatus[status] ?? 'Error').toString().split('_').map((w) => w[0] + w.slice(1).toLowerCase()).join(' '),
      message,
      requestId: req.requestId,
    });
  }
}
