import type { NextFunction, Response } from 'express';
import { sendError } from '../common/error-body.js';
import type { RequestWithId } from '../common/request-id.middleware.js';

/**
 * Refuses an upload whose declared Content-Length is already over the limit
 * before reading a byte of it. Bodies without a length (chunked) are still
 * cut off by multer's fileSize limit while streaming.
 */
export function uploadLimitMiddleware(maxBytes: number) {
  const slack = 64 * 1024; // multipart boundaries and the small fields
  return (req: RequestWithId, res: Response, next: NextFunction) => {
    const declared = Number(req.headers['content-length'] ?? 0);
    if (req.method === 'POST' && declared > maxBytes + slack) {
      res.setHeader('Connection', 'close');
      sendError(res, 413, `File too large: the limit is ${maxBytes} bytes`, req.requestId);
      req.resume();
      return;
    }
    next();
  };
}
