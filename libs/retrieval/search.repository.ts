import type { EntityManager } from 'typeorm';
import type { ProviderKind } from '../config/config.js';
import type { VectorIndexSettings } from '../config/config.js';
import { vectorLiteral } from '../database/embeddings/vector-literal.js';
import { borrowIdleConnection, type BorrowedConnection } from '../database/idle-connection.js';
import { queryNamed } from '../database/named-statement.js';
import { databaseMode, setLocal, setLocalStatements, tenantSetting } from '../database/transaction-settings.js';
import { EmbeddingSetChanged, type QueryModel } from '../embedding-sets/active-sets.js';
import { keywordQuery, keywordTiers, type KeywordQuery } from './keyword-query.js';
import { DEFAULT_SEARCH_CONFIG, installedConfigs, installedOrNull, SEARCH_LANGUAGE } from './search-language.js';
import type { SearchHit, SearchMode, SearchScope } from './search.types.js';
import {
  DEFAULT_IVF_FOCUS_RATIO,
  DEFAULT_IVF_FOCUSED_PROBE_PERCENT,
  DEFAULT_IVF_PROBE_PERCENT,
  efSearchFor,
  IVF_MAX_LISTS,
  indexedVector,
  ivfFocusedProbesSql,
  ivfFocusSql,
  ivfProbePercentFor,
  ivfProbesFor,
  type IvfProbeSettings,
  tenantLiteral,
  toTenantVectorIndex,
  vectorIndexPredicate,
  watermarkLiteral,
  type TenantVectorIndex,
  type VectorIndexPart,
  type VectorIndexRow,
} from './vector-index.js';

/**
 * Hybrid fusion: each list's scores scaled to [0, 1] over its candidates (min-max), then
 * VECTOR_WEIGHT × vector + (1 − VECTOR_WEIGHT) × keyword. Measured against Reciprocal Rank
 * Fusion on the eval (bench/EVAL.md, "Fusion"): at 0.6 it was at least as good on every
 * figure, and a strong vector hit keeps its lead, where RRF, which sees only ranks, could
 * push it below chunks ranked middling by both sides.
 */
const VECTOR_WEIGHT = 0.6;

/**
 * Hybrid's heading boost: a candidate gains HEADING_WEIGHT × the share of the query's content words
 * (its lexemes by the chunk's text search configuration, stop words dropped) found in the chunk's
 * heading path. A question naming a page's subject ("What are foreign key constraints?") then
 * prefers that page's own section to chunks that merely use its words (bench/EVAL.md, "Steps").
 */
const HEADING_WEIGHT = 0.5;

/**
 * Words of a query that reach the tsquery. A 4,000-character query made an
 * 839-node tsquery costing ~11 ms per chunk; a question needs far fewer
 * words, and the vector side still reads the whole text.
 */
export const MAX_KEYWORD_TERMS = 32;

export const queryWords = (query: string) => query.split(/\s+/).filter(Boolean);

/** The query as the keyword side sees it: its first MAX_KEYWORD_TERMS words. */
export const keywordText = (query: string) => queryWords(query).slice(0, MAX_KEYWORD_TERMS).join(' ');

export interface SearchParams extends SearchScope {
  tenantId: string;
  vector: number[];
  /**
   * The embedding set `vector` was made for (its model). When another set is active by the
   * time the search reads, it throws EmbeddingSetChanged naming that set: the caller embeds
   * the query again with its model. Unset: the active set, whichever it is.
   */
  setId?: number;
  query: string;
  /**
   * Text search configuration of the query, over every chunk. When not given: each configuration its documents are
   * indexed with (documents.search_config), or the tenant's own when none says (settings.searchLanguage).
   */
  language?: string;
  topK: number;
  mode: SearchMode;
  minScore?: number;
}

/** A text search configuration the keyword side reads the query with, and the query's lexemes in it, in the query's order. */
interface KeywordConfig {
  cfg: string;
  lexemes: string[];
}

/**
 * The query's lexemes ($2: its words) in a configuration: to_tsvector, stop words dropped, in the order of the query.
 * Read in prepare()'s statement, or on its own for a tenant none of whose documents names a configuration yet.
 */
const lexemesIn = (config: string) =>
  `(SELECT COALESCE(array_agg(l.lexeme ORDER BY l.positions[1]), '{}'::text[]) FROM unnest(to_tsvector(${config}, $2::text)) l)`;

/**
 * prepare()'s column for the keyword side ($1 tenant, $2 the query's words, $3 the query's own language or NULL): the
 * configurations the query is read with, each with its lexemes, as JSON. With a language given, that one; otherwise each
 * configuration in use among the tenant's documents (a German document's chunks are matched by the query's German
 * lexemes); none when no document names one yet. Read in prepare()'s statement, not in two more round trips.
 */
const KEYWORD_CONFIGS_SQL = `CASE WHEN $3::text IS NOT NULL
  THEN json_build_array(json_build_object('cfg', $3::text, 'lexemes', ${lexemesIn('$3::text::regconfig')}))
  ELSE (SELECT COALESCE(json_agg(json_build_object('cfg', c.cfg, 'lexemes', ${lexemesIn('c.cfg::regconfig')})), '[]'::json)
        FROM (SELECT DISTINCT d.search_config::text AS cfg FROM documents d WHERE d.tenant_id = $1 AND d.search_config IS NOT NULL) c)
  END`;

/** How the vector side ran: for tests, the bench and EXPLAIN, not for callers. */
export type VectorPath = 'exact' | 'index' | 'index+exact-fallback';

