/**
 * Split IVF indexes (VECTOR_IVF_SPLIT_ROWS; bench/LAYOUT.md, section 11): a large IVF set gets two partial indexes, over
 * its even and its odd seqs, and a search reads the second half on an idle pooled connection at once with the first.
 *
 * What could go wrong, tried here with a real worker, real pools and the runtime role:
 * - the worker leaves a whole index in place, or half a split one, or an old index behind (rebuild, tenant deletion);
 * - the two halves answer differently than one statement reading both (merge, order, completeness);
 * - the second connection reads another snapshot than the search (rows deleted meanwhile would vanish from one half);
 * - the second connection reads as no tenant or another tenant, or keeps the tenant after it goes back to the pool;
 * - a full pool, or a tenant at its pool share, deadlocks or waits instead of reading both halves on one connection.
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, test } from 'node:test';
import type pg from 'pg';
import { DataSource, type DataSourceOptions } from 'typeorm';
import { platformEmbeddingModel } from '../../libs/config/embedding-default.js';
import { loadConfig } from '../../libs/config/config.js';
import { vectorLiteral } from '../../libs/database/embeddings/vector-literal.js';
import { runtimeDataSourceOptions } from '../../libs/database/data-source.js';
import { databaseMode } from '../../libs/database/transaction-settings.js';
import { TenantDb } from '../../libs/database/tenant-db.js';
import { SearchRepository, type SearchParams, type SplitRead } from '../../libs/retrieval/search.repository.js';
import type { SearchHit } from '../../libs/retrieval/search.types.js';
import { ivfListsFor } from '../../libs/retrieval/vector-index.js';
import { createTenant, TestApi, type TestTenant } from '../support/api.js';
import { deleteTenants, runtimeDb, superClient } from '../support/db.js';
import { prng } from '../support/prng.js';
import { runInTenant } from '../../libs/tenancy/tenant-context.js';
import { waitFor, WorkerProcess } from '../support/worker.js';

const CHUNKS = 8_000;
// Above the tenants other suites leave behind (completeness's fillers have 4 000 chunks): the worker started here sweeps
// every tenant, and would otherwise build their indexes first, on Citus for longer than the waits below.
const MIN_ROWS = 5_000;
const SPLIT_ROWS = 6_000;
const LIST_ROWS = 100; // 40 lists per half: enough for the share read to matter
const TOPICS = 8;
const TOP_K = 10;
/** How long a worker may take for the builds a test waits for: on Citus, after the completeness suite, one took 95 s. */
const BUILD_WAIT_MS = 240_000;

let api: TestApi;
let db: pg.Client; // superuser: bulk set-up, catalogue checks, deletes behind a search's back
let tenantDb: TenantDb; // runtime role, a pool of 4: idle connections to borrow
let onePool: TenantDb; // a pool of 1: never an idle one
let a: TestTenant;
let b: TestTenant;
let dims: number;
let centres: number[][];
/**
 * How a search with idle connections reads the halves: at once on one node; on Citus one after the other (a shard's
 * statement runs on its worker node, where the coordinator's snapshot cannot be imported), which the suite checks there.
 */
let atOnce: SplitRead;
const repo = new SearchRepository({ minRows: MIN_ROWS, efSearch: 0, searchTimeoutMs: 30_000 });
const queuePrefix = `split-${randomUUID().slice(0, 8)}`;
const env = (splitRows: number) => ({
  QUEUE_PREFIX: queuePrefix,
  VECTOR_INDEX_MIN_ROWS: String(MIN_ROWS),
  VECTOR_IVF_LIST_ROWS: String(LIST_ROWS),
  VECTOR_IVF_SPLIT_ROWS: String(splitRows),
  VECTOR_INDEX_SWEEP_MS: '1000',
});

const rnd = prng(27_000);
const unit = (v: number[]) => {
  const n = Math.sqrt(v.reduce((s, x) => s + x * x, 0));
  return v.map((x) => x / n);
};
const gauss = () => unit(Array.from({ length: dims }, () => rnd.gauss()));
/** A question near topic `t` (noise 0.7), or off every topic (t undefined). */
const question = (t?: number) => {
  if (t === undefined) return gauss();
  const noise = gauss();
  return unit(centres[t]!.map((x, i) => x + 0.7 * noise[i]!));
};

