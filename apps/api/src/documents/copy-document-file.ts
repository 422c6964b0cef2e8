import { createReadStream } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { insertValues } from '#libs/database/insert-values.js';
import { databaseMode } from '#libs/database/transaction-settings.js';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { PoolClient } from 'pg';
import copyStreams from 'pg-copy-streams';
import type { EntityManager } from 'typeorm';

/**
 * The session's staging table for uploaded bytes. PostgreSQL refuses COPY FROM into
 * document_files (it has row-level security); a temporary table has none. Like
 * document_files, including its STORAGE EXTERNAL, so the bytes are neither compressed
 * on the way in nor decompressed on the way out. ON COMMIT DELETE ROWS empties it at
 * the end of every transaction (so a pooled connection never carries one tenant's
 * bytes into another's transaction) without the catalogue churn of a TRUNCATE;
 * it is created once per connection.
 */
const STAGING = 'pg_temp.document_file_staging';
const CREATE_STAGING = `CREATE TEMP TABLE IF NOT EXISTS document_file_staging (LIKE document_files INCLUDING STORAGE) ON COMMIT DELETE ROWS`;

/**
 * Streams an upload's bytes from its temporary file into document_files, in the
 * caller's tenant transaction: COPY BINARY into the staging table, then one
 * `INSERT … SELECT` that the RLS policy checks. The API holds at most a few chunks of
 * the file at a time (the whole file was a 45 MB Buffer before).
 *
 * Binary COPY rather than text: a bytea field goes as its raw bytes behind a length,
 * which is known because the whole file is on disk (text COPY would double it as hex).
 */
export async function copyDocumentFile(
  m: EntityManager,
  ids: { tenantId: string; documentId: string },
  file: { path: string; size: number },
): Promise<void> {
  if (!m.queryRunner) throw new Error('copyDocumentFile must run inside a transaction');
  if ((await databaseMode(m.connection, m)) === 'citus') {
    // Citus: one INSERT with the bytes as a parameter (insert-values.ts says why); the file is read whole.
    const data = await readFile(file.path);
    if (data.length !== file.size) throw new Error(`upload file changed size: ${data.length} bytes instead of ${file.size}`);
    await insertValues(
      m,
      'document_files',
      ['tenant_id', 'document_id', 'data'],
      ['uuid', 'uuid', 'bytea'],
      [[ids.tenantId, ids.documentId, data]],
    );
    return;
  }
  const client = (await m.queryRunner.connect()) as PoolClient;
  await client.query(CREATE_STAGING);
  await pipeline(
    Readable.from(copyRow(ids, file)),
    client.query(copyStreams.from(`COPY ${STAGING} (tenant_id, document_id, data) FROM STDIN (FORMAT binary)`)),
  );
  await client.query(
    `INSERT INTO document_files (tenant_id, document_id, data)
     SELECT tenant_id, document_id, data FROM ${STAGING} WHERE document_id = $1`,
    [ids.documentId],
  );
}

/** COPY BINARY with one row: signature, flags, header extension; 3 fields (uuid, uuid, bytea); the -1 trailer. */
async function* copyRow(ids: { tenantId: string; documentId: string }, file: { path: string; size: number }): AsyncGenerator<Buffer> {
  const uuid = (id: string) => Buffer.from(id.replace(/-/g, ''), 'hex');
  const header = Buffer.alloc(11 + 8 + 2 + (4 + 16) * 2 + 4);
  let o = header.write('PGCOPY\n\xff\r\n\0', 0, 'latin1');
  o = header.writeInt32BE(0, o); // flags
  o = header.writeInt32BE(0, o); // header extension length
  o = header.writeInt16BE(3, o); // fields in the row
  for (const id of [ids.tenantId, ids.documentId]) {
    o = header.writeInt32BE(16, o);
    o += uuid(id).copy(header, o);
  }
  header.writeInt32BE(file.size, o); // then exactly that many bytes of data
  yield header;
  let sent = 0;
  for await (const chunk of createReadStream(file.path, { highWaterMark: 256 * 1024 })) {
    sent += (chunk as Buffer).length;
    if (sent > file.size) break;
    yield chunk as Buffer;
  }
  // A short or grown file would desynchronise the COPY stream: fail it (the transaction rolls back).
  if (sent !== file.size) throw new Error(`upload file changed size: ${sent} bytes instead of ${file.size}`);
  const trailer = Buffer.alloc(2);
  trailer.writeInt16BE(-1);
  yield trailer;
}
