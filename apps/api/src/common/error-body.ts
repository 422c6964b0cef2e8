import { HttpStatus } from '@nestjs/common';
import type { Response } from 'express';

/** "Payload Too Large" for 413: the reason phrase of a status, from Nest's HttpStatus names. */
const reasonPhrase = (status: number): string =>
  (HttpStatus[status] ?? 'Error')
    .toString()
    .split('_')
    .map((w) => w[0] + w.slice(1).toLowerCase())
    .join(' ');

/** The one error shape of the API (API.md, ErrorDto): {statusCode, error, message, requestId}. */
export const errorBody = (status: number, message: string, requestId: string | undefined) => ({
  statusCode: status,
  error: reasonPhrase(status),
  message,
  requestId,
});

/** Answers with that shape: for the exception filter, and for middleware that answers before Nest's pipeline does. */
export function sendError(res: Response, status: number, message: string, requestId: string | undefined): void {
  res.status(status).json(errorBody(status, message, requestId));
}
