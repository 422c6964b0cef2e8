import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { PoolClient } from 'pg';
import copyStreams from 'pg-copy-streams';
import type { EntityManager } from 'typeorm';
import { COPY_HEADER, COPY_TRAILER, halfvecFieldBytes, writeHalfvec, writeUuid } from './copy-binary.js';
import { vectorLiteral } from './vector-literal.js';
import { databaseMode } from '../transaction-settings.js';

/** The session's staging table for a set's vectors (no RLS on temporary tables: see insert-chunks.ts). */
const STAGING = 'pg_temp.set_vector_staging_v1';
const CREATE_STAGING = `CREATE TEMP TABLE IF NOT EXISTS set_vector_staging_v1 (id uuid NOT NULL, embedding halfvec NOT NULL) ON COMMIT DELETE ROWS`;

/** The columns that make a copy of the chunk, as the catalogue lists them (generated and identity columns are made anew). */
let chunkColumns: Promise<string[]> | undefined;
const SET_BY_COPY = new Set(['set_id', 'embedding', 'model']);

/**
 * Writes another embedding set's vectors of chunks that exist (a model switch), in the
 * caller's tenant transaction: COPY BINARY of (chunk id, vector) into the session's staging
 * table, then one INSERT … SELECT that copies each chunk's row of `fromSet` with the new
 * vector, set and model. Every other column is copied as it is, whatever columns the table
 * has by then (read from the catalogue). A chunk deleted or replaced meanwhile has no row
 * to copy and is skipped; one already in `toSet` is kept (a batch written twice, by a
 * retried job, does no harm). Returns the rows written.
 *
 * The chunks' documents are locked first (FOR KEY SHARE), so that a reprocess or a delete of
 * one of them (both lock the document FOR UPDATE, then delete its rows in every set) runs
 * wholly before or wholly after this write. Without it, an INSERT whose snapshot predates a
 * reprocess's commit copied the replaced rows into `toSet` after the reprocess had deleted
 * the document's rows there: rows of chunks that no longer existed, which then blocked the
 * new chunks' rows (same document and chunk index) and held the switch in its catch-up loop,
 * or reached search after the flip; a delete made it fail on the foreign key instead.
 */
export async function insertSetVectors(
  m: EntityManager,
  sets: { tenantId: string; fromSet: number; toSet: number; model: string },
  chunks: readonly { id: string; documentId: string }[],
  vectors: readonly ArrayLike<number>[],
): Promise<number> {
  if (!chunks.length) return 0;
  if (!m.queryRunner) throw new Error('insertSetVectors must run inside a transaction');
  const client = (await m.queryRunner.connect()) as PoolClient;
  const ids = chunks.map((c) => c.id);
  // Before the INSERT, whose snapshot (READ COMMITTED: taken when it starts) then follows a reprocess that committed meanwhile.
  await client.query(`SELECT 1 FROM documents WHERE tenant_id = $1 AND id = ANY($2::uuid[]) ORDER BY id FOR KEY SHARE`, [
    sets.tenantId,
    [...new Set(chunks.map((c) => c.documentId))],
  ]);
  const citus = (await databaseMode(m.connection, m)) === 'citus';
  // Citus: the vectors as array parameters, so the INSERT … SELECT reads only the tenant's shard and
  // runs there (a staging table would make Citus COPY into the shards, which RLS forbids: insert-values.ts).
  let source = `${STAGING} s`;
  const params: unknown[] = [sets.tenantId, sets.fromSet, sets.toSet, sets.model];
  if (citus) {
    source = `unnest($5::uuid[], $6::text[]::halfvec[]) AS s(id, embedding)`;
    params.push(
      ids,
      vectors.map((v) => vectorLiteral(v)),
    );
  } else {
    await client.query(CREATE_STAGING);
    await pipeline(
      Readable.from(copyRows(ids, vectors)),
      client.query(copyStreams.from(`COPY ${STAGING} (id, embedding) FROM STDIN (FORMAT binary)`)),
    );
  }
  // A failed read is not kept: the next write reads again.
  chunkColumns ??= readChunkColumns(client).catch((e: unknown) => {
    chunkColumns = undefined;
    throw e;
  });
  const columns = (await chunkColumns).filter((c) => !SET_BY_COPY.has(c));
  const list = columns.map((c) => `"${c}"`).join(', ');
  const { rowCount } = await client.query(
    `INSERT INTO embeddings (${list}, set_id, embedding, model)
     SELECT ${columns.map((c) => `a."${c}"`).join(', ')}, $3, s.embedding, $4
     FROM ${source} JOIN embeddings a ON a.tenant_id = $1 AND a.id = s.id AND a.set_id = $2
     ORDER BY a.seq
     ON CONFLICT (tenant_id, id, set_id) DO NOTHING`,
    params,
  );
  if (!citus) await client.query(`TRUNCATE ${STAGING}`);
  return rowCount ?? 0;
}

async function readChunkColumns(client: PoolClient): Promise<string[]> {
  const { rows } = await client.query(
    `SELECT attname FROM pg_attribute
     WHERE attrelid = 'embeddings'::regclass AND attnum > 0 AND NOT attisdropped AND attgenerated = '' AND attidentity = ''
       AND attname <> 'seq' -- drawn anew: an identity column on one node, a sequence default on Citus
     ORDER BY attnum`,
  );
  return rows.map((r: { attname: string }) => r.attname);
}

function* copyRows(ids: readonly string[], vectors: readonly ArrayLike<number>[]): Generator<Buffer> {
  yield COPY_HEADER;
  for (const [i, id] of ids.entries()) {
    const vector = vectors[i]!;
    const b = Buffer.allocUnsafe(2 + (4 + 16) + halfvecFieldBytes(vector.length));
    writeHalfvec(b, writeUuid(b, b.writeInt16BE(2, 0), id), vector);
    yield b;
  }
  yield COPY_TRAILER;
}
