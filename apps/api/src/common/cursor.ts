import { BadRequestException } from '@nestjs/common';

/** A keyset position: the row's timestamp at full (microsecond) precision, as text, and its id. */
export interface KeysetCursor {
  ts: string;
  id: string;
}

/** Opaque to clients: base64url of [timestamp, id]. */
export const encodeCursor = (c: KeysetCursor) => Buffer.from(JSON.stringify([c.ts, c.id])).toString('base64url');

export function decodeCursor(cursor: string): KeysetCursor {
  try {
    const [ts, id] = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as unknown[];
    if (typeof ts === 'string' && typeof id === 'string' && isPostgresTimestamp(ts) && /^[0-9a-f-]{36}$/.test(id)) return { ts, id };
  } catch {
    /* fall through */
  }
  throw new BadRequestException('cursor is not valid: pass nextCursor from the previous page');
}

const TIMESTAMP = /^(\d{4})-(\d{2})-(\d{2})[ T](\d{2}):(\d{2}):(\d{2})(?:\.\d{1,6})?(?:Z|[+-]\d{2}(?::?\d{2})?)?$/;

/**
 * A timestamp PostgreSQL will accept, as our cursors carry them. Stricter than
 * Date.parse, which takes "2020-02-30" (and then PostgreSQL answered 500).
 */
export function isPostgresTimestamp(ts: string): boolean {
  const m = TIMESTAMP.exec(ts);
  if (!m) return false;
  const [y, mo, d, h, mi, s] = m.slice(1, 7).map(Number) as [number, number, number, number, number, number];
  const date = new Date(Date.UTC(y, mo - 1, d));
  return y >= 1 && date.getUTCFullYear() === y && date.getUTCMonth() === mo - 1 && date.getUTCDate() === d && h < 24 && mi < 60 && s < 60;
}
