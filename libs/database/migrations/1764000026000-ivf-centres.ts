import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Focused IVF probes (libs/retrieval/vector-index.ts, DEFAULT_IVF_FOCUS_RATIO): the registry keeps each IVF index's set
 * centres, k-means of its rows computed by the worker, which search compares a question with before it reads a list.
 * Existing IVF rows have none (and are searched with the full share) until the worker's sweep computes them; no index is
 * rebuilt. Means of at least three rows each (ivf-centres.ts), never one chunk's vector alone.
 */
export class IvfCentres1764000026000 implements MigrationInterface {
  name = 'IvfCentres1764000026000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE vector_indexes ADD COLUMN centres halfvec[]`);
    await q.query(`ALTER TABLE vector_indexes ADD CONSTRAINT vector_indexes_centres_check CHECK (centres IS NULL OR method = 'ivfflat')`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE vector_indexes DROP CONSTRAINT vector_indexes_centres_check`);
    await q.query(`ALTER TABLE vector_indexes DROP COLUMN centres`);
  }
}
