/**
 * The worker's index builds survive what a server does to them (found by a review of VectorIndexService):
 * - a concurrent build interrupted on the server (a restart, a terminated backend) leaves an INVALID index under the
 *   name the next attempt uses; CREATE … IF NOT EXISTS skipped it and the invalid index was registered for good;
 * - a set that a switch retired while its check waited got indexes nothing would ever drop;
 * - a shutdown that cancelled the full-text build went on to start the vector index build, and waited for it;
 * - the owner connection (one per process) timed out a switch's drop after DB_CONNECT_TIMEOUT_MS while a build held it.
 * And a set whose index is of the other method than its size calls for (VECTOR_IVF_MAX_ROWS; an HNSW index built before
 * the IvfVectorIndex migration) gets it rebuilt by the right one.
 *
 * VectorIndexService runs in this process against the real database, three tenants of a few hundred chunks (above a
 * VECTOR_INDEX_MIN_ROWS of 300, so each is due both indexes). A superuser transaction holding SHARE UPDATE EXCLUSIVE on
 * embeddings holds a build at its start for as long as a test needs.
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, test } from 'node:test';
import type pg from 'pg';
import { VectorIndexRepository } from '../../apps/worker/src/vector-index/vector-index.repository.js';
import { VectorIndexService } from '../../apps/worker/src/vector-index/vector-index.service.js';
import { loadConfig } from '../../libs/config/config.js';
import { platformEmbeddingModel } from '../../libs/config/embedding-default.js';
import type { TenantDb } from '../../libs/database/tenant-db.js';
import type { EmbeddingSet } from '../../libs/embedding-sets/embedding-set.js';
import { EmbeddingSetsRepository } from '../../libs/embedding-sets/embedding-sets.repository.js';
import type { EmbeddingSwitchQueue } from '../../libs/queue/embedding-switch.queue.js';
import type { VectorIndexQueue } from '../../libs/queue/vector-index.queue.js';
import { createTenant, TestApi, type TestTenant } from '../support/api.js';
import { runtimeDb, superClient } from '../support/db.js';
import { ivfProbesFor, ivfProbesSql } from '../../libs/retrieval/vector-index.js';
import { waitFor } from '../support/worker.js';

const MIN_ROWS = 300;
const CHUNKS = 400;
const CONNECT_TIMEOUT_MS = 1_000;

let api: TestApi;
let db: pg.Client; // superuser: loading, the catalogue, the lock that holds a build
let tenantDb: TenantDb;
let t: TestTenant; // invalid leftovers, a retired set, the switch's drop
let u: TestTenant; // shutdown during a build
let v: TestTenant; // the build that holds the owner connection
let dims: number;
const requested: string[] = []; // the tenants the services asked the queue to check

function service(env: Record<string, string> = {}): VectorIndexService {
  const queue = {
    request: async (tenantId: string) => {
      requested.push(tenantId);
      return true;
    },
  };
  return new VectorIndexService(
    tenantDb,
    new VectorIndexRepository(),
    new EmbeddingSetsRepository(),
    queue as unknown as VectorIndexQueue,
    { request: async () => true } as unknown as EmbeddingSwitchQueue,
    loadConfig({
      ...process.env,
      VECTOR_INDEX_MIN_ROWS: String(MIN_ROWS),
      VECTOR_INDEX_M: '8',
      VECTOR_INDEX_EF_CONSTRUCTION: '32',
      DB_CONNECT_TIMEOUT_MS: String(CONNECT_TIMEOUT_MS),
      VECTOR_IVF_LIST_ROWS: '100',
      ...env,
    }),
  );
}

const activeSet = async (tenant: TestTenant): Promise<EmbeddingSet> => {
  const { rows } = await db.query(`SELECT id FROM embedding_sets WHERE tenant_id = $1 AND state = 'active'`, [tenant.id]);
  return { tenantId: tenant.id, id: Number(rows[0].id), dimensions: dims } as EmbeddingSet;
};

/** The tenant's indexes on embeddings (vector and full-text), with their validity. */
const indexesOf = async (tenant: TestTenant) =>
  (
    await db.query(
      `SELECT c.relname AS name, i.indisvalid AS valid, pg_get_indexdef(i.indexrelid) AS def
       FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid
       WHERE i.indrelid = 'embeddings'::regclass AND c.relname LIKE '%\\_t\\_' || $1 || '\\_%' ORDER BY 1`,
      [tenant.id.replace(/-/g, '')],
    )
  ).rows as { name: string; valid: boolean; def: string }[];

