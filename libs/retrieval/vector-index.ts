import type { EntityManager } from 'typeorm';

/**
 * A tenant's own HNSW index: a partial index `WHERE tenant_id = '<tenant>' AND
 * seq <= <watermark>` on embeddings. Rows above the watermark were written
 * after the build and are searched exactly until the next rebuild.
 */
export interface TenantVectorIndex {
  indexName: string;
  watermark: number;
  indexedRows: number;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/** The tenant id as a SQL literal. Validated, because index predicates must be literals to be matched by the planner. */
export function tenantLiteral(tenantId: string): string {
  if (!UUID.test(tenantId)) throw new Error(`not a canonical uuid: ${tenantId}`);
  return `'${tenantId}'::uuid`;
}

export function watermarkLiteral(watermark: number): string {
  if (!Number.isSafeInteger(watermark) || watermark < 0) throw new Error(`bad watermark ${watermark}`);
  return String(watermark);
}

/** Index names carry the tenant and the watermark, so a rebuild never collides with the index it replaces. */
export function vectorIndexName(tenantId: string, watermark: number): string {
  return `embeddings_hnsw_t_${tenantId.replace(/-/g, '')}_${watermarkLiteral(watermark)}`;
}

/** The partial-index predicate; search repeats it verbatim so the planner can prove the index applies. */
export function vectorIndexPredicate(tenantId: string, watermark: number, alias = ''): string {
  const a = alias ? `${alias}.` : '';
  return `${a}tenant_id = ${tenantLiteral(tenantId)} AND ${a}seq <= ${watermarkLiteral(watermark)}`;
}

/** The current tenant's index, if it has one (RLS limits the registry to the tenant in the transaction). */
export async function readTenantVectorIndex(m: EntityManager, tenantId: string): Promise<TenantVectorIndex | undefined> {
  const [row] = await m.query(`SELECT index_name, watermark, indexed_rows FROM vector_indexes WHERE tenant_id = $1`, [tenantId]);
  return row ? { indexName: row.index_name, watermark: Number(row.watermark), indexedRows: Number(row.indexed_rows) } : undefined;
}

/**
 * hnsw.ef_search for a search over an index of `indexedRows` rows that must
 * yield `candidates` rows. Measured on 200k × 1536 (bench/RESULTS.md, "ef_search"):
 * recall of off-topic queries keeps rising up to ~400 on a 12k-row index and
 * ~800 on a 42k-row one, while on-topic queries are saturated at 100.
 */
export function efSearchFor(indexedRows: number, candidates: number, fixed = 0): number {
  if (fixed > 0) return Math.max(fixed, candidates);
  const bySize = indexedRows <= 15_000 ? 400 : indexedRows <= 30_000 ? 600 : 800;
  return Math.min(1000, Math.max(bySize, candidates));
}
