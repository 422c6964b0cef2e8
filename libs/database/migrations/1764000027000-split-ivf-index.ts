import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Split IVF indexes (libs/retrieval/vector-index.ts, vectorIndexPartsFor): a large IVF set gets two partial indexes, over
 * its even and its odd seqs, which a search reads at once on two connections. The registry row names the first half
 * (…_p0) and says `parts = 2`; the second half's name follows from it (…_p1). Existing rows are whole indexes (parts 1)
 * until the worker's sweep finds one that VECTOR_IVF_SPLIT_ROWS would split and rebuilds it; search reads them as before.
 */
export class SplitIvfIndex1764000027000 implements MigrationInterface {
  name = 'SplitIvfIndex1764000027000';

  async up(q: QueryRunner): Promise<void> {
    // One subcommand per statement: Citus propagates each to the shards of a distributed table.
    await q.query(`ALTER TABLE vector_indexes ADD COLUMN parts smallint NOT NULL DEFAULT 1`);
    await q.query(`ALTER TABLE vector_indexes DROP CONSTRAINT vector_indexes_index_name_check`);
    await q.query(`ALTER TABLE vector_indexes ADD CONSTRAINT vector_indexes_index_name_check
      CHECK (index_name ~ '^embeddings_(hnsw|ivf)_t_[0-9a-f]{32}_[0-9]+(_p0)?$')`);
    await q.query(`ALTER TABLE vector_indexes ADD CONSTRAINT vector_indexes_parts_check
      CHECK ((parts = 1 AND index_name !~ '_p0$') OR (parts = 2 AND method = 'ivfflat' AND index_name ~ '_p0$'))`);
  }

  async down(q: QueryRunner): Promise<void> {
    // A split index cannot be read as one: search stops using it (exact scans until the worker builds a whole one), and
    // both halves go.
    await q.query(`ALTER TABLE vector_indexes NO FORCE ROW LEVEL SECURITY`);
    await q.query(`DELETE FROM vector_indexes WHERE parts = 2`);
    await q.query(`ALTER TABLE vector_indexes FORCE ROW LEVEL SECURITY`);
    const built = (await q.query(
      `SELECT indexname FROM pg_indexes WHERE schemaname = current_schema() AND tablename = 'embeddings' AND indexname ~ '^embeddings_ivf_t_[0-9a-f]{32}_[0-9]+_p[01]$'`,
    )) as { indexname: string }[];
    for (const { indexname } of built) await q.query(`DROP INDEX ${indexname}`);
    await q.query(`ALTER TABLE vector_indexes DROP CONSTRAINT vector_indexes_parts_check`);
    await q.query(`ALTER TABLE vector_indexes DROP CONSTRAINT vector_indexes_index_name_check`);
    await q.query(`ALTER TABLE vector_indexes ADD CONSTRAINT vector_indexes_index_name_check
      CHECK (index_name ~ '^embeddings_(hnsw|ivf)_t_[0-9a-f]{32}_[0-9]+$')`);
    await q.query(`ALTER TABLE vector_indexes DROP COLUMN parts`);
  }
}