/** What the registry names for the tenant's active set: its vector index and its own full-text index. */
const registered = async (tenant: TestTenant) => {
  const {
    rows: [r],
  } = await db.query(
    `SELECT (SELECT index_name FROM vector_indexes v WHERE v.tenant_id = s.tenant_id AND v.set_id = s.id) AS vector, s.keyword_index AS keyword
     FROM embedding_sets s WHERE s.tenant_id = $1 AND s.state = 'active'`,
    [tenant.id],
  );
  return r as { vector: string | null; keyword: string | null };
};

const markInvalid = (name: string) => db.query(`UPDATE pg_index SET indisvalid = false WHERE indexrelid = $1::regclass`, [name]);

/** Runs `work` while a superuser transaction holds SHARE UPDATE EXCLUSIVE on embeddings: CREATE INDEX CONCURRENTLY waits at its start. */
async function withBuildsHeld<T>(work: (lock: pg.Client) => Promise<T>): Promise<T> {
  const lock = await superClient();
  try {
    await lock.query('BEGIN');
    await lock.query('LOCK TABLE embeddings IN SHARE UPDATE EXCLUSIVE MODE');
    return await work(lock);
  } finally {
    await lock.query('ROLLBACK').catch(() => undefined);
    await lock.end();
  }
}

/** Until the worker's owner connection waits for the lock in a CREATE INDEX of `kind`. */
const buildWaiting = (kind: 'gin' | 'hnsw') =>
  waitFor(
    `a ${kind} build waiting for the lock`,
    async () =>
      (
        await db.query(
          `SELECT 1 FROM pg_stat_activity WHERE application_name = 'ragdocs-vector-index' AND wait_event_type = 'Lock'
             AND query ILIKE 'CREATE INDEX CONCURRENTLY%USING ' || $1 || '%'`,
          [kind],
        )
      ).rowCount! > 0,
    20_000,
    50,
  );

/** `p` settled within `ms`: its outcome, or 'pending'. */
const settled = async <T>(p: Promise<T>, ms: number) =>
  Promise.race([
    p.then(
      (value) => ({ value }),
      (error: Error) => ({ error }),
    ),
    new Promise<'pending'>((r) => setTimeout(() => r('pending'), ms)),
  ]);

before(async () => {
  api = await TestApi.start({ QUEUE_PREFIX: `idxm-${randomUUID().slice(0, 6)}` });
  db = await superClient();
  tenantDb = await runtimeDb(3);
  dims = platformEmbeddingModel(process.env).dimensions;
  [t, u, v] = await Promise.all([createTenant(api, 'idxm-t'), createTenant(api, 'idxm-u'), createTenant(api, 'idxm-v')]);
  await db.query(`CREATE TEMP TABLE idxm_noise AS
    SELECT k, l2_normalize(array_agg(random()::real - 0.5::real)::vector(${dims})) AS v FROM generate_series(0, 63) k, generate_series(1, ${dims}) d GROUP BY k`);
  for (const tenant of [t, u, v]) {
    const doc = randomUUID();
    const set = await activeSet(tenant);
    await db.query(
      `INSERT INTO documents (tenant_id, id, filename, mime_type, size_bytes, content_hash, status, progress, page_count, chunk_count)
       VALUES ($1, $2::uuid, 'bulk.txt', 'text/plain', 1000, 'idxm-' || $2::text, 'ready', 100, 1, $3)`,
      [tenant.id, doc, CHUNKS],
    );
    await db.query(
      `INSERT INTO embeddings (tenant_id, id, set_id, document_id, chunk_index, content, embedding, page_from, page_to, char_start, char_end, token_count, model)
       SELECT $1, gen_random_uuid(), $2, $3, i, format('Pump maintenance entry %s.', i), n.v::halfvec, 1, 1, 0, 10, 5, 'synthetic'
       FROM generate_series(0, $4 - 1) i JOIN idxm_noise n ON n.k = i % 64`,
      [tenant.id, set.id, doc, CHUNKS],
    );
  }
});