async function registry(tenantId: string) {
  return (
    await db.query<{ index_name: string; parts: number; lists: number; indexed_rows: string }>(
      `SELECT index_name, parts, lists, indexed_rows FROM vector_indexes WHERE tenant_id = $1`,
      [tenantId],
    )
  ).rows[0];
}

/** The tenant's vector indexes in the catalogue: name, validity, predicate. */
async function tenantIndexes(tenantId: string) {
  return (
    await db.query<{ name: string; valid: boolean; predicate: string }>(
      `SELECT c.relname AS name, i.indisvalid AS valid, pg_get_expr(i.indpred, i.indrelid) AS predicate
       FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid
       WHERE c.relname ~ ('^embeddings_(ivf|hnsw)_t_' || $1) ORDER BY 1`,
      [tenantId.replace(/-/g, '')],
    )
  ).rows;
}

/** The tenant's chunks: TOPICS topic centres plus noise, generated in SQL (CHUNKS × the set's dimensions is too much to send). */
async function load(tenantId: string): Promise<void> {
  const { rows } = await db.query(`SELECT id FROM embedding_sets WHERE tenant_id = $1 AND state = 'active'`, [tenantId]);
  const setId = Number(rows[0].id);
  const doc = randomUUID();
  await db.query(
    `INSERT INTO documents (tenant_id, id, filename, mime_type, size_bytes, content_hash, status, progress, page_count, chunk_count)
     VALUES ($1, $2::uuid, 'split.txt', 'text/plain', 1000, 'split-' || $2::text, 'ready', 100, 1, $3)`,
    [tenantId, doc, CHUNKS],
  );
  // Uniform noise of norm ~0.9 around a unit centre, as the completeness test's. Topics by pairs of rows: each topic has
  // rows of both seq parities, so of both halves (rows in turn would put every topic in one half).
  const scale = 0.9 / Math.sqrt(dims / 12);
  await db.query(
    `INSERT INTO embeddings (tenant_id, id, set_id, document_id, chunk_index, content, embedding, page_from, page_to, char_start, char_end, token_count, model)
     SELECT $1, gen_random_uuid(), $2, $3, g.i, 'chunk ' || g.i || ' about topic ' || c.t, l2_normalize(c.v + n.v)::halfvec, 1, 1, 0, 10, 10, 'synthetic'
     FROM generate_series(0, $4::int - 1) g(i)
     JOIN unnest($5::vector[]) WITH ORDINALITY c(v, t) ON c.t = (g.i / 2) % ${TOPICS} + 1
     CROSS JOIN LATERAL (SELECT array_agg((random()::real - 0.5::real) * ${scale}::real)::vector AS v
                         FROM generate_series(1, ${dims}) d WHERE g.i >= 0) n`,
    [tenantId, setId, doc, CHUNKS, centres.map(vectorLiteral)],
  );
}

async function search(
  tdb: TenantDb,
  tenantId: string,
  p: Pick<SearchParams, 'vector' | 'mode'> & Partial<SearchParams>,
): Promise<{ hits: SearchHit[]; split: SplitRead | undefined }> {
  return tdb.runFor(tenantId, async (m) => {
    const hits = await repo.search(m, { query: 'topic chunk', topK: TOP_K, language: 'simple', ...p, tenantId });
    return { hits, split: repo.lastSplitRead };
  });
}

/** The exact top k of the tenant's chunks (superuser, no index: the reference). */
async function exactTop(tenantId: string, vector: number[], k = TOP_K): Promise<string[]> {
  const { rows } = await db.query(
    `SELECT id FROM (SELECT id, embedding <=> $2::halfvec AS d FROM embeddings WHERE tenant_id = $1 OFFSET 0) x ORDER BY d, id LIMIT $3`,
    [tenantId, vectorLiteral(vector), k],
  );
  return rows.map((r) => r.id as string);
}

const ids = (hits: SearchHit[]) => hits.map((h) => h.chunkId);

const poolOf = (tdb: TenantDb) => (tdb.dataSource.driver as unknown as { master: pg.Pool }).master;

