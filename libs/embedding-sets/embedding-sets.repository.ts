import { Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import type { EmbeddingModelSpec } from './embedding-model.js';
import { SET_COLUMNS, toEmbeddingSet, type EmbeddingSet } from './embedding-set.js';

type Row = Record<string, unknown>;

/**
 * The embedding sets of the tenant in the transaction (RLS), as the API, the ingestion,
 * the switch and search read and write them. Switch-only SQL lives with the worker.
 */
@Injectable()
export class EmbeddingSetsRepository {
  async active(m: EntityManager, tenantId: string): Promise<EmbeddingSet | undefined> {
    const [row]: Row[] = await m.query(`SELECT ${SET_COLUMNS} FROM embedding_sets WHERE tenant_id = $1 AND state = 'active'`, [tenantId]);
    return row ? toEmbeddingSet(row) : undefined;
  }

  async get(m: EntityManager, tenantId: string, id: number): Promise<EmbeddingSet | undefined> {
    const [row]: Row[] = await m.query(`SELECT ${SET_COLUMNS} FROM embedding_sets WHERE tenant_id = $1 AND id = $2`, [tenantId, id]);
    return row ? toEmbeddingSet(row) : undefined;
  }

  /** Every set of the tenant, newest first (a handful: one per switch). */
  async list(m: EntityManager, tenantId: string): Promise<EmbeddingSet[]> {
    const rows: Row[] = await m.query(`SELECT ${SET_COLUMNS} FROM embedding_sets WHERE tenant_id = $1 ORDER BY id DESC`, [tenantId]);
    return rows.map(toEmbeddingSet);
  }

  /** Sets the worker still has to act on: a switch under way (not given up), a replaced or cancelled set whose vectors remain. */
  async withWorkLeft(m: EntityManager, tenantId: string): Promise<EmbeddingSet[]> {
    const rows: Row[] = await m.query(
      `SELECT ${SET_COLUMNS} FROM embedding_sets
       WHERE tenant_id = $1 AND ((state = 'building' AND failed_at IS NULL) OR (state IN ('retired', 'cancelled') AND dropped_at IS NULL))
       ORDER BY id`,
      [tenantId],
    );
    return rows.map(toEmbeddingSet);
  }

  /** The active set, created with `spec` (the platform default) for a tenant that has none yet. */
  async ensureActive(m: EntityManager, tenantId: string, spec: EmbeddingModelSpec): Promise<EmbeddingSet> {
    const found = await this.active(m, tenantId);
    if (found) return found;
    // A concurrent first write may create it first: then this inserts nothing and reads that one.
    await m.query(
      `INSERT INTO embedding_sets (tenant_id, id, provider, model, dimensions, state, activated_at)
       SELECT $1, COALESCE(max(id), 0) + 1, $2, $3, $4, 'active', now() FROM embedding_sets WHERE tenant_id = $1
       ON CONFLICT DO NOTHING`,
      [tenantId, spec.provider, spec.model, spec.dimensions],
    );
    const created = await this.active(m, tenantId);
    if (!created) throw new Error(`tenant ${tenantId} has no active embedding set`);
    return created;
  }

  /** A switch's target. Fails with a unique violation (23505) while another switch of the tenant is in progress. */
  async createBuilding(m: EntityManager, tenantId: string, spec: EmbeddingModelSpec): Promise<EmbeddingSet> {
    const [row]: Row[] = await m.query(
      `INSERT INTO embedding_sets (tenant_id, id, provider, model, dimensions, state, phase)
       SELECT $1, COALESCE(max(id), 0) + 1, $2, $3, $4, 'building', 're-embedding' FROM embedding_sets WHERE tenant_id = $1
       RETURNING ${SET_COLUMNS}`,
      [tenantId, spec.provider, spec.model, spec.dimensions],
    );
    return toEmbeddingSet(row!);
  }

  /** A failed switch asked for again: it may run once more (its job is queued anew). */
  async resume(m: EntityManager, tenantId: string, id: number): Promise<void> {
    await m.query(`UPDATE embedding_sets SET failed_at = NULL WHERE tenant_id = $1 AND id = $2 AND state = 'building'`, [tenantId, id]);
  }

  /**
   * Gives up the building set. The row lock waits for a batch of the switch being written
   * (which holds the set FOR SHARE), so no vector lands in it after this commits.
   */
  async cancelBuilding(m: EntityManager, tenantId: string): Promise<EmbeddingSet | undefined> {
    const [rows]: [Row[], number] = await m.query(
      `UPDATE embedding_sets SET state = 'cancelled', phase = NULL, retired_at = now()
       WHERE tenant_id = $1 AND state = 'building' RETURNING ${SET_COLUMNS}`,
      [tenantId],
    );
    return rows[0] ? toEmbeddingSet(rows[0]) : undefined;
  }

  /**
   * For a writer of chunks (ingestion): true while `id` is still the active set, and then
   * it stays so until the caller's transaction ends (FOR SHARE: the switch's flip waits for
   * it, so chunks written in `id` are seen by the flip's final check).
   */
  async holdActive(m: EntityManager, tenantId: string, id: number): Promise<boolean> {
    const rows: unknown[] = await m.query(`SELECT 1 FROM embedding_sets WHERE tenant_id = $1 AND id = $2 AND state = 'active' FOR SHARE`, [
      tenantId,
      id,
    ]);
    return rows.length > 0;
  }

  /** Chunks (rows) per set. */
  async rowCounts(m: EntityManager, tenantId: string, ids: number[]): Promise<Map<number, number>> {
    const rows: { set_id: number; n: string }[] = await m.query(
      `SELECT set_id, count(*) AS n FROM embeddings WHERE tenant_id = $1 AND set_id = ANY($2::int[]) GROUP BY set_id`,
      [tenantId, ids],
    );
    return new Map(rows.map((r) => [Number(r.set_id), Number(r.n)]));
  }
}