after(async () => {
  await tenantDb?.dataSource.destroy();
  await api?.close();
  await db?.end();
});

test('a set a switch retired before its check took the lock gets no index (its drop has run already, nothing would drop one)', async () => {
  const set = await activeSet(t);
  const s = service();
  await db.query(`UPDATE embedding_sets SET state = 'retired', retired_at = now() WHERE tenant_id = $1 AND id = $2`, [t.id, set.id]);
  try {
    assert.equal(await s.maintainSet(set), 'gone');
    assert.deepEqual(await indexesOf(t), [], 'no index built for the retired set');
  } finally {
    await db.query(`UPDATE embedding_sets SET state = 'active', retired_at = NULL WHERE tenant_id = $1 AND id = $2`, [t.id, set.id]);
    await s.onApplicationShutdown();
  }
});

test('an INVALID index left under the name a build uses (a build interrupted on the server) is dropped and built again, never registered', async () => {
  const set = await activeSet(t);
  const hex = t.id.replace(/-/g, '');
  const { rows } = await db.query(`SELECT max(seq)::bigint AS max FROM embeddings WHERE tenant_id = $1 AND set_id = $2`, [t.id, set.id]);
  const vectorName = `embeddings_ivf_t_${hex}_${rows[0].max}`;
  const keywordName = `embeddings_tsv_t_${hex}_s${set.id}`;
  // What an interrupted CREATE INDEX CONCURRENTLY leaves: the name taken by an index that is not valid (here also of
  // another definition, so that a build that kept it would be seen).
  for (const name of [vectorName, keywordName]) {
    await db.query(`CREATE INDEX ${name} ON embeddings (id) WHERE false`);
    await markInvalid(name);
  }
  const s = service();
  try {
    assert.equal(await s.maintainSet(set), 'built');
  } finally {
    await s.onApplicationShutdown();
  }
  assert.deepEqual(await registered(t), { vector: vectorName, keyword: keywordName });
  const idx = await indexesOf(t);
  assert.deepEqual(
    idx.map((i) => [i.name, i.valid]),
    [
      [vectorName, true],
      [keywordName, true],
    ],
  );
  assert.match(idx[0]!.def, /USING ivfflat .* WITH \(lists='4'\)/); // 400 rows, 100 per list
  assert.match(idx[1]!.def, /USING gin \(tsv\)/);
});

test('a registered index that turned INVALID is built again: the sweep asks for the check, the check rebuilds it', async () => {
  const set = await activeSet(t);
  const before = await registered(t);
  for (const name of [before.vector!, before.keyword!]) await markInvalid(name);
  const s = service();
  try {
    requested.length = 0;
    await s.sweep();
    assert.ok(requested.includes(t.id), 'the sweep asked for a check of the tenant');
    assert.equal(await s.maintainSet(set), 'built', 'an invalid registered index counts as none');
  } finally {
    await s.onApplicationShutdown();
  }
  const idx = await indexesOf(t);
  assert.deepEqual(
    idx.map((i) => i.valid),
    [true, true],
  );
  assert.deepEqual(await registered(t), before, 'the same names (same watermark, same set), valid again');
});

