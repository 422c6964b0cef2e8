import { randomUUID } from 'node:crypto';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { PoolClient } from 'pg';
import copyStreams from 'pg-copy-streams';
import type { EntityManager } from 'typeorm';
import type { ChunkRow } from './chunk-row.js';
import { COPY_HEADER, COPY_TRAILER, halfvecFieldBytes, writeHalfvec, writeUuid } from './copy-binary.js';
import { vectorLiteral } from './vector-literal.js';
import { insertValues } from '../insert-values.js';
import { databaseMode } from '../transaction-settings.js';

/**
 * The session's staging table. Temporary tables have no row-level security,
 * so COPY may write into one; ON COMMIT DELETE ROWS empties it at the end of
 * every transaction, so a pooled connection never carries one tenant's rows
 * into another's transaction, and it is created once per connection.
 */
// Renamed with the section column: a connection opened before the upgrade keeps its old table.
const STAGING = 'pg_temp.chunk_staging_v2';
const CREATE_STAGING = `
  CREATE TEMP TABLE IF NOT EXISTS chunk_staging_v2 (
    id uuid NOT NULL, chunk_index int NOT NULL, content text NOT NULL, embedding halfvec NOT NULL,
    page_from int NOT NULL, page_to int NOT NULL, char_start int NOT NULL, char_end int NOT NULL, token_count int NOT NULL,
    section text
  ) ON COMMIT DELETE ROWS`;

/**
 * Bulk insert of a document's chunks, in the caller's tenant transaction:
 * COPY BINARY into the session's staging table, then one
 * `INSERT … SELECT` into embeddings, which the RLS policy checks row by row
 * (PostgreSQL refuses COPY FROM into a table with row-level security).
 * Measured against the former multi-row `INSERT … unnest(text[])`: bench/RESULTS.md, "Writes".
 * `vectors[i]` is the vector of the chunk whose `index` is i.
 */
export async function insertChunks(
  m: EntityManager,
  /** setId: the embedding set the vectors belong to; unset, the tenant's active one (a trigger fills it in). */
  doc: { tenantId: string; documentId: string; model: string; searchConfig: string; setId?: number },
  chunks: readonly ChunkRow[],
  vectors: readonly ArrayLike<number>[],
): Promise<void> {
  if (!chunks.length) return;
  if (!m.queryRunner) throw new Error('insertChunks must run inside a transaction');
  if ((await databaseMode(m.connection, m)) === 'citus') return insertChunkValues(m, doc, chunks, vectors);
  const client = (await m.queryRunner.connect()) as PoolClient;
  await client.query(CREATE_STAGING);
  await pipeline(
    Readable.from(copyRows(chunks, vectors)),
    client.query(
      copyStreams.from(
        `COPY ${STAGING} (id, chunk_index, content, embedding, page_from, page_to, char_start, char_end, token_count, section) FROM STDIN (FORMAT binary)`,
      ),
    ),
  );
  await client.query(
    `INSERT INTO embeddings (tenant_id, id, set_id, document_id, chunk_index, content, embedding, page_from, page_to,
                             char_start, char_end, token_count, model, search_config, section)
     SELECT $1, s.id, $5, $2, s.chunk_index, s.content, s.embedding, s.page_from, s.page_to, s.char_start, s.char_end, s.token_count, $3, $4::regconfig, s.section
     FROM ${STAGING} s ORDER BY s.chunk_index`,
    [doc.tenantId, doc.documentId, doc.model, doc.searchConfig, doc.setId ?? null],
  );
  await client.query(`TRUNCATE ${STAGING}`); // a second document in the same transaction starts empty
}

/** Citus: the same rows as VALUES (insert-values.ts says why), each naming its set (no trigger there). */
async function insertChunkValues(
  m: EntityManager,
  doc: { tenantId: string; documentId: string; model: string; searchConfig: string; setId?: number },
  chunks: readonly ChunkRow[],
  vectors: readonly ArrayLike<number>[],
): Promise<void> {
  const setId =
    doc.setId ??
    (await m.query<{ id: number }[]>(`SELECT id FROM embedding_sets WHERE tenant_id = $1 AND state = 'active'`, [doc.tenantId]))[0]?.id;
  if (setId === undefined) throw new Error(`tenant ${doc.tenantId} has no active embedding set`);
  const ordered = [...chunks].sort((a, b) => a.index - b.index);
  await insertValues(
    m,
    'embeddings',
    CHUNK_COLUMNS,
    CHUNK_CASTS,
    ordered.map((c) => [
      doc.tenantId,
      randomUUID(),
      setId,
      doc.documentId,
      c.index,
      c.content.replace(/\u0000/g, ''),
      vectorLiteral(vectors[c.index]!),
      c.pageFrom,
      c.pageTo,
      c.charStart,
      c.charEnd,
      c.tokenCount,
      doc.model,
      doc.searchConfig,
      c.section ? c.section.replace(/\u0000/g, '') : null,
    ]),
  );
}

const CHUNK_COLUMNS = [
  'tenant_id',
  'id',
  'set_id',
  'document_id',
  'chunk_index',
  'content',
  'embedding',
  'page_from',
  'page_to',
  'char_start',
  'char_end',
  'token_count',
  'model',
  'search_config',
  'section',
];
const CHUNK_CASTS = [
  'uuid',
  'uuid',
  'int',
  'uuid',
  'int',
  'text',
  'halfvec',
  'int',
  'int',
  'int',
  'int',
  'int',
  'text',
  'regconfig',
  'text',
];

/** Rows per buffer handed to COPY: a few MB at 1536 dimensions. */
const ROWS_PER_BUFFER = 256;

/** COPY BINARY: signature, flags, header extension; then per row a field count and length-prefixed fields; then -1. */
function* copyRows(chunks: readonly ChunkRow[], vectors: readonly ArrayLike<number>[]): Generator<Buffer> {
  yield COPY_HEADER;
  for (let start = 0; start < chunks.length; start += ROWS_PER_BUFFER) {
    yield Buffer.concat(chunks.slice(start, start + ROWS_PER_BUFFER).map((c) => copyRow(c, vectors[c.index]!)));
  }
  yield COPY_TRAILER;
}

function copyRow(c: ChunkRow, vector: ArrayLike<number>): Buffer {
  const text = Buffer.from(c.content.replace(/\u0000/g, ''), 'utf8');
  const section = c.section ? Buffer.from(c.section.replace(/\u0000/g, ''), 'utf8') : null;
  const b = Buffer.allocUnsafe(
    2 + (4 + 16) + 8 + (4 + text.length) + halfvecFieldBytes(vector.length) + 5 * 8 + 4 + (section?.length ?? 0),
  );
  let o = b.writeInt16BE(10, 0);
  o = writeUuid(b, o, randomUUID());
  const int = (n: number) => {
    o = b.writeInt32BE(4, o);
    o = b.writeInt32BE(n, o);
  };
  int(c.index);
  o = b.writeInt32BE(text.length, o);
  o += text.copy(b, o);
  o = writeHalfvec(b, o, vector);
  int(c.pageFrom);
  int(c.pageTo);
  int(c.charStart);
  int(c.charEnd);
  int(c.tokenCount);
  if (section) {
    o = b.writeInt32BE(section.length, o);
    o += section.copy(b, o);
  } else o = b.writeInt32BE(-1, o); // NULL
  return b;
}
