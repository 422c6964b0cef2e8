import type { ObjectLiteral, SelectQueryBuilder } from 'typeorm';
import { encodeCursor, type KeysetCursor } from './cursor.js';

export interface KeysetPage<T> {
  rows: T[];
  next?: KeysetCursor;
}

/**
 * Newest first by (`column`, id), `limit` rows after the cursor position `after`.
 * Keyset pagination: a page costs the same wherever it is, and rows added
 * meanwhile neither repeat nor go missing. The timestamp is read as text at full
 * (microsecond) precision: a JS Date would drop the microseconds, and rows that
 * differ only there would be skipped. `qb` carries the caller's own filters.
 */
export async function keysetPage<T extends ObjectLiteral & { id: string }>(
  qb: SelectQueryBuilder<T>,
  column: string,
  limit: number,
  after: KeysetCursor | undefined,
): Promise<KeysetPage<T>> {
  const col = `${qb.alias}.${column}`;
  qb.addSelect(`${col}::text`, 'cursor_ts')
    .orderBy(col, 'DESC')
    .addOrderBy(`${qb.alias}.id`, 'DESC')
    .limit(limit + 1);
  if (after)
    qb.andWhere(`(${col}, ${qb.alias}.id) < (:cursorTs::timestamptz, :cursorId::uuid)`, { cursorTs: after.ts, cursorId: after.id });
  const { entities, raw } = await qb.getRawAndEntities<{ cursor_ts: string }>();
  const rows = entities.slice(0, limit);
  const last = rows.at(-1);
  return { rows, next: entities.length > limit && last ? { ts: raw[rows.length - 1]!.cursor_ts, id: last.id } : undefined };
}

/** A page as the API answers it: the items and the opaque cursor of the next page (null on the last). */
export const toPageDto = <T, D>(page: KeysetPage<T>, toDto: (row: T) => D) => ({
  items: page.rows.map(toDto),
  nextCursor: page.next ? encodeCursor(page.next) : null,
});
