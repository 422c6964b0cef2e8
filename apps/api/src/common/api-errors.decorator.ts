import { applyDecorators } from '@nestjs/common';
import { ApiResponse } from '@nestjs/swagger';
import { ErrorDto } from './error.dto.js';

const DESCRIPTIONS: Record<number, string> = {
  400: 'Invalid input: the failing fields are named in `message`',
  401: 'Missing, invalid or expired bearer token',
  403: 'Authenticated but not allowed (role or platform-admin only)',
  404: "Not found in your tenant (another tenant's ids answer 404 too)",
  409: 'Conflicts with an existing resource',
  413: 'Body or upload too large',
  415: 'Unsupported file type',
  429: 'Quota or rate limit exceeded',
  502: 'The AI provider (embeddings or chat model) failed',
  503: 'A dependency (database, queue, AI provider rate limit) is unavailable or busy; retry after Retry-After',
};

/** Documents the error answers of a route in Swagger, all with the one error shape. */
export const ApiErrors = (...codes: number[]) =>
  applyDecorators(...codes.map((status) => ApiResponse({ status, description: DESCRIPTIONS[status] ?? 'Error', type: ErrorDto })));
