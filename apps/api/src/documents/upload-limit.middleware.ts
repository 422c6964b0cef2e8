import type { NextFunction, Request, Response } from 'express';

/**
 * Refuses an upload whose declared Content-Length is already over the limit
 * before reading a byte of it. Bodies without a length (chunked) are still
 * cut off by multer's fileSize limit while streaming.
 */
export function uploadLimitMiddleware(maxBytes: number) {
  const slack = 64 * 1024; // multipart boundaries and the small fields
  return (req: Request, res: Response, next: NextFunction) => {
    const declared = Number(req.headers['content-length'] ?? 0);
    if (req.method === 'POST' && declared > maxBytes + slack) {
      res.setHeader('Connection', 'close');
      res.status(413).json({
        statusCode: 413, error: 'Payload Too Large',
        message: `File too large: the limit is ${maxBytes} bytes`, requestId: (req as { requestId?: string }).requestId,
      });
      req.resume();
      return;
    }
    next();
  };
}
