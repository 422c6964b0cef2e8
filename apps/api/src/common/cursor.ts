import { BadRequestException } from '@nestjs/common';

/** A keyset position: the row's timestamp at full (microsecond) precision, as text, and its id. */
export interface KeysetCursor { ts: string; id: string }

/** Opaque to clients: base64url of [timestamp, id]. */
export const encodeCursor = (c: KeysetCursor) => Buffer.from(JSON.stringify([c.ts, c.id])).toString('base64url');

export function decodeCursor(cursor: string): KeysetCursor {
  try {
    const [ts, id] = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
    if (typeof ts === 'string' && !Number.isNaN(Date.parse(ts)) && /^[0-9a-f-]{36}$/.test(id)) return { ts, id };
  } catch { /* fall through */ }
  throw new BadRequestException('cursor is not valid: pass nextCursor from the previous page');
}