/** Opens `n` connections of the pool at once and gives them back: idle ones to borrow (the API's pool keeps DB_POOL_MIN). */
async function warm(tdb: TenantDb, n: number): Promise<void> {
  const clients = await Promise.all(Array.from({ length: n }, () => poolOf(tdb).connect()));
  for (const c of clients) c.release();
}

before(async () => {
  db = await superClient();
  dims = platformEmbeddingModel(process.env).dimensions;
  atOnce = (await databaseMode(db, db)) === 'citus' ? 'serial' : 'parallel';
  const common = gauss().map((x) => x * 0.35);
  centres = Array.from({ length: TOPICS }, () => unit(gauss().map((x, i) => x + common[i]!)));
  api = await TestApi.start({ QUEUE_PREFIX: queuePrefix });
  [a, b] = [await createTenant(api, 'split-a'), await createTenant(api, 'split-b')];
  await load(a.id);
  await load(b.id);
  tenantDb = await runtimeDb(4);
  onePool = await runtimeDb(1);
});

after(async () => {
  await api?.close();
  await tenantDb?.dataSource.destroy();
  await onePool?.dataSource.destroy();
  await deleteTenants(db, [a, b]);
  await db?.end();
});

test('the worker builds a whole index below VECTOR_IVF_SPLIT_ROWS, rebuilds it as two halves over even and odd seqs above, and drops the whole one', async () => {
  let worker = await WorkerProcess.start(env(0)); // 0: never split
  try {
    const whole = await waitFor(
      'a whole IVF index',
      async () => {
        const r = await registry(a.id);
        return r && (await registry(b.id)) ? r : false;
      },
      BUILD_WAIT_MS,
      200,
    );
    assert.equal(whole.parts, 1);
    assert.doesNotMatch(whole.index_name, /_p0$/);
  } finally {
    await worker.stop();
  }
  const before = (await tenantIndexes(a.id)).map((i) => i.name);
  worker = await WorkerProcess.start(env(SPLIT_ROWS));
  try {
    // The sweep finds the whole index stale for its layout and rebuilds it; then the whole one goes.
    const split = await waitFor(
      'two halves',
      async () => {
        const [ra, rb] = [await registry(a.id), await registry(b.id)];
        if (ra?.parts !== 2 || rb?.parts !== 2) return false;
        return (await tenantIndexes(a.id)).length === 2 && (await tenantIndexes(b.id)).length === 2 ? ra : false;
      },
      BUILD_WAIT_MS,
      200,
    );
    assert.match(split.index_name, /^embeddings_ivf_t_[0-9a-f]{32}_\d+_p0$/);
    assert.equal(split.lists, ivfListsFor(CHUNKS / 2, LIST_ROWS));
    assert.equal(Number(split.indexed_rows), CHUNKS);
    const indexes = await tenantIndexes(a.id);
    assert.deepEqual(
      indexes.map((i) => i.name),
      [split.index_name, split.index_name.replace(/_p0$/, '_p1')],
    );
    assert.ok(!indexes.some((i) => before.includes(i.name)), 'the whole index is dropped');
    for (const [part, i] of indexes.entries()) {
      assert.equal(i.valid, true);
      // Its half's parity, then the condition that names the index (vectorIndexPredicate).
      assert.match(
        i.predicate,
        new RegExp(`AND \\(\\(seq % \\(2\\)::bigint\\) = ${part}\\) AND \\(seq <> '-\\d+'::(?:integer|bigint)\\)\\)$`),
      );
    }
    // Each half holds its parity's rows: together every row, once.
    const { rows } = await db.query(
      `SELECT count(*) FILTER (WHERE seq % 2 = 0) AS even, count(*) AS all FROM embeddings WHERE tenant_id = $1`,
      [a.id],
    );
    assert.ok(Number(rows[0].even) > 0 && Number(rows[0].even) < Number(rows[0].all));
  } finally {
    await worker.stop();
  }
});

