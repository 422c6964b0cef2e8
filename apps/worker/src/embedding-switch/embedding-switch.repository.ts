import { Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import type { SetPhase } from '#libs/embedding-sets/embedding-set.js';

/** A chunk still to be embedded into the new set: its id, its place in write order and what is embedded of it. */
export interface MissingChunk {
  id: string;
  documentId: string;
  seq: number;
  section: string | null;
  content: string;
}

export type FlipOutcome = 'flipped' | 'behind' | 'not-building';

/** The switch's own SQL, in the tenant's transaction (the sets both sides share: EmbeddingSetsRepository). */
@Injectable()
export class EmbeddingSwitchRepository {
  /**
   * Chunks of set `from` with no row in `to` yet, in write order after `afterSeq`: what the
   * switch embeds next. After a crash it starts again from 0 and skips what is done (one
   * primary-key probe per chunk), so nothing is embedded twice.
   */
  async missing(m: EntityManager, tenantId: string, from: number, to: number, afterSeq: number, limit: number): Promise<MissingChunk[]> {
    const rows: { id: string; document_id: string; seq: string; section: string | null; content: string }[] = await m.query(
      `SELECT a.id, a.document_id, a.seq, a.section, a.content FROM embeddings a
       WHERE a.tenant_id = $1 AND a.set_id = $2 AND a.seq > $4
         AND NOT EXISTS (SELECT 1 FROM embeddings b WHERE b.tenant_id = $1 AND b.id = a.id AND b.set_id = $3)
       ORDER BY a.seq LIMIT $5`,
      [tenantId, from, to, afterSeq, limit],
    );
    return rows.map((r) => ({ id: r.id, documentId: r.document_id, seq: Number(r.seq), section: r.section, content: r.content }));
  }

  /**
   * True while the set is still being built, and it stays so until the caller's transaction
   * ends (FOR SHARE: a cancel waits for the batch being written, so none lands after it).
   */
  async holdBuilding(m: EntityManager, tenantId: string, setId: number): Promise<boolean> {
    const rows: unknown[] = await m.query(
      `SELECT 1 FROM embedding_sets WHERE tenant_id = $1 AND id = $2 AND state = 'building' FOR SHARE`,
      [tenantId, setId],
    );
    return rows.length > 0;
  }

  /**
   * The switch, in one transaction: `to` becomes the active set and `from` is retired, but
   * only if every chunk of `from` has its row in `to`. The sets are locked first, so chunk
   * writers that hold `from` (ingestion: EmbeddingSetsRepository.holdActive) have committed
   * and their chunks are counted, and later ones see `to` active and write there. Searches
   * take no lock: each reads the set that was active when its snapshot was taken.
   */
  async flip(m: EntityManager, tenantId: string, from: number, to: number): Promise<FlipOutcome> {
    const sets: { id: number; state: string }[] = await m.query(
      `SELECT id, state FROM embedding_sets WHERE tenant_id = $1 AND id = ANY($2::int[]) ORDER BY id FOR UPDATE`,
      [tenantId, [from, to]],
    );
    const state = (id: number) => sets.find((s) => Number(s.id) === id)?.state;
    if (state(to) !== 'building' || state(from) !== 'active') return 'not-building';
    const [missing]: { n: number }[] = await m.query(
      `SELECT count(*)::int AS n FROM embeddings a
       WHERE a.tenant_id = $1 AND a.set_id = $2 AND NOT EXISTS (SELECT 1 FROM embeddings b WHERE b.tenant_id = $1 AND b.id = a.id AND b.set_id = $3)`,
      [tenantId, from, to],
    );
    if (missing!.n > 0) return 'behind';
    await m.query(`UPDATE embedding_sets SET state = 'retired', retired_at = now() WHERE tenant_id = $1 AND id = $2`, [tenantId, from]);
    await m.query(`UPDATE embedding_sets SET state = 'active', phase = NULL, activated_at = now() WHERE tenant_id = $1 AND id = $2`, [
      tenantId,
      to,
    ]);
    return 'flipped';
  }

  /** A run of the switch job begins with `done` chunks already embedded: the ETA's baseline. */
  async startRun(m: EntityManager, tenantId: string, setId: number, done: number): Promise<void> {
    await m.query(
      `UPDATE embedding_sets SET run_started_at = now(), run_started_done = $3, failed_at = NULL WHERE tenant_id = $1 AND id = $2`,
      [tenantId, setId, done],
    );
  }

  async setPhase(m: EntityManager, tenantId: string, setId: number, phase: SetPhase): Promise<void> {
    await m.query(`UPDATE embedding_sets SET phase = $3 WHERE tenant_id = $1 AND id = $2 AND state = 'building'`, [tenantId, setId, phase]);
  }

  /** A failed attempt (the provider failed, a write failed): counted and its message kept for GET …/embedding-model. */
  async recordError(m: EntityManager, tenantId: string, setId: number, message: string): Promise<void> {
    await m.query(
      `UPDATE embedding_sets SET error_count = error_count + 1, last_error = $3, last_error_at = now() WHERE tenant_id = $1 AND id = $2`,
      [tenantId, setId, message.slice(0, 1000)],
    );
  }

  /** The job used up its attempts: the switch waits for an operator (a new POST resumes it, a DELETE gives it up). */
  async markFailed(m: EntityManager, tenantId: string, setId: number): Promise<void> {
    await m.query(`UPDATE embedding_sets SET failed_at = now() WHERE tenant_id = $1 AND id = $2 AND state = 'building'`, [tenantId, setId]);
  }

  /** Deletes up to `limit` rows of a set no longer searched; returns how many went (0: none left). */
  async deleteRows(m: EntityManager, tenantId: string, setId: number, limit: number): Promise<number> {
    const [, deleted]: [unknown, number] = await m.query(
      `DELETE FROM embeddings WHERE tenant_id = $1 AND set_id = $2
         AND id IN (SELECT id FROM embeddings WHERE tenant_id = $1 AND set_id = $2 ORDER BY seq LIMIT $3)`,
      [tenantId, setId, limit],
    );
    return Number(deleted);
  }

  /**
   * The set's rows are all gone. Only when none is left: two drops of one set (the switch's and the sweep's, in two worker
   * processes) delete the same batch, and the one that waited for the other's saw 0 deleted while rows remained; marked
   * dropped then, the set is never looked at again and the rows its partner had still to delete would stay for good.
   */
  async markDropped(m: EntityManager, tenantId: string, setId: number): Promise<boolean> {
    const [, updated]: [unknown, number] = await m.query(
      `UPDATE embedding_sets s SET dropped_at = now(), phase = NULL WHERE s.tenant_id = $1 AND s.id = $2 AND s.state IN ('retired', 'cancelled')
         AND NOT EXISTS (SELECT 1 FROM embeddings e WHERE e.tenant_id = $1 AND e.set_id = $2)`,
      [tenantId, setId],
    );
    return Number(updated) > 0;
  }
}
