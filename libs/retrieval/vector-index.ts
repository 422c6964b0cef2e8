import type { EntityManager } from 'typeorm';

/**
 * How a set's own index finds neighbours (bench/LAYOUT.md, section 7):
 * - ivfflat: k-means lists of about VECTOR_IVF_LIST_ROWS rows; a search reads VECTOR_IVF_PROBE_PERCENT of the lists
 *   nearest the query, every row in them compared. Built in seconds; its cost grows with the set's size.
 * - hnsw: a graph (m, ef_construction); cost grows with the log of the size, but a query far from all the set's rows
 *   (off-topic) meets nearly equidistant candidates and the greedy walk stops early: recall 0.65–0.82 on the largest
 *   bench tenants against IVF's 0.97–0.99 in about the same time. On-topic it settles quickly, where IVF reading its
 *   full share served about half HNSW's searches per second through the API; with focused probes (below) and lists of
 *   250 rows, 0.74–1.14× (median 0.92×, bench/RESULTS-api-lists.md).
 *   Used above VECTOR_IVF_MAX_ROWS, where IVF's reads would be too slow.
 */
export type VectorIndexMethod = 'ivfflat' | 'hnsw';

/**
 * A tenant's own vector index, one per embedding set: an expression index on
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
  method: VectorIndexMethod;
  /** IVF lists (0 for HNSW). */
  lists: number;
  /** Whether the registry holds the set's centres (IVF only): search reads fewer lists for a question near one of them. */
  centred: boolean;
  /**
   * 1, or 2 for a large IVF set (VECTOR_IVF_SPLIT_ROWS): two indexes, over its even and its odd seqs, `lists` lists each,
   * which a search reads at once on two connections (vectorIndexPartNames; bench/LAYOUT.md, section 11).
   */
  parts: number;
}

/** Which rows an index covers, and which index it is: the literals of its predicate. */
export interface IndexedRows {
  tenantId: string;
  setId: number;
  watermark: number;
  method: VectorIndexMethod;
  /** The half of a split index (parts 2): its rows are those whose seq % 2 is this. */
  part?: VectorIndexPart;
}

export type VectorIndexPart = 0 | 1;

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

const NAME_PREFIX: Record<VectorIndexMethod, string> = { hnsw: 'embeddings_hnsw_t_', ivfflat: 'embeddings_ivf_t_' };

/** A set's vector index by name, of either method, whole or one half of a split one; group 1 is the tenant's id without dashes. */
export const VECTOR_INDEX_NAME = /^embeddings_(?:hnsw|ivf)_t_([0-9a-f]{32})_[0-9]+(?:_p[01])?$/;

/**
 * Index names carry the method, the tenant and the watermark, so a rebuild never collides with the index it replaces
 * (not even one of the other method at the same watermark, when VECTOR_IVF_MAX_ROWS changes); the halves of a split
 * index end in _p0 and _p1 (the registry names the first).
 */
export function vectorIndexName(tenantId: string, watermark: number, method: VectorIndexMethod, part?: VectorIndexPart): string {
  tenantLiteral(tenantId); // throws unless a canonical uuid: the name goes into DDL
  return `${NAME_PREFIX[method]}${tenantId.replace(/-/g, '')}_${watermarkLiteral(watermark)}${part === undefined ? '' : `_p${part}`}`;
}

/** The names of a set's indexes built at `watermark`: one, or the two halves of a split one (parts 2), the first first. */
export function vectorIndexNames(tenantId: string, watermark: number, method: VectorIndexMethod, parts: number): string[] {
  return parts === 2
    ? [vectorIndexName(tenantId, watermark, method, 0), vectorIndexName(tenantId, watermark, method, 1)]
    : [vectorIndexName(tenantId, watermark, method)];
}

/** Every index a registry row stands for: its own name, and for a split index (parts 2) its second half's. */
export function vectorIndexPartNames(index: Pick<TenantVectorIndex, 'indexName' | 'parts'>): string[] {
  if (index.parts !== 2) return [index.indexName];
  if (!index.indexName.endsWith('_p0')) throw new Error(`a split index's registry name ends in _p0: ${index.indexName}`);
  return [index.indexName, `${index.indexName.slice(0, -1)}1`];
}