test('both halves read at once give the rows one statement reading both gives, complete, near the exact top 10, only the tenant’s own', async () => {
  const own = new Set((await db.query(`SELECT id FROM embeddings WHERE tenant_id = $1`, [a.id])).rows.map((r) => r.id as string));
  await warm(tenantDb, 4);
  let recall = 0;
  let n = 0;
  for (const t of [0, 1, 2, 3, 4, 5, 6, 7, undefined, undefined, undefined, undefined]) {
    const vector = question(t);
    for (const mode of ['vector', 'hybrid'] as const) {
      const parallel = await search(tenantDb, a.id, { vector, mode });
      const serial = await search(onePool, a.id, { vector, mode });
      assert.equal(parallel.split, atOnce, `${mode}, topic ${t}: the second half on an idle connection`);
      assert.equal(serial.split, 'serial', 'a pool of one has no idle connection: both halves on the search’s own');
      assert.equal(parallel.hits.length, TOP_K);
      assert.deepEqual(ids(parallel.hits), ids(serial.hits), `${mode}, topic ${t}`);
      assert.deepEqual(
        parallel.hits.map((h) => h.similarity.toFixed(6)),
        serial.hits.map((h) => h.similarity.toFixed(6)),
      );
      assert.ok(
        ids(parallel.hits).every((id) => own.has(id)),
        'a row of another tenant',
      );
      if (mode === 'vector') {
        const exact = new Set(await exactTop(a.id, vector));
        recall += ids(parallel.hits).filter((id) => exact.has(id)).length / TOP_K;
        n++;
      }
    }
  }
  // The user's words reach the second half's statement too (the heading shares, hybrid): quotes, backslashes and
  // statement ends are words there, and give what the one-connection read gives.
  for (const query of [`topic's chunk \\' ); SELECT 1; --`, `E'\\x00' chunk $$ topic`]) {
    const vector = question(3);
    const parallel = await search(tenantDb, a.id, { vector, mode: 'hybrid', query });
    const serial = await search(onePool, a.id, { vector, mode: 'hybrid', query });
    assert.equal(parallel.split, atOnce, query);
    assert.equal(parallel.hits.length, TOP_K);
    assert.deepEqual(ids(parallel.hits), ids(serial.hits), query);
  }
  // Exactness is the identity with the one-connection read above; this only says the right rows were read at all (IVF's
  // k-means samples at random; one run on Citus gave 0.875 on these noisy vectors, 40 lists per half).
  assert.ok(recall / n >= 0.8, `recall@10 ${(recall / n).toFixed(3)}`);
  // B has vectors of the same topics and its own split index: its searches see only its rows, through both halves.
  const ownB = new Set((await db.query(`SELECT id FROM embeddings WHERE tenant_id = $1`, [b.id])).rows.map((r) => r.id as string));
  for (const t of [0, 3, undefined]) {
    const r = await search(tenantDb, b.id, { vector: question(t), mode: 'vector' });
    assert.equal(r.split, atOnce);
    assert.equal(r.hits.length, TOP_K);
    assert.ok(
      ids(r.hits).every((id) => ownB.has(id) && !own.has(id)),
      'a row of another tenant',
    );
  }
});

test('the second half reads the search’s snapshot: rows deleted after it began are still found in both halves; the next search no longer finds them', async () => {
  const vector = question(2);
  const first = await search(tenantDb, a.id, { vector, mode: 'vector' });
  const doomed = ids(first.hits);
  const { rows } = await db.query(`SELECT count(*) FILTER (WHERE seq % 2 = 1)::int AS odd FROM embeddings WHERE id = ANY($1::uuid[])`, [
    doomed,
  ]);
  assert.ok(rows[0].odd > 0 && rows[0].odd < TOP_K, 'the top 10 spans both halves');
  // As SearchService searches: TenantDb.snapshot, REPEATABLE READ, whose snapshot is taken by its first statement.
  const within = await runInTenant(a.id, () =>
    tenantDb.snapshot(async (m) => {
      await m.query(`SELECT count(*) FROM embeddings`);
      await db.query(`DELETE FROM embeddings WHERE id = ANY($1::uuid[])`, [doomed]);
      const hits = await repo.search(m, { query: 'q', topK: TOP_K, language: 'simple', vector, mode: 'vector', tenantId: a.id });
      return { hits, split: repo.lastSplitRead };
    }),
  );
  assert.equal(within.split, atOnce);
  assert.deepEqual(ids(within.hits), doomed, 'the search’s snapshot holds the deleted rows, in both halves');
  const later = await search(tenantDb, a.id, { vector, mode: 'vector' });
  assert.equal(later.hits.length, TOP_K);
  assert.ok(!ids(later.hits).some((id) => doomed.includes(id)), 'deleted rows are gone once committed');
});

