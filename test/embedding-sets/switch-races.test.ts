/**
 * A model switch writing a batch of the new set's vectors while a document of the batch is reprocessed or deleted
 * (found by a review of the switch): the batch's INSERT … SELECT copied the rows its snapshot still showed, and a
 * reprocess committing meanwhile had already deleted the document's rows in every set, so the new set kept rows of
 * chunks that no longer existed. They blocked the new chunks' rows (same document and chunk index, swallowed by
 * ON CONFLICT DO NOTHING), so the switch's catch-up loop never ended; a delete made the batch fail on the foreign key.
 * Also: a drop marked its set dropped while another drop of the same set still had rows to delete.
 *
 * The interleavings are made by hand: a superuser transaction plays the reprocess (or the delete) and is held open
 * while insertSetVectors runs in the runtime role's tenant transaction, as the switch runs it.
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, test } from 'node:test';
import type pg from 'pg';
import { EmbeddingSwitchRepository } from '../../apps/worker/src/embedding-switch/embedding-switch.repository.js';
import { platformEmbeddingModel } from '../../libs/config/embedding-default.js';
import { insertSetVectors } from '../../libs/database/embeddings/insert-set-vectors.js';
import type { TenantDb } from '../../libs/database/tenant-db.js';
import { createTenant, TestApi, type TestTenant } from '../support/api.js';
import { runtimeDb, superClient } from '../support/db.js';
import { waitFor } from '../support/worker.js';

let api: TestApi;
let db: pg.Client;
let tenantDb: TenantDb;
let t: TestTenant;
let dims: number;
let active: number;
const building = 2;
const CHUNKS = 3;

const vector = () => Array.from({ length: dims }, () => Math.random() - 0.5);

/** A ready document of CHUNKS chunks in the active set, written as superuser; its chunk ids. */
async function documentWithChunks(client: pg.Client, doc: string): Promise<string[]> {
  await client.query(
    `INSERT INTO documents (tenant_id, id, filename, mime_type, size_bytes, content_hash, status, progress, page_count, chunk_count)
     VALUES ($1, $2::uuid, 'race.txt', 'text/plain', 100, 'race-' || $2::text, 'ready', 100, 1, $3)`,
    [t.id, doc, CHUNKS],
  );
  return chunksOf(client, doc);
}

/** Writes the document's chunks anew in the active set (new ids, same chunk indexes), as a reprocess does; their ids. */
async function chunksOf(client: pg.Client, doc: string): Promise<string[]> {
  const { rows } = await client.query(
    `INSERT INTO embeddings (tenant_id, id, set_id, document_id, chunk_index, content, embedding, page_from, page_to, char_start, char_end, token_count, model)
     SELECT $1, gen_random_uuid(), $2, $3, i, format('Chunk %s of the document.', i), $4::halfvec, 1, 1, 0, 10, 5, 'synthetic'
     FROM generate_series(0, $5 - 1) i RETURNING id`,
    [t.id, active, doc, `[${vector().join(',')}]`, CHUNKS],
  );
  return rows.map((r: { id: string }) => r.id);
}

/** The switch's batch write of these chunks into the building set, in the runtime role's tenant transaction. */
const writeBatch = (doc: string, ids: string[]) =>
  tenantDb.runFor(t.id, (m) =>
    insertSetVectors(
      m,
      { tenantId: t.id, fromSet: active, toSet: building, model: 'race-model' },
      ids.map((id) => ({ id, documentId: doc })),
      ids.map(() => vector()),
    ),
  );

/** Rows of the building set whose chunk has no row in the active set: rows of chunks that no longer exist. */
const orphans = async () =>
  (
    await db.query(
      `SELECT count(*)::int AS n FROM embeddings b WHERE b.tenant_id = $1 AND b.set_id = $2
         AND NOT EXISTS (SELECT 1 FROM embeddings a WHERE a.tenant_id = $1 AND a.set_id = $3 AND a.id = b.id)`,
      [t.id, building, active],
    )
  ).rows[0].n as number;

/** Until some backend of this database waits for a lock (the batch write behind the held transaction). */
const someoneWaits = () =>
  waitFor(
    'the batch write waiting for the held transaction',
    async () =>
      (
        await db.query(
          `SELECT 1 FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock' AND pid <> pg_backend_pid()`,
        )
      ).rowCount! > 0,
    10_000,
    25,
  );