test('an index of the method or the IVF lists its size does not call for is rebuilt: the sweep asks, the check rebuilds, the old one goes', async () => {
  const set = await activeSet(t);
  const hex = t.id.replace(/-/g, '');
  const { rows } = await db.query(`SELECT max(seq)::bigint AS max FROM embeddings WHERE tenant_id = $1 AND set_id = $2`, [t.id, set.id]);
  const registry = async () =>
    (
      await db.query(
        `SELECT index_name, method, lists, m, ef_construction, indexed_rows::int AS rows FROM vector_indexes WHERE tenant_id = $1`,
        [t.id],
      )
    ).rows;
  const vectorIndexes = async () => (await indexesOf(t)).filter((i) => !i.name.startsWith('embeddings_tsv_'));
  // As every search before the IvfVectorIndex migration had it, and as VECTOR_IVF_MAX_ROWS 0 keeps it: HNSW.
  for (const [env, name, def, row] of [
    [
      { VECTOR_IVF_MAX_ROWS: '0' },
      `embeddings_hnsw_t_${hex}_${rows[0].max}`,
      /USING hnsw .* WITH \(m='8', ef_construction='32'\)/,
      { method: 'hnsw', lists: null, m: 8, ef_construction: 32 },
    ],
    [
      { VECTOR_IVF_LIST_ROWS: '25' },
      `embeddings_ivf_t_${hex}_${rows[0].max}`,
      /USING ivfflat .* WITH \(lists='16'\)/,
      { method: 'ivfflat', lists: 16, m: null, ef_construction: null },
    ],
    // The same method with a quarter of the lists (as VECTOR_IVF_LIST_ROWS went from 1 000 to 250, the other way round),
    // no row since: the name the watermark gives is taken by the index it replaces, so the rebuild's is one seq further.
    [
      {},
      `embeddings_ivf_t_${hex}_${Number(rows[0].max) + 1}`,
      /USING ivfflat .* WITH \(lists='4'\)/,
      { method: 'ivfflat', lists: 4, m: null, ef_construction: null },
    ],
  ] as const) {
    const s = service(env);
    try {
      requested.length = 0;
      await s.sweep();
      assert.ok(requested.includes(t.id), `the sweep asked for a check of the tenant (${row.method} due)`);
      assert.equal(await s.maintainSet(set), 'rebuilt');
      assert.equal(await s.maintainSet(set), 'up-to-date', 'and only once');
    } finally {
      await s.onApplicationShutdown();
    }
    assert.deepEqual(await registry(), [{ index_name: name, rows: CHUNKS, ...row }]);
    const idx = await vectorIndexes();
    assert.deepEqual(
      idx.map((i) => [i.name, i.valid]),
      [[name, true]],
      'the index it replaced was dropped',
    );
    assert.match(idx[0]!.def, def);
  }
});

test("a VALID index under the name a build would use (an interrupted build's of other lists, another set's) is not taken for the new one: the build takes the next watermark", async () => {
  const set = await activeSet(t);
  const hex = t.id.replace(/-/g, '');
  const { rows } = await db.query(`SELECT max(seq)::bigint AS max FROM embeddings WHERE tenant_id = $1 AND set_id = $2`, [t.id, set.id]);
  const max = Number(rows[0].max);
  assert.equal((await registered(t)).vector, `embeddings_ivf_t_${hex}_${max + 1}`, 'the previous test left its index one seq further');
  // Valid, under the set's last seq: what IF NOT EXISTS would keep, and register with lists it does not have.
  const taken = `embeddings_ivf_t_${hex}_${max}`;
  await db.query(`CREATE INDEX ${taken} ON embeddings (id) WHERE false`);
  const ivf = async (env: Record<string, string>, lists: number, name: string) => {
    const s = service(env);
    try {
      assert.equal(await s.maintainSet(set), 'rebuilt');
    } finally {
      await s.onApplicationShutdown();
    }
    assert.equal((await registered(t)).vector, name);
    const idx = (await indexesOf(t)).filter((i) => !i.name.startsWith('embeddings_tsv_'));
    assert.deepEqual(
      idx.map((i) => [i.name, i.valid]),
      [[name, true]],
      'the replaced index and the unregistered one were dropped',
    );
    assert.match(idx[0]!.def, new RegExp(`USING ivfflat .* WITH \\(lists='${lists}'\\)`));
  };
  // Both max (the valid stranger) and max + 1 (the registered index) are taken.
  await ivf({ VECTOR_IVF_LIST_ROWS: '25' }, 16, `embeddings_ivf_t_${hex}_${max + 2}`);
  // And back to the default lists for the tests below: max is free again.
  await ivf({}, 4, taken);
});