test('a borrowed connection goes back to the pool without the tenant; a tenant at its pool share, or a full pool, reads both halves on one connection, never waiting', async () => {
  await search(tenantDb, a.id, { vector: question(1), mode: 'vector' });
  // Every connection of the pool, outside any transaction: no tenant setting survives.
  const pool = poolOf(tenantDb);
  const clients = await Promise.all(Array.from({ length: 4 }, () => pool.connect()));
  try {
    for (const c of clients) {
      const { rows } = await c.query(
        `SELECT COALESCE(current_setting('app.current_tenant_id', true), '') AS t, (SELECT count(*) FROM embeddings)::int AS n`,
      );
      assert.equal(rows[0].t, '');
      assert.equal(rows[0].n, 0, 'no tenant, no rows');
    }
  } finally {
    for (const c of clients) c.release();
  }

  // A share of one connection per tenant (25 % of 4): the search holds it, the second half waits for nothing.
  const cfg = loadConfig().database;
  const opts: DataSourceOptions = runtimeDataSourceOptions({ ...cfg, tenantPoolPercent: 25 }, { poolMax: 4, poolMin: 4 });
  const narrow = new TenantDb(await new DataSource(opts).initialize());
  try {
    await warm(narrow, 4);
    const r = await search(narrow, a.id, { vector: question(5), mode: 'vector' });
    assert.equal(r.split, 'serial');
    assert.equal(r.hits.length, TOP_K);
  } finally {
    await narrow.dataSource.destroy();
  }

  // A search naming another tenant than its transaction's (a caller's bug) reads the registry as the transaction's tenant
  // (RLS): no set, no index read, no connection borrowed (which would be set to the named tenant), no row.
  const crossed = await tenantDb.runFor(b.id, async (m) => {
    const hits = await repo.search(m, { query: 'q', topK: TOP_K, language: 'simple', vector: question(0), mode: 'vector', tenantId: a.id });
    return { hits, split: repo.lastSplitRead, path: repo.lastVectorPath };
  });
  assert.deepEqual(crossed, { hits: [], split: undefined, path: undefined });

  // Eight searches at once on a pool of two: each finishes with its rows, whichever way it read.
  const two = await runtimeDb(2);
  try {
    await warm(two, 2);
    const results = await Promise.all(
      Array.from({ length: 8 }, (_, i) =>
        search(two, i % 2 ? a.id : b.id, { vector: question(i % TOPICS), mode: i % 3 ? 'vector' : 'hybrid' }),
      ),
    );
    for (const r of results) assert.equal(r.hits.length, TOP_K);
  } finally {
    await two.dataSource.destroy();
  }
});

test('a half that goes missing is built again by the sweep; a deleted tenant’s two halves are dropped by it', async () => {
  const worker = await WorkerProcess.start(env(SPLIT_ROWS));
  try {
    // The second half dropped behind the service's back: the registry still names the first, which is valid.
    const was = (await registry(a.id))!.index_name;
    await db.query(`DROP INDEX ${was.replace(/_p0$/, '_p1')}`);
    // Then exactly the two new halves, valid: the orphaned first half dropped (DROP INDEX CONCURRENTLY marks it invalid
    // first, so it is waited for by name, not by counting valid indexes).
    const again = await waitFor(
      'both halves again, and only them',
      async () => {
        const r = await registry(a.id);
        if (!r || r.index_name === was) return false;
        const now = await tenantIndexes(a.id);
        const want = [r.index_name, r.index_name.replace(/_p0$/, '_p1')];
        return now.length === 2 && now.every((i) => i.valid && want.includes(i.name)) ? r : false;
      },
      BUILD_WAIT_MS,
      200,
    );
    assert.equal(again.parts, 2);

    assert.equal((await tenantIndexes(b.id)).length, 2);
    await db.query(`DELETE FROM tenants WHERE id = $1`, [b.id]);
    await waitFor('both halves dropped', async () => (await tenantIndexes(b.id)).length === 0, 60_000, 200);
    assert.equal((await tenantIndexes(a.id)).length, 2, 'another tenant’s halves stay');
  } finally {
    await worker.stop();
  }
});
