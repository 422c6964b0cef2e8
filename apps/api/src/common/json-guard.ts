import type { IncomingMessage } from 'node:http';

/** An error body-parser passes on with its status; the exception filter answers it as that 4xx with this message. */
class JsonRejected extends Error {
  readonly status = 400;
  readonly statusCode = 400;
  readonly expose = true;
  readonly type = 'entity.verify.failed';
}

/**
 * body-parser `verify` hook, run on the raw JSON text before it is parsed.
 * Rejects two inputs that parse fine but fail later as a 500:
 * - nesting deeper than `maxDepth`: validation and transformation recurse
 *   once per level, and ~5,000 levels overflowed the stack;
 * - a `\u0000` escape in a string: PostgreSQL text cannot hold NUL.
 * One linear pass that tracks strings and escapes, so neither a bracket inside a
 * string nor an escaped backslash followed by "u0000" is miscounted.
 */
export function jsonGuard(maxDepth: number) {
  return (_req: IncomingMessage, _res: unknown, buf: Buffer): void => {
    const text = buf.toString('utf8');
    let depth = 0;
    let inString = false;
    for (let i = 0; i < text.length; i++) {
      const c = text.charCodeAt(i);
      if (inString) {
        if (c === 0x5c /* \ */) {
          if (text[i + 1] === 'u' && /^[0]{4}$/.test(text.slice(i + 2, i + 6))) {
            throw new JsonRejected('JSON strings must not contain NUL (\\u0000) characters');
          }
          i++; // skip the escaped character
        } else if (c === 0x22 /* " */) {
          inString = false;
        }
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
