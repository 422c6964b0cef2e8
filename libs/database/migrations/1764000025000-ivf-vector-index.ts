import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * A set's own vector index may be IVFFlat as well as HNSW (bench/LAYOUT.md, section 7): the registry says which, and
 * for IVF how many lists (search reads a share of them). Existing rows are HNSW indexes and stay registered as such;
 * the worker's sweep finds a set whose method is not the one its size calls for (VECTOR_IVF_MAX_ROWS) and rebuilds
 * its index, CONCURRENTLY, searching through the old one meanwhile.
 */
export class IvfVectorIndex1764000025000 implements MigrationInterface {
  name = 'IvfVectorIndex1764000025000';

  async up(q: QueryRunner): Promise<void> {
    // One subcommand per statement: Citus propagates each to the shards of a distributed table.
    await q.query(`ALTER TABLE vector_indexes ADD COLUMN method text NOT NULL DEFAULT 'hnsw'`);
    await q.query(`ALTER TABLE vector_indexes ALTER COLUMN method DROP DEFAULT`); // the builder names it
    await q.query(`ALTER TABLE vector_indexes ADD COLUMN lists int`);
    await q.query(`ALTER TABLE vector_indexes ALTER COLUMN m DROP NOT NULL`);
    await q.query(`ALTER TABLE vector_indexes ALTER COLUMN ef_construction DROP NOT NULL`);
    await q.query(`ALTER TABLE vector_indexes DROP CONSTRAINT vector_indexes_index_name_check`);
    await q.query(`ALTER TABLE vector_indexes ADD CONSTRAINT vector_indexes_index_name_check
      CHECK (index_name ~ '^embeddings_(hnsw|ivf)_t_[0-9a-f]{32}_[0-9]+$')`);
    // Each method with its own parameters, and named for it: search reads the method to set its parameter.
    await q.query(`ALTER TABLE vector_indexes ADD CONSTRAINT vector_indexes_method_check CHECK (
      (method = 'hnsw' AND m IS NOT NULL AND ef_construction IS NOT NULL AND lists IS NULL AND index_name LIKE 'embeddings\\_hnsw\\_%')
      OR (method = 'ivfflat' AND lists > 0 AND m IS NULL AND ef_construction IS NULL AND index_name LIKE 'embeddings\\_ivf\\_%'))`);
  }

  async down(q: QueryRunner): Promise<void> {
    // Search stops using the IVF indexes (exact scans until the worker builds HNSW again), and they go.
    await q.query(`ALTER TABLE vector_indexes NO FORCE ROW LEVEL SECURITY`);
    await q.query(`DELETE FROM vector_indexes WHERE method = 'ivfflat'`);
    await q.query(`ALTER TABLE vector_indexes FORCE ROW LEVEL SECURITY`);
    const built = (await q.query(
      `SELECT indexname FROM pg_indexes WHERE schemaname = current_schema() AND tablename = 'embeddings' AND indexname ~ '^embeddings_ivf_t_[0-9a-f]{32}_[0-9]+$'`,
    )) as { indexname: string }[];
    for (const { indexname } of built) await q.query(`DROP INDEX ${indexname}`);
    await q.query(`ALTER TABLE vector_indexes DROP CONSTRAINT vector_indexes_method_check`);
    await q.query(`ALTER TABLE vector_indexes DROP CONSTRAINT vector_indexes_index_name_check`);
    await q.query(`ALTER TABLE vector_indexes ADD CONSTRAINT vector_indexes_index_name_check
      CHECK (index_name ~ '^embeddings_hnsw_t_[0-9a-f]{32}_[0-9]+$')`);
    await q.query(`ALTER TABLE vector_indexes ALTER COLUMN ef_construction SET NOT NULL`);
    await q.query(`ALTER TABLE vector_indexes ALTER COLUMN m SET NOT NULL`);
    await q.query(`ALTER TABLE vector_indexes DROP COLUMN lists`);
    await q.query(`ALTER TABLE vector_indexes DROP COLUMN method`);
  }
}