/** The same in SQL, over a registry row's columns (index_name, parts). */
export const VECTOR_INDEX_PART_NAMES_SQL = `CASE WHEN parts = 2 THEN ARRAY[index_name, left(index_name, -1) || '1'] ELSE ARRAY[index_name] END`;

/**
 * How many indexes a set gets: two halves for an IVF set of VECTOR_IVF_SPLIT_ROWS rows or more (0: never), one otherwise.
 * A search reads both halves at once on two connections, in 0.65× the time of one index over the set, for the same rows
 * read (bench/LAYOUT.md, sections 10 and 11).
 */
export function vectorIndexPartsFor(method: VectorIndexMethod, rows: number, splitRows: number): number {
  return method === 'ivfflat' && splitRows > 0 && rows >= splitRows ? 2 : 1;
}

/** The method a set of `rows` rows gets (ivfMaxRows 0 = HNSW whatever the size). */
export function vectorIndexMethodFor(rows: number, ivfMaxRows: number): VectorIndexMethod {
  return ivfMaxRows > 0 && rows <= ivfMaxRows ? 'ivfflat' : 'hnsw';
}

/**
 * Whether an index of `method` over `rows` rows should be rebuilt by the other method. Not within 5 % of
 * VECTOR_IVF_MAX_ROWS: the method is chosen from the rows counted before a build and the registry keeps those counted
 * after it, so deletes during a build could otherwise ask for a second whole rebuild at once.
 */
export function vectorIndexMethodStale(method: VectorIndexMethod, rows: number, ivfMaxRows: number): boolean {
  return method !== vectorIndexMethodFor(rows, ivfMaxRows) && Math.abs(rows - ivfMaxRows) > ivfMaxRows * 0.05;
}

/**
 * Whether a set's index should be rebuilt for its layout, though no rows call for it: built by the other method than its
 * size calls for (vectorIndexMethodStale), or an IVF index with more than twice or less than half the lists
 * VECTOR_IVF_LIST_ROWS gives its rows (built before the lists became finer, or the setting changed; bench/LAYOUT.md,
 * section 9). Search reads it correctly until then: its probes are a share of its own lists.
 */
export function vectorIndexLayoutStale(
  index: Pick<TenantVectorIndex, 'method' | 'indexedRows' | 'lists' | 'parts'>,
  s: { ivfMaxRows: number; ivfListRows: number; ivfSplitRows: number },
): boolean {
  if (vectorIndexMethodStale(index.method, index.indexedRows, s.ivfMaxRows)) return true;
  if (index.method !== 'ivfflat' || index.lists < 1) return false;
  // Split or not by its size, not within 5 % of VECTOR_IVF_SPLIT_ROWS (the same reason as the method's).
  if (
    index.parts !== vectorIndexPartsFor(index.method, index.indexedRows, s.ivfSplitRows) &&
    Math.abs(index.indexedRows - s.ivfSplitRows) > s.ivfSplitRows * 0.05
  )
    return true;
  const want = ivfListsFor(index.indexedRows / Math.max(1, index.parts), s.ivfListRows);
  return index.lists > want * 2 || index.lists * 2 < want;
}

/** pgvector's most IVF lists (and so the most probes). */
export const IVF_MAX_LISTS = 32_768;

/**
 * IVF lists for `rows` rows: one per `rowsPerList` (VECTOR_IVF_LIST_ROWS, 250; pgvector's guidance is rows / 1000 up to a
 * million rows, but finer lists hold more of a question's nearest rows in the same share: bench/LAYOUT.md, section 9).
 */
export function ivfListsFor(rows: number, rowsPerList: number): number {
  return Math.max(1, Math.min(IVF_MAX_LISTS, Math.round(rows / Math.max(1, rowsPerList))));
}

/**
 * The share of lists a search reads, in %: measured on the largest bench tenants (LAYOUT.md, section 7), recall@10 of
 * off-topic queries depends mostly on the share read: with one list per 1 000 rows 25 % gave 0.94–0.95 on the largest
 * tenant, 30 % 0.96–0.99 there but 0.93–0.95 over the three largest in the bench, 35 % 0.97–0.995 on each; one list per
 * 250 rows (section 9) gives a little more at each share (35 %: 0.987–0.991 on the three largest, 0.97 on the
 * LocalEmbedder's vectors). VECTOR_IVF_PROBE_PERCENT sets another value.
 */
