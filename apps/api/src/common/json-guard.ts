import type { IncomingMessage } from 'node:http';
import type { NextFunction, Request, Response } from 'express';

/** An error body-parser and Express pass on with its status; the exception filter answers it as that 4xx with this message. */
class JsonRejected extends Error {
  readonly status = 400;
  readonly statusCode = 400;
  readonly expose = true;
  readonly type = 'entity.verify.failed';
}

/**
 * body-parser `verify` hook, run on the raw JSON text before it is parsed:
 * nesting deeper than `maxDepth` is refused, because validation and
 * transformation recurse once per level and ~5,000 levels overflowed the
 * stack (a 500, also on the unauthenticated login). One linear pass that
 * skips string contents, so a bracket inside a string is not counted.
 */
export function jsonDepthGuard(maxDepth: number) {
  return (_req: IncomingMessage, _res: unknown, buf: Buffer): void => {
    const text = buf.toString('utf8');
    let depth = 0;
    let inString = false;
    for (let i = 0; i < text.length; i++) {
      const c = text.charCodeAt(i);
      if (inString) {
        if (c === 0x5c /* \ */)
          i++; // the escaped character cannot end the string
        else if (c === 0x22 /* " */) inString = false;
      } else if (c === 0x22) {
        inString = true;
      } else if (c === 0x7b /* { */ || c === 0x5b /* [ */) {
        if (++depth > maxDepth) throw new JsonRejected(`JSON nested deeper than ${maxDepth} levels`);
      } else if (c === 0x7d /* } */ || c === 0x5d /* ] */) {
        depth--;
      }
    }
  };
}

/**
 * Middleware after the JSON parser: a NUL character in any string of the body
 * is a 400 naming where it is (PostgreSQL text cannot hold NUL; it used to
 * surface as a 500 from the database). Runs on the parsed body, whose depth
 * jsonDepthGuard already bounded.
 */
export function rejectNulStrings(req: Request, _res: Response, next: NextFunction): void {
  const where = findNul(req.body, '');
  next(where === undefined ? undefined : new JsonRejected(`${where || 'body'} must not contain NUL characters`));
}

function findNul(v: unknown, path: string): string | undefined {
  if (typeof v === 'string') return v.includes('\u0000') ? path : undefined;
  if (Array.isArray(v)) {
    for (let i = 0; i < v.length; i++) {
      const hit = findNul(v[i], `${path}[${i}]`);
      if (hit !== undefined) return hit;
    }
  } else if (v && typeof v === 'object') {
    for (const [k, x] of Object.entries(v)) {
      const here = path ? `${path}.${k}` : k;
      if (k.includes('\u0000')) return here;
      const hit = findNul(x, here);
      if (hit !== undefined) return hit;
    }
  }
  return undefined;
}
