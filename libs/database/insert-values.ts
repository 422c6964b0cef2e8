import type { Queryable } from './transaction-settings.js';

/**
 * Multi-row `INSERT … VALUES`, in batches: the write path on Citus. There an `INSERT … SELECT`
 * from anything but a co-located table (the COPY staging tables of insert-chunks.ts and
 * copy-document-file.ts) is carried out by COPY into the shards, and PostgreSQL refuses
 * COPY FROM into a table with row-level security; rows sent as VALUES go to the tenant's one
 * shard as an INSERT, which the policy checks row by row. `casts[i]` types column i.
 */
export async function insertValues(
  q: Queryable,
  table: string,
  columns: readonly string[],
  casts: readonly string[],
  rows: readonly (readonly unknown[])[],
  rowsPerStatement = 100,
): Promise<void> {
  for (let start = 0; start < rows.length; start += rowsPerStatement) {
    const params: unknown[] = [];
    const values = rows
      .slice(start, start + rowsPerStatement)
      .map((row) => `(${row.map((v, i) => `$${params.push(v)}::${casts[i]}`).join(', ')})`)
      .join(',\n');
    await q.query(`INSERT INTO ${table} (${columns.join(', ')}) VALUES ${values}`, params);
  }
}