export const DEFAULT_IVF_PROBE_PERCENT = 35;

/** ivfflat.probes for an index of `lists` lists. */
export function ivfProbesFor(lists: number, percent = DEFAULT_IVF_PROBE_PERCENT): number {
  return Math.max(1, Math.min(lists, Math.ceil((lists * percent) / 100)));
}

/**
 * ivfProbesFor() in SQL, for a statement that reads the lists from the registry and sets the probes in the same round
 * trip (search's prepare()). Integer arithmetic, as in ivfProbesFor; test/retrieval/index-maintenance checks the two agree.
 */
export function ivfProbesSql(listsSql: string, percent = DEFAULT_IVF_PROBE_PERCENT): string {
  if (!Number.isSafeInteger(percent) || percent < 1 || percent > 100) throw new Error(`bad probe percent ${percent}`);
  return `greatest(1, least(${listsSql}, (${listsSql} * ${percent} + 99) / 100))`;
}

/**
 * Focused probes: a question near one of the set's topics finds its ten nearest rows in the few lists around that topic;
 * only a question about none of them (off-topic: about as far from every row) needs VECTOR_IVF_PROBE_PERCENT of the
 * lists. Search tells the two apart before reading a list, from the question's cosine distances to the set's centres
 * (IVF_CENTRES k-means centres of its rows, computed by the worker, in vector_indexes.centres): the nearest centre's
 * distance over the median one. Measured (bench/LAYOUT.md, section 8) on two kinds of vectors: the search bench's
 * (on-topic 0.18–0.20, off-topic 0.89–0.98) and the LocalEmbedder's of the API bench's texts, whose distances are all
 * near 1 (on-topic 0.75–0.84, off-topic 0.89–0.97). With one list per 250 rows (VECTOR_IVF_LIST_ROWS, section 9)
 * on-topic recall@10 was 0.998–1.00 reading 7.5 % of the lists of the bench's three largest tenants and 1.00 reading
 * 8 % of the LocalEmbedder's (0.99 at 5 %), but 0.95 at 8 % on the completeness test's noisier vectors (8 of 96 lists)
 * and 1.00 at 10 %: 10 % for a margin. Below VECTOR_IVF_FOCUS_RATIO (0.86) a search reads
 * VECTOR_IVF_FOCUSED_PROBE_PERCENT (10 %); anything else, including a set without centres yet, the full share.
 * Off-topic questions sat at 0.89 or more on both kinds of vectors; on-topic ones depend on how far the model spreads a
 * topic from the rest, so a model that spreads less reads the full share.
 */
export const DEFAULT_IVF_FOCUSED_PROBE_PERCENT = 10;
export const DEFAULT_IVF_FOCUS_RATIO = 0.86;

/**
 * Centres per set, whatever its lists: a question must find a centre of its own topic, and a set can hold more topics
 * than lists (the API bench's 40 topics in 20 lists: with 20 or 64 centres on- and off-topic ratios overlapped, with 128
 * they did not). Each costs a distance per search (about 1 µs) and 3 KB of the registry row; 128 took ~2 s to compute.
 */
export const IVF_CENTRES = 128;

/** The probe settings of a search (VectorIndexSettings' names). */
export interface IvfProbeSettings {
  ivfProbePercent: number;
  /** 0: every search reads ivfProbePercent. */
  ivfFocusedProbePercent: number;
  ivfFocusRatio: number;
}

/** The share of lists to read, given the question's focus ratio (null: no centres, or not an IVF index). */
export function ivfProbePercentFor(focus: number | null, s: IvfProbeSettings): number {
  return s.ivfFocusedProbePercent > 0 && focus !== null && focus < s.ivfFocusRatio ? s.ivfFocusedProbePercent : s.ivfProbePercent;
}

/**
 * ivfProbesFor(lists, ivfProbePercentFor(focus)) in SQL, for prepare()'s statement on one node (`focusSql` NULL: no
 * centres); the completeness test checks the probes it sets against ivfProbesFor.
 */