before(async () => {
  api = await TestApi.start({ QUEUE_PREFIX: `swr-${randomUUID().slice(0, 6)}` });
  db = await superClient();
  tenantDb = await runtimeDb(2);
  dims = platformEmbeddingModel(process.env).dimensions;
  t = await createTenant(api, 'switch-races');
  const { rows } = await db.query(`SELECT id FROM embedding_sets WHERE tenant_id = $1 AND state = 'active'`, [t.id]);
  active = Number(rows[0].id);
  assert.notEqual(active, building);
  await db.query(
    `INSERT INTO embedding_sets (tenant_id, id, provider, model, dimensions, state, phase) VALUES ($1, $2, 'local', 'race-model', $3, 'building', 're-embedding')`,
    [t.id, building, dims],
  );
});

after(async () => {
  await tenantDb?.dataSource.destroy();
  await api?.close();
  await db?.end();
});

test("a document reprocessed while the switch writes its chunks: the batch copies no replaced chunk, and the new chunks' rows go in", async () => {
  const doc = randomUUID();
  const oldIds = await documentWithChunks(db, doc);
  const reprocess = await superClient();
  let newIds: string[];
  try {
    // What replaceChunks does: the document locked, its rows deleted in every set, its new chunks written; not committed yet.
    await reprocess.query('BEGIN');
    await reprocess.query(`SELECT 1 FROM documents WHERE tenant_id = $1 AND id = $2 FOR UPDATE`, [t.id, doc]);
    await reprocess.query(`DELETE FROM embeddings WHERE tenant_id = $1 AND document_id = $2`, [t.id, doc]);
    newIds = await chunksOf(reprocess, doc);
    const batch = writeBatch(doc, oldIds);
    await someoneWaits();
    await reprocess.query('COMMIT');
    assert.equal(await batch, 0, 'the replaced chunks are gone: nothing to copy');
  } finally {
    await reprocess.query('ROLLBACK').catch(() => undefined);
    await reprocess.end();
  }
  assert.equal(await orphans(), 0, 'no row of a replaced chunk in the new set');
  assert.equal(await writeBatch(doc, newIds), CHUNKS, "the new chunks' rows are written (nothing holds their chunk indexes)");
  assert.equal(await orphans(), 0);
});

test('a document deleted while the switch writes its chunks: the batch writes nothing and does not fail', async () => {
  const doc = randomUUID();
  const ids = await documentWithChunks(db, doc);
  const remove = await superClient();
  try {
    await remove.query('BEGIN');
    await remove.query(`DELETE FROM documents WHERE tenant_id = $1 AND id = $2`, [t.id, doc]); // its rows go by cascade
    const batch = writeBatch(doc, ids);
    await someoneWaits();
    await remove.query('COMMIT');
    assert.equal(await batch, 0);
  } finally {
    await remove.query('ROLLBACK').catch(() => undefined);
    await remove.end();
  }
  const { rows } = await db.query(`SELECT count(*)::int AS n FROM embeddings WHERE tenant_id = $1 AND document_id = $2`, [t.id, doc]);
  assert.equal(rows[0].n, 0);
});

test('a retired set is marked dropped only once none of its rows is left', async () => {
  const repo = new EmbeddingSwitchRepository();
  await db.query(`UPDATE embedding_sets SET state = 'retired', phase = NULL, retired_at = now() WHERE tenant_id = $1 AND id = $2`, [
    t.id,
    building,
  ]);
  const droppedAt = async () =>
    (await db.query(`SELECT dropped_at FROM embedding_sets WHERE tenant_id = $1 AND id = $2`, [t.id, building])).rows[0].dropped_at;
  const { rows } = await db.query(`SELECT count(*)::int AS n FROM embeddings WHERE tenant_id = $1 AND set_id = $2`, [t.id, building]);
  assert.ok(rows[0].n > 0, 'the set still has rows');
  assert.equal(await tenantDb.runFor(t.id, (m) => repo.markDropped(m, t.id, building)), false);
  assert.equal(await droppedAt(), null);
  await tenantDb.runFor(t.id, (m) => repo.deleteRows(m, t.id, building, 1000));
  assert.equal(await tenantDb.runFor(t.id, (m) => repo.markDropped(m, t.id, building)), true);
  assert.notEqual(await droppedAt(), null);
});