test('an IVF index registered without centres (before the IvfCentres migration) gets them from the check, without a rebuild', async () => {
  const set = await activeSet(t);
  const row = async () =>
    (
      await db.query(
        `SELECT index_name, method, lists, cardinality(centres) > 1 AS centred, (SELECT array_agg(DISTINCT vector_dims(c)) FROM unnest(centres) c) AS dims
         FROM vector_indexes WHERE tenant_id = $1`,
        [t.id],
      )
    ).rows[0];
  const before = await row();
  assert.equal(before.method, 'ivfflat', 'the previous test left an IVF index');
  assert.equal(before.centred, true, 'a build registers centres (k-means of its rows)');
  assert.deepEqual(before.dims, [dims], "the centres are of the set's dimensions");
  await db.query(`UPDATE vector_indexes SET centres = NULL WHERE tenant_id = $1`, [t.id]); // the superuser is not subject to RLS
  const s = service();
  try {
    requested.length = 0;
    await s.sweep();
    assert.ok(requested.includes(t.id), 'the sweep asked for a check of the tenant');
    assert.equal(await s.maintainSet(set), 'up-to-date', 'no rebuild');
  } finally {
    await s.onApplicationShutdown();
  }
  assert.deepEqual(await row(), before, 'same index, its centres back');
  // Nothing more to do: with centres; with none that could be computed ('{}', a set too small); with focused probes off.
  for (const [centres, env] of [
    [undefined, {}],
    ['{}', {}],
    [null, { VECTOR_IVF_FOCUSED_PROBE_PERCENT: '0' }],
  ] as const) {
    if (centres !== undefined) await db.query(`UPDATE vector_indexes SET centres = $2 WHERE tenant_id = $1`, [t.id, centres]);
    requested.length = 0;
    const again = service(env);
    try {
      await again.sweep();
      assert.ok(!requested.includes(t.id), `nothing to do (centres ${centres}, ${JSON.stringify(env)})`);
      if (centres === null) assert.equal(await again.maintainSet(set), 'up-to-date');
    } finally {
      await again.onApplicationShutdown();
    }
  }
  assert.equal((await row()).centred, null, 'focused probes off: no centres computed');
});

test('a shutdown during the full-text build cancels it and starts no other build', async () => {
  const set = await activeSet(u);
  const s = service();
  await withBuildsHeld(async () => {
    const check = s.maintainSet(set);
    await buildWaiting('gin');
    const shutdown = s.onApplicationShutdown();
    const outcome = await settled(check, 10_000);
    assert.notEqual(outcome, 'pending', 'the check stopped with the cancelled build, it did not go on to the vector index build');
    assert.ok(outcome !== 'pending' && 'error' in outcome, `the cancelled build is not reported as done: ${JSON.stringify(outcome)}`);
    assert.equal(await settled(shutdown, 10_000).then((o) => o !== 'pending'), true, 'shutdown returned');
  });
  assert.deepEqual(await indexesOf(u), [], 'neither index exists (the cancelled one was dropped)');
  assert.deepEqual(await registered(u), { vector: null, keyword: null });
});

test('a switch dropping a set index waits for the build that holds the owner connection, past DB_CONNECT_TIMEOUT_MS', async () => {
  const s = service();
  try {
    const tSet = await activeSet(t);
    assert.equal((await indexesOf(t)).length, 2);
    let build!: Promise<unknown>;
    let drop!: Promise<unknown>;
    await withBuildsHeld(async () => {
      build = s.maintainSet(await activeSet(v));
      await buildWaiting('gin');
      drop = s.dropSetIndex(t.id, tSet.id);
      const early = await settled(drop, 2.5 * CONNECT_TIMEOUT_MS);
      assert.equal(early, 'pending', `the drop waits for the owner connection (it came back: ${JSON.stringify(early)})`);
    });
    assert.equal(await build, 'built');
    await drop;
  } finally {
    await s.onApplicationShutdown();
  }
  assert.deepEqual(await indexesOf(t), [], "the set's indexes dropped");
  assert.deepEqual(await registered(t), { vector: null, keyword: null });
  assert.equal((await indexesOf(v)).filter((i) => i.valid).length, 2, 'the build that held the connection finished');
});

test("search's probes in SQL (set in the statement that reads the registry) are ivfProbesFor's, for every list count and share", async () => {
  for (const percent of [1, 10, 25, 30, 33, 35, 50, 99, 100]) {
    const { rows } = await db.query(`SELECT l, ${ivfProbesSql('l', percent)} AS probes FROM generate_series(1, 2000) l ORDER BY l`);
    const wrong = rows.filter((r) => r.probes !== ivfProbesFor(r.l, percent));
    assert.deepEqual(wrong.slice(0, 3), [], `${percent} %: ${wrong.length} list counts disagree`);
  }
  assert.throws(() => ivfProbesSql('l', 0), /bad probe percent/);
});
