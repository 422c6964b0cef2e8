import type { EntityManager } from 'typeorm';

/**
 * A tenant's own HNSW index, one per embedding set: an expression index on
 * `embedding::halfvec(<set's dimensions>)`, partial `WHERE tenant_id = '<tenant>'
 * AND set_id = <set> AND seq <= <watermark>` on embeddings. Rows above the
 * watermark were written after the build and are searched exactly until the
 * next rebuild. (The name needs no set: seq is unique across sets, so two sets'
 * watermarks never meet.)
 */
export interface TenantVectorIndex {
  indexName: string;
  watermark: number;
  indexedRows: number;
}

/** Which rows an index covers: the literals of its predicate. */
export interface IndexedRows {
  tenantId: string;
  setId: number;
  watermark: number;
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

export function setLiteral(setId: number): string {
  if (!Number.isSafeInteger(setId) || setId < 1) throw new Error(`bad embedding set ${setId}`);
  return String(setId);
}

/**
 * The indexed expression: the column has no fixed dimension (sets of different models
 * share it), an HNSW index needs one, and a query must repeat the cast to use the index.
 */
export function indexedVector(dimensions: number, alias = ''): string {
  if (!Number.isSafeInteger(dimensions) || dimensions < 1 || dimensions > 16000) throw new Error(`bad dimensions ${dimensions}`);
  return `(${alias ? `${alias}.` : ''}embedding::halfvec(${dimensions}))`;
}

/** Index names carry the tenant and the watermark, so a rebuild never collides with the index it replaces. */
export function vectorIndexName(tenantId: string, watermark: number): string {
  return `embeddings_hnsw_t_${tenantId.replace(/-/g, '')}_${watermarkLiteral(watermark)}`;
}

/** The partial-index predicate; search repeats it verbatim so the planner can prove the index applies. */
export function vectorIndexPredicate(rows: IndexedRows, alias = ''): string {
  const a = alias ? `${alias}.` : '';
  return `${a}tenant_id = ${tenantLiteral(rows.tenantId)} AND ${a}set_id = ${setLiteral(rows.setId)} AND ${a}seq <= ${watermarkLiteral(rows.watermark)}`;
}

/** A registry row as any query reads it (bigint columns come back as text). */
export interface VectorIndexRow {
  index_name?: string | null;
  watermark?: string | number | null;
  indexed_rows?: string | number | null;
}

/** The index of one of the current tenant's sets, if it has one (RLS limits the registry to the tenant in the transaction). */
export async function readTenantVectorIndex(m: EntityManager, tenantId: string, setId: number): Promise<TenantVectorIndex | undefined> {
  const [row] = await m.query<VectorIndexRow[]>(
    `SELECT index_name, watermark, indexed_rows FROM vector_indexes WHERE tenant_id = $1 AND set_id = $2`,
    [tenantId, setId],
  );
  return toTenantVectorIndex(row);
}

/** A registry row (index_name, watermark, indexed_rows) as read by any query; undefined when the columns are NULL. */
export function toTenantVectorIndex(row: VectorIndexRow | undefined): TenantVectorIndex | undefined {
  return row?.index_name
    ? { indexName: row.index_name, watermark: Number(row.watermark), indexedRows: Number(row.indexed_rows) }
    : undefined;
}

/**
 * hnsw.ef_search for a search that must yield `candidates` rows. Measured on
 * 200k × 1536 (bench/RESULTS.md, "ef_search on the largest bucket"): on-topic
 * recall is 1.00 from 200; off-topic recall keeps rising with ef (0.66 at 200,
 * 0.80 at 400, 0.92 at 800) but so does the time, and 400 is the largest
 * value whose p95 on the largest tenants stays within 20 ms (15.9 ms; 800:
 * 26 ms). VECTOR_SEARCH_EF sets another value.
 */
export const DEFAULT_EF_SEARCH = 400;

export function efSearchFor(candidates: number, fixed = 0): number {
  return Math.min(1000, Math.max(fixed > 0 ? fixed : DEFAULT_EF_SEARCH, candidates));
}