/**
 * How a split index's halves were read (TenantVectorIndex.parts): at once, the second on a borrowed idle connection, or
 * one after the other in one statement (no idle connection, no free slot in the tenant's share, or Citus).
 */
export type SplitRead = 'parallel' | 'serial';

/** What prepare() read that a split index's second connection repeats: the probes it set, and the snapshot to share. */
interface IndexSettings {
  probes: number;
  ef: number;
  /** pg_export_snapshot() of the search's transaction (one node, split index, a vector side to read). */
  snapshot: string | null;
  /**
   * The tenant the search's transaction is set to (TenantSubscriber's setting, which its RLS applies): the second
   * connection is set to it, and borrowed only when it is the tenant the search names.
   */
  tenant: string | null;
  /**
   * Whether the statements whose text holds no tenant (prepare()'s, the exact scan, the details) run as named statements
   * with their plans kept (one node; see prepare()). Citus plans each statement for the shards it reaches: not there.
   */
  named: boolean;
}

/** One search's read of a split index: the search, its set, the query's vector literal, how many, the index, prepare()'s settings. */
interface SplitIndexRead {
  p: SearchParams;
  set: SearchedSet;
  vec: string;
  n: number;
  index: TenantVectorIndex;
  indexSettings: IndexSettings;
}

/** pg_export_snapshot()'s identifiers (checked: it goes into a statement as a literal). */
const SNAPSHOT_ID = /^[0-9A-F]+-[0-9A-F]+-[0-9]+$/i;

interface Ranked {
  id: string;
  distance?: number;
}

/** The set a search reads: the tenant's active one, as its transaction sees it. */
interface SearchedSet {
  id: number;
  dimensions: number;
}

/**
 * The search SQL. The access path is chosen here from what the service knows,
 * never from the planner's guess of a tenant's size (a brand-new tenant has no
 * statistics, and a global index scan filtered by tenant could give up before
 * meeting its rows):
 *
 * - a tenant without its own index, or a scope smaller than
 *   VECTOR_INDEX_MIN_ROWS, is searched exactly: every row in scope is compared;
 * - a tenant with its own vector index (vector-index.ts) is searched through it,
 *   plus an exact scan of the rows written since it was built; if that yields
 *   fewer rows than asked for, an exact scan in the same transaction replaces it.
 *
 * The keyword side runs in search_keyword() so that it can use the GIN index
 * under RLS (see the migration SearchLayout1764000002000).
 *
 * Only the tenant's active embedding set is read (every chunk has a row per set
 * while a switch runs); run it in one snapshot (TenantDb.snapshot) so that a
 * switch committing meanwhile cannot change the set between its statements.
 */
export class SearchRepository {
  /**
   * Which vector path the last search on this instance took. For tests and the bench, which
   * search one at a time; a shared instance under concurrent requests keeps only the latest.
   */
  lastVectorPath: VectorPath | undefined;
  /** The share of IVF lists the last search read, in % (undefined: no IVF index). Same caveat as lastVectorPath. */
  lastIvfProbePercent: number | undefined;
  /** How the last search read a split index's halves (undefined: no split index read). Same caveat as lastVectorPath. */
  lastSplitRead: SplitRead | undefined;

  constructor(
    private readonly settings: Pick<VectorIndexSettings, 'minRows' | 'efSearch' | 'searchTimeoutMs'> &
      Partial<Pick<VectorIndexSettings, 'ivfProbePercent' | 'ivfFocusedProbePercent' | 'ivfFocusRatio' | 'namedStatements'>>,
  ) {}

  private get probes(): IvfProbeSettings {
    return {
      ivfProbePercent: this.settings.ivfProbePercent ?? DEFAULT_IVF_PROBE_PERCENT,
      ivfFocusedProbePercent: this.settings.ivfFocusedProbePercent ?? DEFAULT_IVF_FOCUSED_PROBE_PERCENT,
      ivfFocusRatio: this.settings.ivfFocusRatio ?? DEFAULT_IVF_FOCUS_RATIO,
    };
  }

  async search(m: EntityManager, p: SearchParams): Promise<SearchHit[]> {
    this.lastVectorPath = undefined;
    this.lastIvfProbePercent = undefined;
    this.lastSplitRead = undefined;
    const vec = vectorLiteral(p.vector);
    // First the transaction's settings, the tenant's index and its language (prepare()).
    const candidates = p.mode === 'hybrid' ? Math.max(p.topK * 4, 40) : p.topK;
    const kq = p.mode === 'vector' ? undefined : keywordQuery(keywordText(p.query));
    const { index, language, set, common, keywordConfigs, indexSettings } = await this.prepare(
      m,
      p.tenantId,
      efSearchFor(candidates, this.settings.efSearch),
      { literal: vec, dimensions: p.vector.length, read: p.mode !== 'keyword' },
      kq && { words: kq.words, language: p.language ?? null },
    );
    if (!set) return []; // no set, no chunks: a tenant gets its first set before its first chunk
    if ((p.setId !== undefined && p.setId !== set.id) || p.vector.length !== set.dimensions) throw new EmbeddingSetChanged(set);
    if (!p.language) p = { ...p, language };
    if (p.mode === 'vector') {
      // One statement finds the nearest chunks and reads their content (no details() round trip).
      const { hits, rows } = await this.nearest(m, p, set, vec, p.topK, index, indexSettings, { kind: 'details' });
      return toHits(p, rows, new Map(hits.map((h) => [h.id, 1 - h.distance!])));
    }
    let ranked: { id: string; score: number }[];
    if (p.mode === 'keyword') {
      ranked = (await this.keyword(m, p, kq!, p.topK, keywordConfigs, common)).map((h) => ({ id: h.id, score: h.rank }));
    } else {
      const keywordHits = await this.keyword(m, p, kq!, candidates, keywordConfigs, common);
      // The heading shares of the vector and keyword candidates come with the vector statement (no round trip of their own).
      const words = kq!.words;
      const { hits: vectorHits, shares } = await this.nearest(
        m,
        p,
        set,
        vec,
        candidates,
        index,
        indexSettings,
        words ? { kind: 'shares', keywordIds: keywordHits.map((h) => h.id), words } : { kind: 'none' },
      );
      ranked = fuse(vectorHits, keywordHits, shares).slice(0, p.topK);
    }
    if (!ranked.length) return [];
    return this.details(m, p, set, vec, ranked, indexSettings.named);
  }

