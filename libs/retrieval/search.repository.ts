import type { EntityManager } from 'typeorm';
import type { SearchHit, SearchMode, SearchScope } from './search.types.js';

/** Reciprocal Rank Fusion constant (the usual 60). */
const RRF_K = 60;

export interface SearchParams extends SearchScope {
  tenantId: string;
  vector: number[];
  query: string;
  language: string;
  topK: number;
  mode: SearchMode;
  minScore?: number;
}

/**
 * The search SQL. Every statement names `tenant_id = $tenant` explicitly as
 * well as relying on RLS: the planner then knows the tenant (B-tree on the
 * primary key's leading tenant_id) and can choose an exact scan for small
 * tenants, while pgvector 0.8's iterative index scans keep filtered HNSW /
 * IVFFlat scans going until topK rows are found.
 */
export class SearchRepository {
  async search(m: EntityManager, p: SearchParams): Promise<SearchHit[]> {
    await this.tuneIndexScans(m, p.topK);
    const params: unknown[] = [];
    const bind = (v: unknown) => `$${params.push(v)}`;
    const vec = `${bind(`[${p.vector.join(',')}]`)}::vector`;
    const tenant = bind(p.tenantId);
    const k = bind(p.topK);
    const scope = this.scopeSql(p, bind, tenant);
    let sql: string;
    if (p.mode === 'vector') {
      sql = `
        WITH nearest AS MATERIALIZED (
          SELECT e.id, e.embedding <=> ${vec} AS distance FROM embeddings e
          WHERE e.tenant_id = ${tenant} ${scope}
          ORDER BY e.embedding <=> ${vec} LIMIT ${k})
        SELECT n.id, 1 - n.distance AS score, 1 - n.distance AS similarity FROM nearest n`;
    } else {
      const tsq = `websearch_to_tsquery(${bind(p.language)}::regconfig, ${bind(p.query)})`;
      if (p.mode === 'keyword') {
        sql = `
          SELECT e.id, ts_rank_cd(e.tsv, ${tsq}) AS score, NULL::float8 AS similarity
          FROM embeddings e WHERE e.tenant_id = ${tenant} AND e.tsv @@ ${tsq} ${scope}
          ORDER BY score DESC, e.id LIMIT ${k}`;
      } else {
        const candidates = bind(Math.max(p.topK * 4, 40));
        sql = `
          WITH vector_hits AS MATERIALIZED (
                 SELECT e.id, e.embedding <=> ${vec} AS distance FROM embeddings e WHERE e.tenant_id = ${tenant} ${scope}
                 ORDER BY e.embedding <=> ${vec} LIMIT ${candidates}),
               vector_ranked AS (SELECT id, row_number() OVER (ORDER BY distance, id) AS r FROM vector_hits),
               keyword_ranked AS (
                 SELECT id, row_number() OVER (ORDER BY rank DESC, id) AS r FROM (
                   SELECT e.id, ts_rank_cd(e.tsv, ${tsq}) AS rank FROM embeddings e
                   WHERE e.tenant_id = ${tenant} AND e.tsv @@ ${tsq} ${scope}
                   ORDER BY rank DESC, e.id LIMIT ${candidates}) kw),
               fused AS (
                 SELECT id, sum(1.0 / (${RRF_K} + r)) AS score
                 FROM (SELECT * FROM vector_ranked UNION ALL SELECT * FROM keyword_ranked) u GROUP BY id)
          SELECT f.id, f.score, 1 - (e.embedding <=> ${vec}) AS similarity
          FROM fused f JOIN embeddings e ON e.tenant_id = ${tenant} AND e.id = f.id
          ORDER BY f.score DESC, similarity DESC LIMIT ${k}`;
      }
    }
    const minScore = p.minScore ?? null;
    const rows: Record<string, unknown>[] = await m.query(
      // Keyword hits get their similarity here, for the topK rows only, not for every row that matched.
      `SELECT * FROM (
         SELECT h.id AS chunk_id, e.document_id, d.filename, e.content, h.score::float8 AS score,
                COALESCE(h.similarity, 1 - (e.embedding <=> ${vec}))::float8 AS similarity, e.page_from, e.page_to
         FROM (${sql}) h
         JOIN embeddings e ON e.tenant_id = ${tenant} AND e.id = h.id
         JOIN documents d ON d.tenant_id = e.tenant_id AND d.id = e.document_id) r
       ${minScore === null ? '' : `WHERE r.similarity >= ${bind(minScore)}::float8`}
       ORDER BY r.score DESC, r.similarity DESC`,
      params,
    );
    return rows.map((r) => ({
      chunkId: r.chunk_id as string, documentId: r.document_id as string, filename: r.filename as string,
      content: r.content as string, score: Number(r.score), similarity: Number(r.similarity),
      pageFrom: r.page_from as number, pageTo: r.page_to as number,
    }));
  }

  /**
   * Transaction-local (SET LOCAL) settings for this search only: iterative
   * scans continue past the first candidates when the tenant filter removes
   * them, and the candidate list is at least topK wide.
   */
  private async tuneIndexScans(m: EntityManager, topK: number): Promise<void> {
    const ef = Math.min(1000, Math.max(40, topK * 4));
    await m.query(`SELECT set_config('hnsw.iterative_scan', 'relaxed_order', true), set_config('hnsw.ef_search', $1, true),
                          set_config('ivfflat.iterative_scan', 'relaxed_order', true), set_config('ivfflat.probes', '10', true),
                          set_config('ivfflat.max_probes', '1000', true)`, [String(ef)]);
  }

  /** Folders and documents widen the scope together: chunks of the listed documents or of documents in the listed folders. */
  private scopeSql(p: SearchScope, bind: (v: unknown) => string, tenant: string): string {
    const parts: string[] = [];
    if (p.documentIds?.length) parts.push(`e.document_id = ANY(${bind(p.documentIds)}::uuid[])`);
    if (p.folderIds?.length) {
      parts.push(`e.document_id IN (SELECT d2.id FROM documents d2 WHERE d2.tenant_id = ${tenant} AND d2.folder_id = ANY(${bind(p.folderIds)}::uuid[]))`);
    }
    return parts.length ? `AND (${parts.join(' OR ')})` : '';
  }
}
