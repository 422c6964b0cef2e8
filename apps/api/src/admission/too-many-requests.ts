import { HttpException, HttpStatus } from '@nestjs/common';

/** 429 or 503 with a Retry-After header (HttpExceptionFilter writes it from `retryAfterSeconds`). */
export class RetryLaterException extends HttpException {
  constructor(
    message: string,
    readonly retryAfterSeconds: number,
    status: 429 | 503 = HttpStatus.TOO_MANY_REQUESTS,
  ) {
    super(message, status);
  }
}

/** Whole seconds for Retry-After, never 0 (0 would invite an immediate retry storm). */
export const retryAfterSeconds = (ms: number): number => Math.max(1, Math.ceil(ms / 1000));