  /**
   * The `n` nearest chunks in scope, exactly or through the tenant's index (see the class comment), with what `extras` asks
   * for read in the same statement (see VectorExtras).
   */
  private async nearest(
    m: EntityManager,
    p: SearchParams,
    set: SearchedSet,
    vec: string,
    n: number,
    index: TenantVectorIndex | undefined,
    indexSettings: IndexSettings,
    extras: VectorExtras,
  ): Promise<Nearest> {
    const rowsInScope = index && (isScoped(p) ? await this.scopeRows(m, p) : index.indexedRows);
    if (!index || !rowsInScope || rowsInScope < this.settings.minRows) {
      this.lastVectorPath = 'exact';
      return this.exact(m, p, set, vec, n, extras, indexSettings.named);
    }
    const found = await this.throughIndex(m, p, set, vec, n, index, indexSettings, extras);
    if (found.hits.length >= n) {
      this.lastVectorPath = 'index';
      return found;
    }
    // Fewer than asked for: either the scope really is that small, or the
    // approximate scan gave up early. Only an exact scan can tell; it is
    // what a small result costs, and it can never lose a row.
    this.lastVectorPath = 'index+exact-fallback';
    return this.exact(m, p, set, vec, n, extras, indexSettings.named);
  }

  /**
   * Every row in scope, compared. The ORDER BY sits outside a materialized CTE
   * so no vector index can be used; sequential scans are off (see prepare()).
   */
  private exact(
    m: EntityManager,
    p: SearchParams,
    set: SearchedSet,
    vec: string,
    n: number,
    extras: VectorExtras,
    named: boolean,
  ): Promise<Nearest> {
    const params: unknown[] = [];
    const bind = (v: unknown) => `$${params.push(v)}`;
    const q = `${bind(vec)}::halfvec`;
    const tenant = bind(p.tenantId);
    const setId = bind(set.id);
    const ctes = [
      `c AS MATERIALIZED (
         SELECT e.id, e.embedding <=> ${q} AS distance FROM embeddings e
         WHERE e.tenant_id = ${tenant} AND e.set_id = ${setId} ${this.scopeSql(p, bind, tenant)})`,
      `hits AS MATERIALIZED (SELECT id, distance FROM c ORDER BY distance, id LIMIT ${bind(n)})`,
    ];
    return this.runNearest(statementsOf(m, named), ctes, params, bind, tenant, setId, extras);
  }

  /**
   * The tenant's vector index of the set (its expression and predicate repeated
   * literally, so the planner proves it applies; sorts off, so nothing but the
   * index can produce the order), unioned with an exact scan of the set's rows
   * above the watermark. A split index (parts 2) is read half on this connection and half on an idle one of the pool,
   * at once, in this transaction's snapshot (readHalvesAtOnce); without an idle connection, both halves here.
   */
  private async throughIndex(
    m: EntityManager,
    p: SearchParams,
    set: SearchedSet,
    vec: string,
    n: number,
    index: TenantVectorIndex,
    indexSettings: IndexSettings,
    extras: VectorExtras,
  ): Promise<Nearest> {
    if (index.parts === 2) {
      const helper =
        indexSettings.snapshot && indexSettings.tenant === p.tenantId && m.queryRunner?.isTransactionActive
          ? await borrowIdleConnection(m.connection, p.tenantId)
          : undefined;
      if (helper) {
        this.lastSplitRead = 'parallel';
        return this.readHalvesAtOnce(m, helper, { p, set, vec, n, index, indexSettings }, extras);
      }
      this.lastSplitRead = 'serial';
    }
    const s = this.indexStatement(p, set, vec, n, index, index.parts === 2 ? [0, 1] : [undefined], true);
    return this.runNearest(m, s.ctes, s.params, s.bind, s.tenant, s.setId(), extras);
  }

