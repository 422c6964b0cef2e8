import { Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import pg from 'pg';
import { keywordSetKey, keywordSetKeyValue } from '#libs/database/migrations/1764000013000-document-language.js';
import { databaseMode, setTenant } from '#libs/database/transaction-settings.js';
import type { EmbeddingSet } from '#libs/embedding-sets/embedding-set.js';
import {
  indexedVector,
  readTenantVectorIndex,
  setLiteral,
  tenantLiteral,
  VECTOR_INDEX_NAME,
  VECTOR_INDEX_PART_NAMES_SQL,
  vectorIndexName,
  vectorIndexPartNames,
  vectorIndexPredicate,
  type TenantVectorIndex,
  type VectorIndexMethod,
  type VectorIndexPart,
} from '#libs/retrieval/vector-index.js';

/**
 * How a set's vector index is built: IVFFlat with `lists` (per half when `parts` is 2: two indexes, over the even and the
 * odd seqs), or HNSW with `m` and `efConstruction`.
 */
export type VectorIndexBuild = { method: 'ivfflat'; lists: number; parts: number } | { method: 'hnsw'; m: number; efConstruction: number };

export interface TenantVectorState {
  /** The set's chunk count, counted up to `upTo` only (enough to decide). */
  rows: number;
  maxSeq: number;
  index?: TenantVectorIndex;
  /** Rows above the index's watermark. */
  unindexed: number;
  /** The set's own full-text index (embedding_sets.keyword_index), if it has one. */
  keywordIndex: string | null;
}

/** A tenant's index of this table (vector or full-text) as pg_indexes names it, with the tenant its name carries. */
export interface TenantIndexName {
  indexName: string;
  tenantHex: string;
  /** False while a concurrent build runs, and after one was interrupted on the server. */
  valid: boolean;
}

/** The names of a tenant's indexes: a set's vector index (by method and watermark) and a set's own full-text index (by set). */
const NAMES = [VECTOR_INDEX_NAME, /^embeddings_tsv_t_([0-9a-f]{32})_s[0-9]+$/];
const tenantOf = (indexName: string) => NAMES.map((n) => n.exec(indexName)?.[1]).find(Boolean);

/** SQL: whether the index named by `nameSql` (text) exists and is valid; NULL when there is no such index. */
const validIndex = (nameSql: string) =>
  `(SELECT i.indisvalid AND i.indisready FROM pg_index i WHERE i.indexrelid = to_regclass(${nameSql}))`;

/** A set's own full-text index (the TenantKeywordIndex migration): one per set, never rebuilt. */
export function keywordIndexName(tenantId: string, setId: number): string {
  tenantLiteral(tenantId); // throws unless a canonical uuid: the name goes into DDL
  return `embeddings_tsv_t_${tenantId.replace(/-/g, '')}_s${setLiteral(setId)}`;
}

/**
 * SQL of the index builder, per embedding set of a tenant. Reads go through the runtime role in the tenant's
 * transaction like every other tenant read; the DDL needs the table's owner
 * (DATABASE_MIGRATION_URL) and runs outside any transaction, because
 * CREATE/DROP INDEX CONCURRENTLY cannot run inside one — which is the point:
 * ingestion and search of every tenant go on during a build.
 */
@Injectable()
export class VectorIndexRepository {
  /**
   * What the builder needs to decide. A registered index that is missing or not valid counts as none, so that it is built
   * again: a concurrent build interrupted on the server (a restart, a terminated backend) leaves an INVALID index behind,
   * which the planner never uses, and that an earlier version of the builder could register.
   */
  async state(m: EntityManager, tenantId: string, setId: number, upTo: number): Promise<TenantVectorState> {
    const index = await readTenantVectorIndex(m, tenantId, setId);
    // bigint comes back as text; one row, always (no FROM).
    const [row] = await m.query<[{ rows: string; max_seq: string; unindexed: string; keyword_index: string | null }]>(
      `SELECT (SELECT count(*) FROM (SELECT 1 FROM embeddings WHERE tenant_id = $1 AND set_id = $4 LIMIT $2) s)::bigint AS rows,
              (SELECT COALESCE(max(seq), 0) FROM embeddings WHERE tenant_id = $1 AND set_id = $4)::bigint AS max_seq,
              (SELECT count(*) FROM embeddings WHERE tenant_id = $1 AND set_id = $4 AND seq > $3)::bigint AS unindexed,
              (SELECT keyword_index FROM embedding_sets WHERE tenant_id = $1 AND id = $4) AS keyword_index`,
      [tenantId, upTo, index?.watermark ?? 0, setId],
    );
    // The catalogue in a statement of its own: with the tables above (distributed on Citus) it could be read on a node
    // that has only the shards' indexes. A split index is valid when both halves exist and are valid (a missing one is
    // NULL, which bool_and would skip).
    const [valid] = await m.query<[{ index_valid: boolean | null; keyword_valid: boolean | null }]>(
      `SELECT (SELECT bool_and(COALESCE(${validIndex('n')}, false)) FROM unnest($1::text[]) n) AS index_valid, ${validIndex('$2::text')} AS keyword_valid`,
      [index ? vectorIndexPartNames(index) : [], row.keyword_index],
    );
    const usable = index && valid.index_valid ? index : undefined;
    return {
      rows: Number(row.rows),
      maxSeq: Number(row.max_seq),
      index: usable,
      unindexed: usable ? Number(row.unindexed) : Number(row.rows),
      keywordIndex: valid.keyword_valid ? row.keyword_index : null,
    };
  }

  /**
   * Whether the set is still one search reads or will read (active, or building in a switch). Checked under the tenant's
   * lock before a build: a switch that retired or cancelled the set has then already dropped its indexes
   * (dropSetIndex takes the same lock), so an index built now would be named by nothing that ever drops it.
   */
  async isLive(owner: pg.ClientBase, tenantId: string, setId: number): Promise<boolean> {
    const { rows } = await this.inTenant(owner, tenantId, () =>
      owner.query(
        `SELECT 1 FROM embedding_sets WHERE tenant_id = $1 AND id = $2 AND state IN ('active', 'building') AND dropped_at IS NULL`,
        [tenantId, setId],
      ),
    );
    return rows.length > 0;
  }

  /** Whether the index exists and is valid (undefined: no such index). */
  async isValid(owner: pg.ClientBase, indexName: string): Promise<boolean | undefined> {
    const { rows } = await owner.query<{ valid: boolean | null }>(`SELECT ${validIndex('$1::text')} AS valid`, [indexName]);
    return rows[0]?.valid ?? undefined;
  }

  async countUpTo(m: EntityManager, tenantId: string, setId: number, watermark: number): Promise<number> {
    const [row] = await m.query<[{ n: string }]>(
      `SELECT count(*)::bigint AS n FROM embeddings WHERE tenant_id = $1 AND set_id = $2 AND seq <= $3`,
      [tenantId, setId, watermark],
    );
    return Number(row.n);
  }

  /** Only one builder per tenant at a time, across every worker process (session advisory lock on the owner connection). */
  async tryLock(owner: pg.ClientBase, tenantId: string): Promise<boolean> {
    const { rows } = await owner.query<{ ok: boolean }>(`SELECT pg_try_advisory_lock(hashtextextended('vector-index:' || $1, 0)) AS ok`, [
      tenantId,
    ]);
    return rows[0]?.ok === true;
  }

  async unlock(owner: pg.ClientBase, tenantId: string): Promise<void> {
    await owner.query(`SELECT pg_advisory_unlock(hashtextextended('vector-index:' || $1, 0))`, [tenantId]);
  }

  /**
   * The set's index: its vectors cast to the set's dimensions (the column has none), its rows up to the watermark; with
   * `part`, one half of a split index, the rows whose seq % 2 is `part`.
   */
  async build(
    owner: pg.ClientBase,
    set: EmbeddingSet,
    watermark: number,
    how: VectorIndexBuild & { memoryMb: number },
    part?: VectorIndexPart,
  ): Promise<string> {
    const name = vectorIndexName(set.tenantId, watermark, how.method, part);
    const using =
      how.method === 'ivfflat'
        ? `ivfflat (${indexedVector(set.dimensions)} halfvec_cosine_ops) WITH (lists = ${Math.floor(how.lists)})`
        : `hnsw (${indexedVector(set.dimensions)} halfvec_cosine_ops) WITH (m = ${Math.floor(how.m)}, ef_construction = ${Math.floor(how.efConstruction)})`;
    await owner.query(`SET maintenance_work_mem = '${Math.floor(how.memoryMb)}MB'`);
    try {
      await this.createValid(
        owner,
        name,
        `CREATE INDEX CONCURRENTLY IF NOT EXISTS ${name} ON embeddings USING ${using}
         WHERE ${vectorIndexPredicate({ tenantId: set.tenantId, setId: set.id, watermark, method: how.method, part })}`,
      );
    } finally {
      await owner.query(`RESET maintenance_work_mem`);
    }
    return name;
  }

  /**
   * The set's own full-text index: GIN on tsv, partial on the set's key (keywordSetKey), the one expression
   * search_keyword() compares for a set that has it. New rows enter it as they are written, so it is built once.
   */
  async buildKeywordIndex(owner: pg.ClientBase, set: EmbeddingSet): Promise<string> {
    const name = keywordIndexName(set.tenantId, set.id);
    const key = keywordSetKeyValue(set.tenantId, set.id); // a canonical uuid and an integer, checked by keywordIndexName
    await this.createValid(
      owner,
      name,
      `CREATE INDEX CONCURRENTLY IF NOT EXISTS ${name} ON embeddings USING gin (tsv) WHERE ${keywordSetKey()} = '${key}'`,
    );
    return name;
  }

  /**
   * Runs a CREATE INDEX CONCURRENTLY IF NOT EXISTS and makes sure a valid index of that name is what it leaves:
   * - an INVALID index of the name (a build interrupted on the server: a restart, a terminated backend) is dropped
   *   first, or IF NOT EXISTS would skip the build and the invalid index would be registered;
   * - a valid one is kept (built by an earlier attempt that stopped before registering it);
   * - a build that fails, or leaves an invalid index, drops it, so the next attempt starts clean.
   * The caller holds the tenant's lock, so no other builder is working on the name.
   */
  private async createValid(owner: pg.ClientBase, name: string, createSql: string): Promise<void> {
    if ((await this.isValid(owner, name)) === false) await this.drop(owner, name);
    try {
      await owner.query(createSql);
      if ((await this.isValid(owner, name)) !== true) throw new Error(`index ${name} is not valid after its build`);
    } catch (e) {
      await this.drop(owner, name).catch(() => undefined);
      throw e;
    }
  }

  /** Points search_keyword() at the set's own full-text index (or at none); false when the set is gone. */
  async registerKeywordIndex(owner: pg.ClientBase, tenantId: string, setId: number, indexName: string | null): Promise<boolean> {
    const { rowCount } = await this.inTenant(owner, tenantId, () =>
      owner.query(`UPDATE embedding_sets SET keyword_index = $3 WHERE tenant_id = $1 AND id = $2`, [tenantId, setId, indexName]),
    );
    return (rowCount ?? 0) > 0;
  }

  /** Points search at the new index. The owner is subject to the policy too (FORCE RLS), so the tenant is set for this transaction. */
  async register(
    owner: pg.ClientBase,
    tenantId: string,
    setId: number,
    rec: { indexName: string; watermark: number; indexedRows: number; buildMs: number; centres?: string[] } & VectorIndexBuild,
  ): Promise<void> {
    await this.inTenant(owner, tenantId, () =>
      owner.query(
        `INSERT INTO vector_indexes (tenant_id, set_id, index_name, watermark, indexed_rows, method, lists, m, ef_construction, build_ms, centres, parts, built_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11::halfvec[], $12, now())
       ON CONFLICT (tenant_id, set_id) DO UPDATE SET index_name = excluded.index_name, watermark = excluded.watermark,
         indexed_rows = excluded.indexed_rows, method = excluded.method, lists = excluded.lists, m = excluded.m,
         ef_construction = excluded.ef_construction, build_ms = excluded.build_ms, centres = excluded.centres, parts = excluded.parts,
         built_at = excluded.built_at`,
        [
          tenantId,
          setId,
          rec.indexName,
          rec.watermark,
          rec.indexedRows,
          rec.method,
          rec.method === 'ivfflat' ? rec.lists : null,
          rec.method === 'hnsw' ? rec.m : null,
          rec.method === 'hnsw' ? rec.efConstruction : null,
          rec.buildMs,
          rec.method === 'ivfflat' ? (rec.centres ?? null) : null, // [] (none could be computed) is not NULL: not asked for again
          rec.method === 'ivfflat' ? rec.parts : 1,
        ],
      ),
    );
  }

  /** The centres of a registered IVF index built before the registry kept them; false when that index is no longer registered. */
  async setCentres(owner: pg.ClientBase, tenantId: string, setId: number, indexName: string, centres: string[]): Promise<boolean> {
    const { rowCount } = await this.inTenant(owner, tenantId, () =>
      owner.query(
        `UPDATE vector_indexes SET centres = $4::halfvec[] WHERE tenant_id = $1 AND set_id = $2 AND index_name = $3 AND method = 'ivfflat'`,
        [tenantId, setId, indexName, centres],
      ),
    );
    return (rowCount ?? 0) > 0;
  }

  /** Search stops using the set's index (before it is dropped); returns the names of its indexes (both halves of a split one). */
  async unregister(owner: pg.ClientBase, tenantId: string, setId: number): Promise<string[]> {
    const { rows } = await this.inTenant(owner, tenantId, () =>
      owner.query<{ names: string[] }>(
        `DELETE FROM vector_indexes WHERE tenant_id = $1 AND set_id = $2 RETURNING ${VECTOR_INDEX_PART_NAMES_SQL} AS names`,
        [tenantId, setId],
      ),
    );
    return rows[0]?.names ?? [];
  }

  /** One transaction of the owner in the tenant: the owner is subject to the policies too (FORCE RLS). */
  private async inTenant<T>(owner: pg.ClientBase, tenantId: string, work: () => Promise<T>): Promise<T> {
    await owner.query('BEGIN');
    try {
      await setTenant(owner, await databaseMode(owner, owner), tenantId);
      const result = await work();
      await owner.query('COMMIT');
      return result;
    } catch (e) {
      await owner.query('ROLLBACK');
      throw e;
    }
  }

  /** The tenant indexes that exist, valid or not, parsed from their names. */
  async listIndexes(owner: pg.ClientBase): Promise<TenantIndexName[]> {
    const { rows } = await owner.query<{ indexname: string; valid: boolean }>(
      `SELECT c.relname AS indexname, i.indisvalid AND i.indisready AS valid
       FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid
       WHERE i.indrelid = to_regclass('embeddings')`,
    );
    return rows.flatMap((r) => {
      const tenantHex = tenantOf(r.indexname);
      return tenantHex ? [{ indexName: r.indexname, tenantHex, valid: r.valid }] : [];
    });
  }

  /**
   * Whether the tenant still exists, which indexes its registry names (per set, its vector and its full-text index), and
   * the method, size and centres of its active set's vector index (read in the tenant's transaction): what the check
   * (maintain(), which looks at the active set only) would act on.
   */
  async registered(
    owner: pg.ClientBase,
    tenantId: string,
  ): Promise<{
    exists: boolean;
    indexNames: string[];
    vectorIndexes: { method: VectorIndexMethod; indexedRows: number; lists: number; centred: boolean; parts: number }[];
  }> {
    const {
      rows: [row],
    } = await this.inTenant(owner, tenantId, () =>
      owner.query<{
        exists: boolean;
        index_names: string[];
        vector_indexes: { method: VectorIndexMethod; indexed_rows: number; lists: number | null; centred: boolean; parts: number }[] | null;
      }>(
        `SELECT EXISTS (SELECT 1 FROM tenants WHERE id = ${tenantLiteral(tenantId)}) AS exists,
              ARRAY(SELECT unnest(${VECTOR_INDEX_PART_NAMES_SQL}) FROM vector_indexes WHERE tenant_id = $1
                    UNION ALL SELECT keyword_index FROM embedding_sets WHERE tenant_id = $1 AND keyword_index IS NOT NULL) AS index_names,
              (SELECT json_agg(json_build_object('method', v.method, 'indexed_rows', v.indexed_rows, 'lists', v.lists, 'centred', v.centres IS NOT NULL, 'parts', v.parts))
               FROM vector_indexes v JOIN embedding_sets s ON s.tenant_id = v.tenant_id AND s.id = v.set_id
               WHERE v.tenant_id = $1 AND s.state = 'active') AS vector_indexes`,
        [tenantId],
      ),
    );
    return {
      exists: row?.exists === true,
      indexNames: row?.index_names ?? [],
      vectorIndexes: (row?.vector_indexes ?? []).map((v) => ({
        method: v.method,
        indexedRows: Number(v.indexed_rows),
        lists: Number(v.lists ?? 0),
        centred: v.centred,
        parts: Number(v.parts ?? 1),
      })),
    };
  }

  async drop(owner: pg.ClientBase, indexName: string): Promise<void> {
    if (!tenantOf(indexName)) throw new Error(`refusing to drop ${indexName}`);
    await owner.query(`DROP INDEX CONCURRENTLY IF EXISTS ${indexName}`);
  }
}

export const hexToUuid = (hex: string) =>
  `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