export function ivfFocusedProbesSql(listsSql: string, focusSql: string, s: IvfProbeSettings): string {
  const full = ivfProbesSql(listsSql, s.ivfProbePercent);
  if (s.ivfFocusedProbePercent === 0) return full;
  if (!Number.isFinite(s.ivfFocusRatio)) throw new Error(`bad focus ratio ${s.ivfFocusRatio}`);
  return `(CASE WHEN ${focusSql} < ${s.ivfFocusRatio} THEN ${ivfProbesSql(listsSql, s.ivfFocusedProbePercent)} ELSE ${full} END)`;
}

/**
 * SQL: the question's focus ratio (see DEFAULT_IVF_FOCUS_RATIO) over the centres in `centresSql` (a halfvec[]); NULL when
 * there are none. `querySql` must be a halfvec of the centres' dimensions.
 */
export function ivfFocusSql(centresSql: string, querySql: string): string {
  return `(SELECT min(x.d) / NULLIF(percentile_cont(0.5) WITHIN GROUP (ORDER BY x.d), 0)
           FROM (SELECT c <=> ${querySql} AS d FROM unnest(${centresSql}) c) x)`;
}

/**
 * The partial-index predicate (of one half, given `part`); search repeats it verbatim so the planner can prove the index
 * applies, and only that index: its last condition is one no row fails (seq is never negative) that names the index, by
 * its watermark, method and half. Without it, a rebuild's new index (rows up to a higher watermark) has a predicate the
 * old watermark's search implies, and it is valid a moment before the worker registers it: the planner could read it with
 * the probes set for the registered index's lists, half the share when it has twice the lists (measured in
 * the completeness test: it did). An index built before this condition existed has none; its search still implies its
 * predicate, and never a newer index's.
 */
export function vectorIndexPredicate(rows: IndexedRows, alias = ''): string {
  const a = alias ? `${alias}.` : '';
  const half = rows.part === undefined ? '' : ` AND (${a}seq % 2) = ${rows.part === 1 ? 1 : 0}`;
  return `${a}tenant_id = ${tenantLiteral(rows.tenantId)} AND ${a}set_id = ${setLiteral(rows.setId)} AND ${a}seq <= ${watermarkLiteral(rows.watermark)}${half} AND ${a}seq <> ${vectorIndexKey(rows)}`;
}

/** The index's own negative number: distinct for every watermark, method and half (whole, 0, 1). */
function vectorIndexKey(rows: IndexedRows): string {
  const kind = (rows.method === 'hnsw' ? 3n : 0n) + (rows.part === undefined ? 0n : rows.part === 1 ? 2n : 1n);
  return String(-(BigInt(watermarkLiteral(rows.watermark)) * 6n + kind) - 1n);
}

/** A registry row as any query reads it (bigint columns come back as text). */
export interface VectorIndexRow {
  index_name?: string | null;
  watermark?: string | number | null;
  indexed_rows?: string | number | null;
  method?: string | null;
  lists?: string | number | null;
  centred?: boolean | null;
  parts?: string | number | null;
}

/** The index of one of the current tenant's sets, if it has one (RLS limits the registry to the tenant in the transaction). */
export async function readTenantVectorIndex(m: EntityManager, tenantId: string, setId: number): Promise<TenantVectorIndex | undefined> {
  const [row] = await m.query<VectorIndexRow[]>(
    `SELECT index_name, watermark, indexed_rows, method, lists, centres IS NOT NULL AS centred, parts FROM vector_indexes WHERE tenant_id = $1 AND set_id = $2`,
    [tenantId, setId],
  );
  return toTenantVectorIndex(row);
}

/** A registry row (index_name, watermark, indexed_rows, method, lists, centred, parts) as read by any query; undefined when the columns are NULL. */
export function toTenantVectorIndex(row: VectorIndexRow | undefined): TenantVectorIndex | undefined {
  return row?.index_name
    ? {
        indexName: row.index_name,
        watermark: Number(row.watermark),
        indexedRows: Number(row.indexed_rows),
        method: row.method === 'ivfflat' ? 'ivfflat' : 'hnsw',
        lists: Number(row.lists ?? 0),
        centred: row.centred === true,
        parts: Number(row.parts ?? 1) === 2 ? 2 : 1,
      }
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