  /**
   * The CTEs of an index search, ending in `hits` (the `n` nearest, nearest first): one CTE per index read (`parts`: the
   * whole index, or halves of a split one), and with `fresh` the exact scan of the rows above the watermark.
   */
  private indexStatement(
    p: SearchParams,
    set: SearchedSet,
    vec: string,
    n: number,
    index: TenantVectorIndex,
    parts: readonly (VectorIndexPart | undefined)[],
    fresh: boolean,
  ) {
    const params: unknown[] = [];
    const bind = (v: unknown) => `$${params.push(v)}`;
    const q = `${bind(vec)}::halfvec(${set.dimensions})`;
    const tenant = tenantLiteral(p.tenantId);
    const scope = this.scopeSql(p, bind, tenant);
    const k = bind(n);
    // Bound when first named: a parameter no statement names would be refused.
    let setParam: string | undefined;
    const setId = () => (setParam ??= bind(set.id));
    const reads = parts.map((part, i) => ({
      name: `ann${i}`,
      sql: `SELECT e.id, e.embedding <=> ${q} AS distance FROM embeddings e
         WHERE ${vectorIndexPredicate({ tenantId: p.tenantId, setId: set.id, watermark: index.watermark, method: index.method, part }, 'e')} ${scope}
         ORDER BY ${indexedVector(set.dimensions, 'e')} <=> ${q} LIMIT ${k}`,
    }));
    if (fresh)
      reads.push({
        name: 'fresh',
        sql: `SELECT e.id, e.embedding <=> ${q} AS distance FROM embeddings e
         WHERE e.tenant_id = ${tenant} AND e.set_id = ${setId()} AND e.seq > ${watermarkLiteral(index.watermark)} ${scope}`,
      });
    const ctes = [
      ...reads.map((r) => `${r.name} AS MATERIALIZED (\n         ${r.sql})`),
      `hits AS MATERIALIZED (SELECT id, distance FROM (${reads.map((r) => `SELECT * FROM ${r.name}`).join(' UNION ALL ')}) u ORDER BY distance, id LIMIT ${k})`,
    ];
    return { ctes, params, bind, tenant, setId };
  }

  /**
   * A split index's halves at once: the second half on `helper` (an idle pooled connection) in this transaction's snapshot
   * (SET TRANSACTION SNAPSHOT: the same rows, whatever commits meanwhile) and tenant, with the settings prepare() set; the
   * first half and the fresh rows here. Each reads the same share of its half's lists, and what `extras` asks for with
   * its own top n (the keyword candidates' shares here only), so the merge needs no third statement: the nearest n of
   * the two, their rows and shares. 0.76–0.82× the time of both halves on one connection for the search bench's largest
   * tenant, paired (bench/LAYOUT.md, section 11; the statements alone in the lab: 0.65×): the same rows, on two cores.
   */
  private async readHalvesAtOnce(
    m: EntityManager,
    helper: BorrowedConnection,
    read: SplitIndexRead,
    extras: VectorExtras,
  ): Promise<Nearest> {
    const { p, set, vec, n, index } = read;
    // This half's statement first: if building it threw, the helper must go back, not be left reading.
    let first: ReturnType<SearchRepository['indexStatement']>;
    try {
      first = this.indexStatement(p, set, vec, n, index, [0], true);
    } catch (e) {
      helper.done();
      throw e;
    }
    const theirs = this.readOnHelper(helper, read, extras.kind === 'shares' ? { ...extras, keywordIds: [] } : extras);
    theirs.catch(() => undefined); // handled by Promise.all below; never an unhandled rejection meanwhile
    const [a, b] = await Promise.all([
      this.runNearest(m, first.ctes, first.params, first.bind, first.tenant, first.setId(), extras),
      theirs,
    ]);
    // As the statements order them: by distance (NaN, a zero vector's, last, as PostgreSQL sorts it), then by id.
    const key = (d: number | undefined) => (d === undefined || Number.isNaN(d) ? Infinity : d);
    const hits = [...a.hits, ...b.hits]
      .sort((x, y) => key(x.distance) - key(y.distance) || (x.id < y.id ? -1 : x.id > y.id ? 1 : 0))
      .slice(0, n);
    const rows = new Map([...a.rows, ...b.rows].map((r) => [r.id, r]));
    return {
      hits,
      shares: new Map([...b.shares, ...a.shares]),
      rows: hits.flatMap((h) => rows.get(h.id) ?? []), // details only (no rows otherwise)
    };
  }

  /** The second half of a split index on `helper`, in a read-only transaction of its own in the search's snapshot. */
  private async readOnHelper(helper: BorrowedConnection, read: SplitIndexRead, extras: VectorExtras): Promise<Nearest> {
    const { p, set, vec, n, index, indexSettings } = read;
    const { client } = helper;
    try {
      if (!SNAPSHOT_ID.test(indexSettings.snapshot ?? '')) throw new Error(`not a snapshot id: ${indexSettings.snapshot}`);
      // One round trip: SET TRANSACTION SNAPSHOT must come before any query of the transaction, and the settings are
      // prepare()'s (the tenant's setting as TenantSubscriber puts it, RLS applying as everywhere).
      await client.query(
        `BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY; SET TRANSACTION SNAPSHOT '${indexSettings.snapshot}'; ${setLocalStatements({
          ...tenantSetting(p.tenantId),
          ...this.searchSettings(indexSettings.ef),
          'ivfflat.probes': String(indexSettings.probes),
        })}`,
      );
      const s = this.indexStatement(p, set, vec, n, index, [1], false);
      const found = await this.runNearest(
        { query: async (sql: string, params?: unknown[]) => (await client.query<NearestRow>(sql, params)).rows },
        s.ctes,
        s.params,
        s.bind,
        s.tenant,
        extras.kind === 'none' ? '' : s.setId(),
        extras,
      );
      await client.query('COMMIT');
      helper.done();
      return found;
    } catch (e) {
      // A failed statement leaves the transaction aborted: rolled back, the connection goes back; if even that fails, closed.
      await client.query('ROLLBACK').then(
        () => helper.done(),
        (err: Error) => helper.done(err),
      );
      throw e;
    }
  }

  /**
   * Runs a vector statement whose CTEs end in `hits` (id, distance; the nearest first), adding what `extras` asks for:
   * - details: each hit's content, document and pages, joined by the hit's key (the vector search's own result, so
   *   vector mode needs no details() statement);
   * - shares: the heading share (see HEADING_WEIGHT) of each hit and each keyword candidate, as headingShares used to
   *   read it in a statement of its own: the query's lexemes and the heading's, both read with the chunk's configuration.
   *   The candidates are joined by key, not matched by `e.id = ANY (<array built in the statement>)`: under RLS a
   *   condition holding a function that is not leakproof (array_cat) cannot become an index condition below the policy,
   *   and that form read all 42 562 rows of the largest bench tenant (110 ms instead of ~1 ms; measured).
   */
  private async runNearest(
    m: { query(sql: string, params?: unknown[]): Promise<NearestRow[]> },
    ctes: string[],
    params: unknown[],
    bind: (v: unknown) => string,
    tenant: string,
    setId: string,
    extras: VectorExtras,
  ): Promise<Nearest> {
    let select = `SELECT h.id, h.distance FROM hits h ORDER BY h.distance, h.id`;
    // Each hit's row by its key (LATERAL … OFFSET 0: never pulled up into a join the planner could turn around). A generic
    // plan (named statements) knows neither the tenant nor how many hits: it hash-joined the hits to every row of the
    // tenant (9 263 read for 10, 1.5× the search's time; bench/lab/named.mjs).
    if (extras.kind === 'details')
      select = `SELECT h.id, h.distance, (1 - h.distance)::float8 AS similarity, x.document_id, x.filename, x.content, x.page_from, x.page_to, x.section
        FROM hits h
        CROSS JOIN LATERAL (
          SELECT e.document_id, d.filename, e.content, e.page_from, e.page_to, e.section
          FROM embeddings e JOIN documents d ON d.tenant_id = e.tenant_id AND d.id = e.document_id
          WHERE e.tenant_id = ${tenant} AND e.set_id = ${setId} AND e.id = h.id OFFSET 0) x
        ORDER BY h.distance, h.id`;
    if (extras.kind === 'shares') {
      ctes.push(`shares AS MATERIALIZED (
         SELECT e.id, (SELECT count(*) FROM unnest(l.query) w WHERE w = ANY (l.heading))::float8 / cardinality(l.query) AS share
         FROM (SELECT id FROM hits UNION SELECT unnest(${bind(extras.keywordIds)}::uuid[])) c
         JOIN embeddings e ON e.tenant_id = ${tenant} AND e.set_id = ${setId} AND e.id = c.id
         CROSS JOIN LATERAL (SELECT tsvector_to_array(to_tsvector(e.search_config, ${bind(extras.words)}::text)) AS query,
                                    tsvector_to_array(to_tsvector(e.search_config, e.section)) AS heading) l
         WHERE e.section IS NOT NULL AND cardinality(l.query) > 0)`);
      // Hits first, nearest first; then the candidates' shares (distance NULL).
      select = `SELECT u.id, u.distance, u.share FROM (
          SELECT h.id, h.distance, NULL::float8 AS share FROM hits h UNION ALL SELECT s.id, NULL, s.share FROM shares s WHERE s.share > 0) u
        ORDER BY u.distance NULLS LAST, u.id`;
    }
    const rows: NearestRow[] = await m.query(`WITH ${ctes.join(',\n')}\n${select}`, params);
    const hits = rows.filter((r) => r.distance !== null).map((r) => ({ id: r.id, distance: Number(r.distance) }));
    const shares = new Map(rows.filter((r) => r.distance === null).map((r) => [r.id, Number(r.share)]));
    return { hits, shares, rows: extras.kind === 'details' ? rows : [] };
  }

  /**
   * Settings for this transaction only (setLocal: set_config(…, true), or SET LOCAL on Citus), with the tenant's index and language:
   * - jit off: the disabled plan shapes carry huge nominal costs, which made PostgreSQL spend
   *   ~140 ms JIT-compiling a 3 ms query (measured);
   * - enable_seqscan off: a tenant the statistics do not know yet is read through its key, never
   *   by reading the whole table;
   * - enable_sort off: on the index path nothing but the index can produce the order (every other
   *   statement of a search needs its sort whatever the setting, so it only costs them nothing);
   * - HNSW: ef_search, and iterative scans that keep going when a scope filters rows out, up to the
   *   whole index;
   * - IVFFlat: probes, VECTOR_IVF_PROBE_PERCENT of the index's lists (ivfProbesFor), or VECTOR_IVF_FOCUSED_PROBE_PERCENT
   *   for a question near one of the set's centres (its focus ratio, computed here from the registry's centres:
   *   vector-index.ts, DEFAULT_IVF_FOCUS_RATIO), and iterative scans that read on to more lists when a scope filters
   *   rows out. Without a registered IVF index, every list: a
   *   rebuild's new IVF index is valid (and its predicate implied by the old watermark's) a moment before it is
   *   registered, and the planner must not read 1 list of it, nor find it cheap;
   * - statement_timeout (SEARCH_TIMEOUT_MS): a search that cannot finish in time answers 503 and
   *   gives its connection back, instead of holding it for the pool's 30 s;
   * - plan_cache_mode, with named statements (SEARCH_NAMED_STATEMENTS, one node): force_generic_plan for this statement
   *   and, for a tenant without its own index, the exact scan and the details. Their plans hold no tenant (the policies
   *   read it from the setting when a plan runs), so one plan per connection serves every tenant; left to `auto`, a
   *   small tenant's custom plans look cheaper than the generic one and every search would be planned again. `auto` for
   *   a tenant with its own index: its index statement (unnamed, its index's predicate in the text) is planned for its
   *   own values once.
   */
  private async prepare(
    m: EntityManager,
    tenantId: string,
    ef: number,
    query: { literal: string; dimensions: number; read: boolean },
    keyword?: { words: string; language: string | null },
  ): Promise<{
    set?: QueryModel & SearchedSet;
    index?: TenantVectorIndex;
    language: string;
    common: ReadonlySet<string>;
    keywordConfigs: KeywordConfig[];
    indexSettings: IndexSettings;
  }> {
    // The query's vector and its dimensions follow the other parameters. The focus ratio (DEFAULT_IVF_FOCUS_RATIO) is
    // computed in a CASE, so never for a vector of other dimensions than the set's (the check after this statement turns
    // that into EmbeddingSetChanged; a WHERE beside it did not stop the distances), and behind OFFSET 0, so once for both
    // of its uses.
    const vectorParam = keyword ? 4 : 2;
    // Settings first, on their own: a statement's timeout is armed when it starts, so the reads
    // below (which could wait on a lock) must come after it.
    const mode = await databaseMode(m.connection, m);
    const named = mode === 'postgres' && (this.settings.namedStatements ?? true);
    await setLocal(m, mode, { ...this.searchSettings(ef), ...(named ? { plan_cache_mode: 'force_generic_plan' } : {}) });
    // One row, always: the LEFT JOINs keep it when the tenant has no active set or no index.
    const [row] = await statementsOf(m, named).query<
      [
        VectorIndexRow & {
          max_scan_tuples: string;
          language: string | null;
          set_id: number | null;
          provider: ProviderKind | null;
          model: string | null;
          dimensions: number | null;
          keyword_common: string[] | null;
          keyword_configs?: KeywordConfig[] | null;
          focus: number | null;
          snapshot: string | null;
          tx_tenant: string | null;
        },
      ]
    >(
      `SELECT greatest(20000, COALESCE(v.indexed_rows, 0))::text AS max_scan_tuples,
              ${
                mode === 'postgres'
                  ? `${named ? `set_config('plan_cache_mode', CASE WHEN v.index_name IS NULL THEN 'force_generic_plan' ELSE 'auto' END, true),` : ''}
                     set_config('hnsw.max_scan_tuples', greatest(20000, COALESCE(v.indexed_rows, 0))::text, true),
                     set_config('ivfflat.probes', ${ivfFocusedProbesSql(`COALESCE(v.lists, ${IVF_MAX_LISTS})`, 'f.focus', this.probes)}::text, true),`
                  : ''
              }
              (SELECT ${SEARCH_LANGUAGE} FROM tenants t WHERE t.id = $1) AS language, s.id AS set_id, s.provider, s.model, s.dimensions, s.keyword_common, v.index_name, v.watermark, v.indexed_rows, v.method, v.lists, v.parts,
              f.focus, ${mode === 'postgres' && query.read ? `CASE WHEN v.parts = 2 THEN pg_export_snapshot() END` : 'NULL::text'} AS snapshot,
              current_setting('app.current_tenant_id', true) AS tx_tenant
              ${keyword ? `, ${KEYWORD_CONFIGS_SQL} AS keyword_configs` : ''}
       FROM (SELECT 1) one
       LEFT JOIN embedding_sets s ON s.tenant_id = $1 AND s.state = 'active'
       LEFT JOIN vector_indexes v ON v.tenant_id = $1 AND v.set_id = s.id
       LEFT JOIN LATERAL (
         SELECT CASE WHEN v.method = 'ivfflat' AND s.dimensions = $${vectorParam + 1}::int
                     THEN ${ivfFocusSql('v.centres', `$${vectorParam}::halfvec`)}::float8 END AS focus
         OFFSET 0) f ON true`,
      [...(keyword ? [tenantId, keyword.words, keyword.language] : [tenantId]), query.literal, query.dimensions],
    );
    // The scan budget and the probes depend on the row just read: in the same statement on one node; on Citus a SET LOCAL of its own.
    const share = ivfProbePercentFor(row.focus === null ? null : Number(row.focus), this.probes);
    const probes = ivfProbesFor(Number(row.lists ?? IVF_MAX_LISTS), share);
    if (mode === 'citus')
      await setLocal(m, mode, {
        'hnsw.max_scan_tuples': row.max_scan_tuples,
        'ivfflat.probes': String(probes),
      });
    if (row.method === 'ivfflat') this.lastIvfProbePercent = share;
    const set = row.set_id
      ? {
          id: Number(row.set_id),
          setId: Number(row.set_id),
          provider: row.provider!,
          model: row.model!,
          dimensions: Number(row.dimensions),
        }
      : undefined;
    const language = installedOrNull(row.language, await installedConfigs(m)) ?? DEFAULT_SEARCH_CONFIG;
    return {
      set,
      index: toTenantVectorIndex(row),
      language,
      common: new Set(row.keyword_common ?? []),
      keywordConfigs: (row.keyword_configs ?? []).sort((a, b) => (a.cfg < b.cfg ? -1 : a.cfg > b.cfg ? 1 : 0)),
      indexSettings: { probes, ef, snapshot: row.snapshot, tenant: row.tx_tenant, named },
    };
  }

  /** The settings of every search statement (prepare()'s comment says why each), but the scan budget and the probes. */
  private searchSettings(ef: number): Record<string, string> {
    return {
      statement_timeout: String(this.settings.searchTimeoutMs),
      jit: 'off',
      enable_seqscan: 'off',
      enable_sort: 'off',
      'hnsw.ef_search': String(ef),
      'hnsw.iterative_scan': 'relaxed_order',
      'ivfflat.iterative_scan': 'relaxed_order',
    };
  }

  /**
   * Keyword candidates from search_keyword(), which reads the tenant from the transaction's setting like the policies do.
   * The query is read with each text search configuration in use among the tenant's documents (documents.search_config:
   * a German document's chunks are matched by the query's German lexemes, an English one's by its English ones); with
   * one configuration (or `language` given) over every chunk. Candidates of all configurations are merged by score,
   * best `n` kept. The configurations and the query's lexemes in each come from prepare()'s statement.
   */
  private async keyword(
    m: EntityManager,
    p: SearchParams,
    kq: KeywordQuery,
    n: number,
    prepared: readonly KeywordConfig[],
    common: ReadonlySet<string>,
  ): Promise<{ id: string; rank: number }[]> {
    // prepare() read the configurations and the query's lexemes in each; a tenant none of whose documents names its
    // configuration yet reads the query with its own (p.language), the lexemes then asked for here.
    const configs: { cfg: string; lexemes?: readonly string[] }[] = prepared.length
      ? [...prepared]
      : [{ cfg: p.language ?? DEFAULT_SEARCH_CONFIG }];
    if (configs.length === 1) return this.keywordIn(m, p, kq, configs[0]!, null, n, common);
    const found: { id: string; rank: number }[] = [];
    for (const config of configs) found.push(...(await this.keywordIn(m, p, kq, config, config.cfg, n, common)));
    return found.sort((a, b) => b.rank - a.rank || (a.id < b.id ? -1 : 1)).slice(0, n);
  }

  /**
   * The query read with `language`, tier by tier (keyword-query.ts) until `n` rows are found, from the chunks indexed
   * with `only` (every chunk when null). A row's score is its tier's rank from the bottom plus its ts_rank squashed
   * into [0, 1), so the order survives the sort by score. No lexeme and no phrase (only stop words or punctuation):
   * nothing to match, no statement run.
   */
  private async keywordIn(
    m: EntityManager,
    p: SearchParams,
    kq: KeywordQuery,
    { cfg: language, lexemes: known }: { cfg: string; lexemes?: readonly string[] },
    only: string | null,
    n: number,
    common: ReadonlySet<string>,
  ): Promise<{ id: string; rank: number }[]> {
    const lexemes: readonly string[] =
      known ??
      (kq.words
        ? (await m.query<[{ lexemes: string[] }]>(`SELECT ${lexemesIn('$1::regconfig')} AS lexemes`, [language, kq.words]))[0].lexemes
        : []);
    const tiers: (string | null)[] = keywordTiers(lexemes, common);
    if (!tiers.length) {
      if (!kq.all) return [];
      tiers.push(null); // phrases or exclusions alone
    }
    // NULL scope = the whole tenant; otherwise both lists (either may be empty), as scopeSql() reads them.
    const scope = isScoped(p) ? [p.documentIds ?? [], p.folderIds ?? []] : [null, null];
    const found = new Map<string, number>();
    for (const [i, tier] of tiers.entries()) {
      const params: unknown[] = [];
      const bind = (v: unknown) => `$${params.push(v)}`;
      const parts = [
        ...(tier ? [`${bind(tier)}::tsquery`] : []),
        ...(kq.all ? [`websearch_to_tsquery(${bind(language)}::regconfig, ${bind(kq.all)})`] : []),
      ];
      const rows: { id: string; rank: number }[] = await m.query(
        `SELECT k.id, k.rank FROM search_keyword(${parts.join(' && ')}, ${bind(n)}, ${bind(scope[0])}::uuid[], ${bind(scope[1])}::uuid[], ${bind(only)}::regconfig) k`,
        params,
      );
      const base = tiers.length - 1 - i;
      for (const r of rows) if (!found.has(r.id) && found.size < n) found.set(r.id, base + Number(r.rank) / (1 + Number(r.rank)));
      if (found.size >= n) break;
    }
    return [...found].map(([id, rank]) => ({ id, rank }));
  }

  /** Content, document and similarity of the chosen chunks, in the given order; minScore applies to similarity. */
  private async details(
    m: EntityManager,
    p: SearchParams,
    set: SearchedSet,
    vec: string,
    ranked: { id: string; score: number }[],
    named: boolean,
  ): Promise<SearchHit[]> {
    const rows: DetailRow[] = await statementsOf(m, named).query(
      `SELECT e.id, e.document_id, d.filename, e.content, (1 - (e.embedding <=> $2::halfvec))::float8 AS similarity, e.page_from, e.page_to, e.section
       FROM unnest($3::uuid[]) WITH ORDINALITY AS r(id, ord)
       JOIN embeddings e ON e.tenant_id = $1 AND e.id = r.id AND e.set_id = $4
       JOIN documents d ON d.tenant_id = e.tenant_id AND d.id = e.document_id
       ORDER BY r.ord`,
      [p.tenantId, vec, ranked.map((r) => r.id), set.id],
    );
    return toHits(p, rows, new Map(ranked.map((r) => [r.id, r.score])));
  }

  /** Chunks in the search scope, from the documents' own counts (cheap: scopes name few documents or folders). */
  private async scopeRows(m: EntityManager, p: SearchParams): Promise<number> {
    const params: unknown[] = [p.tenantId];
    const bind = (v: unknown) => `$${params.push(v)}`;
    const parts: string[] = [];
    if (p.documentIds?.length) parts.push(`d.id = ANY(${bind(p.documentIds)}::uuid[])`);
    if (p.folderIds?.length) parts.push(`d.folder_id = ANY(${bind(p.folderIds)}::uuid[])`);
    const [row] = await m.query<[{ n: string }]>(
      `SELECT COALESCE(sum(d.chunk_count), 0)::bigint AS n FROM documents d WHERE d.tenant_id = $1 AND (${parts.join(' OR ')})`,
      params,
    );
    return Number(row.n);
  }

  /** Folders and documents widen the scope together: chunks of the listed documents or of documents in the listed folders. */
  private scopeSql(p: SearchScope, bind: (v: unknown) => string, tenant: string): string {
    const parts: string[] = [];
    if (p.documentIds?.length) parts.push(`e.document_id = ANY(${bind(p.documentIds)}::uuid[])`);
    if (p.folderIds?.length) {
      parts.push(
        `e.document_id IN (SELECT d2.id FROM documents d2 WHERE d2.tenant_id = ${tenant} AND d2.folder_id = ANY(${bind(p.folderIds)}::uuid[]))`,
      );
    }
    return parts.length ? `AND (${parts.join(' OR ')})` : '';
  }
}

/**
 * Where a statement whose text holds no tenant, vector or other unbounded value goes: `m`'s queries as named statements
 * (queryNamed) when `named`, else `m` itself.
 */
function statementsOf(m: EntityManager, named: boolean): Pick<EntityManager, 'query'> {
  return named ? { query: <T>(sql: string, params: unknown[] = []) => queryNamed(m, sql, params) as Promise<T> } : m;
}

/**
 * What a vector statement reads besides the hits (SearchRepository.runNearest): nothing, the hits' details (vector
 * mode: the search's answer), or the heading shares of the hits and of the keyword candidates (hybrid, for fuse()).
 */
type VectorExtras = { kind: 'none' } | { kind: 'details' } | { kind: 'shares'; keywordIds: string[]; words: string };

/** A chunk as details() and a vector statement with details read it. */
interface DetailRow {
  id: string;
  document_id: string;
  filename: string;
  content: string;
  similarity: number | string;
  page_from: number;
  page_to: number;
  section: string | null;
}

type NearestRow = Partial<DetailRow> & { id: string; distance: number | string | null; share?: number | string | null };

/** A vector statement's answer: the hits, nearest first; heading shares (when asked, > 0 only); the rows as read (details). */
interface Nearest {
  hits: Ranked[];
  shares: Map<string, number>;
  rows: NearestRow[];
}

/** Hits from detail rows (in their order, then by score), each scored from `scores`; minScore applies to similarity. */
function toHits(p: Pick<SearchParams, 'minScore'>, rows: readonly Partial<DetailRow>[], scores: ReadonlyMap<string, number>): SearchHit[] {
  return rows
    .map((r) => ({
      chunkId: r.id!,
      documentId: r.document_id!,
      filename: r.filename!,
      content: r.content!,
      score: scores.get(r.id!)!,
      similarity: Number(r.similarity),
      pageFrom: r.page_from!,
      pageTo: r.page_to!,
      section: r.section ?? null,
    }))
    .filter((h) => p.minScore === undefined || h.similarity >= p.minScore)
    .sort((a, b) => b.score - a.score || b.similarity - a.similarity);
}

const isScoped = (p: SearchScope) => !!(p.documentIds?.length || p.folderIds?.length);

/**
 * Score-normalised fusion of the vector and keyword lists (see VECTOR_WEIGHT), plus each candidate's heading
 * share × HEADING_WEIGHT (see there); ties broken by vector rank, then id, so results are stable.
 */
export function fuse(
  vectorHits: Ranked[],
  keywordHits: { id: string; rank: number }[],
  headingShares: ReadonlyMap<string, number> = new Map(),
): { id: string; score: number }[] {
  const scores = new Map<string, { score: number; vr: number }>();
  const v = minMax(vectorHits.map((h) => 1 - (h.distance ?? 1)));
  const k = minMax(keywordHits.map((h) => h.rank));
  vectorHits.forEach((h, i) => scores.set(h.id, { score: VECTOR_WEIGHT * v[i]!, vr: i }));
  keywordHits.forEach((h, i) => {
    const s = scores.get(h.id) ?? { score: 0, vr: Number.MAX_SAFE_INTEGER };
    s.score += (1 - VECTOR_WEIGHT) * k[i]!;
    scores.set(h.id, s);
  });
  for (const [id, s] of scores) s.score += HEADING_WEIGHT * (headingShares.get(id) ?? 0);
  return [...scores]
    .sort(([ia, a], [ib, b]) => b.score - a.score || a.vr - b.vr || (ia < ib ? -1 : 1))
    .map(([id, s]) => ({ id, score: s.score }));
}

/** Scores scaled to [0, 1]; all equal (or one) → all 1: being a candidate at all is the signal. */
function minMax(xs: number[]): number[] {
  let lo = Infinity;
  let hi = -Infinity;
  for (const x of xs) {
    lo = Math.min(lo, x);
    hi = Math.max(hi, x);
  }
  return xs.map((x) => (hi > lo ? (x - lo) / (hi - lo) : 1));
}
