/**
 * The keyword side's work stays bounded on large tenants (issue 7): a word found in nearly every chunk
 * made one search rank every row of the tenant (≈ 450 ms at 42k chunks), and PL/pgSQL's cached generic
 * plan read such a word's rows over the whole table even for a tenant with one chunk (≈ 130 ms).
 *
 * Two tenants of a few thousand chunks, loaded in SQL, where each one's common word is the other's rare
 * one; a real worker counts their common words after a document; search reads them.
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, test } from 'node:test';
import type pg from 'pg';
import { VectorIndexRepository } from '../../apps/worker/src/vector-index/vector-index.repository.js';
import { VectorIndexService } from '../../apps/worker/src/vector-index/vector-index.service.js';
import { loadConfig } from '../../libs/config/config.js';
import { platformEmbeddingModel } from '../../libs/config/embedding-default.js';
import { KEYWORD_SCAN_ROWS } from '../../libs/database/migrations/1764000021000-keyword-bounds.js';
import { KEYWORD_RANK_ROWS } from '../../libs/database/migrations/1764000023000-keyword-rank-rows.js';
import { createTenant, TestApi, type TestTenant } from '../support/api.js';
import type { EmbeddingSet } from '../../libs/embedding-sets/embedding-set.js';
import { EmbeddingSetsRepository } from '../../libs/embedding-sets/embedding-sets.repository.js';
import type { EmbeddingSwitchQueue } from '../../libs/queue/embedding-switch.queue.js';
import type { VectorIndexQueue } from '../../libs/queue/vector-index.queue.js';
import { runtimeDb, superClient } from '../support/db.js';
import { actualRows, keywordPlans } from '../support/keyword-plans.js';
import { upload, waitForStatus } from '../support/documents.js';
import { waitFor, WorkerProcess } from '../support/worker.js';

const env = { QUEUE_PREFIX: `kwbounds-${randomUUID().slice(0, 6)}` };
const A_CHUNKS = 2 * KEYWORD_SCAN_ROWS + 500; // more rows hold "pump" than search_keyword() ranks
const B_CHUNKS = KEYWORD_SCAN_ROWS + 500;

let api: TestApi;
let worker: WorkerProcess;
let db: pg.Client;
let a: TestTenant;
let b: TestTenant;
let tiny: TestTenant;

/**
 * `chunks` rows for the tenant, each chunk's text made by `text(i)` (a SQL expression of i), one noise vector of 64 each.
 * Written as superuser (RLS rightly forbids bulk writes across tenants), into the tenant's active set.
 */
async function bulkLoad(tenantId: string, chunks: number, text: string, setId?: number): Promise<void> {
  const doc = randomUUID();
  await db.query(
    `INSERT INTO documents (tenant_id, id, filename, mime_type, size_bytes, content_hash, status, progress, page_count, chunk_count)
     VALUES ($1, $2::uuid, 'bulk.txt', 'text/plain', 1000, 'kwb-' || $2::text, 'ready', 100, 1, $3)`,
    [tenantId, doc, chunks],
  );
  const {
    rows: [set],
  } = setId
    ? { rows: [{ id: setId }] }
    : await db.query(`SELECT id FROM embedding_sets WHERE tenant_id = $1 AND state = 'active'`, [tenantId]);
  await db.query(
    `INSERT INTO embeddings (tenant_id, id, set_id, document_id, chunk_index, content, embedding, page_from, page_to, char_start, char_end, token_count, model)
     SELECT $1, gen_random_uuid(), $2, $3, i, ${text}, n.v::halfvec, 1, 1, 0, 10, 20, 'synthetic'
     FROM generate_series(0, $4 - 1) i JOIN kwb_noise n ON n.k = i % 64`,
    [tenantId, Number(set.id), doc, chunks],
  );
}

const commonWords = async (tenantId: string) =>
  (await db.query(`SELECT keyword_common, keyword_stats_rows FROM embedding_sets WHERE tenant_id = $1 AND state = 'active'`, [tenantId]))
    .rows[0] as { keyword_common: string[] | null; keyword_stats_rows: number | null };

before(async () => {
  api = await TestApi.start(env);
  db = await superClient();
  [a, b, tiny] = await Promise.all([createTenant(api, 'kwb-a'), createTenant(api, 'kwb-b'), createTenant(api, 'kwb-tiny')]);
  const dims = platformEmbeddingModel(process.env).dimensions;
  await db.query(`CREATE TEMP TABLE kwb_noise AS
    SELECT k, l2_normalize(array_agg(random()::real - 0.5::real)::vector(${dims})) AS v FROM generate_series(0, 63) k, generate_series(1, ${dims}) d GROUP BY k`);
  // A: "pump" in every chunk, "valve" in 3 of 5, "gasket" in 1 of 10; "zirconium" in 3 chunks, which have no "pump".
  await bulkLoad(
    a.id,
    A_CHUNKS,
    `CASE WHEN i IN (7, 700, 1700) THEN format('Zirconium seal notes, entry %s.', i)
          ELSE format('Maintenance entry %s: the pump was serviced%s%s.', i,
                      CASE WHEN i % 5 < 3 THEN ', the valve replaced' ELSE '' END, CASE WHEN i % 10 = 0 THEN ', a gasket fitted' ELSE '' END) END`,
  );
  // B: the other way round, "gasket" everywhere and "pump" in three chunks.
  await bulkLoad(
    b.id,
    B_CHUNKS,
    `format('Inspection %s: the gasket was checked%s.', i, CASE WHEN i IN (3, 300, 1300) THEN ' beside the pump' ELSE '' END)`,
  );
  await bulkLoad(tiny.id, 1, `'One pump note.'`);
  // The worker counts a tenant's common words when it checks the tenant after a document, as production's does.
  worker = await WorkerProcess.start(env);
  for (const t of [a, b]) {
    const up = await upload(api, t.adminKey, `A short note ${randomUUID()} about the workshop.`, 'note.txt');
    assert.equal(up.status, 202, up.text);
    await waitForStatus(api, t.adminKey, up.body.id, ['ready']);
    await waitFor(`common words of ${t.slug}`, async () => (await commonWords(t.id)).keyword_stats_rows !== null, 60_000, 200);
  }
});

after(async () => {
  await worker?.stop();
  await api?.close();
  await db?.end();
});

const search = async (t: TestTenant, query: string, mode: 'keyword' | 'hybrid', topK = 5) => {
  const res = await api.request('POST', '/api/v1/search', { token: t.memberKey, json: { query, mode, topK } });
  assert.equal(res.status, 200, res.text);
  return res.body.items as { content: string }[];
};

test("the worker counts each tenant's common words from its own rows only", async () => {
  const sa = await commonWords(a.id);
  const sb = await commonWords(b.id);
  assert.equal(sa.keyword_stats_rows, A_CHUNKS + 1, 'counted over every row of the set (the bulk rows and the uploaded note)');
  assert.ok(sa.keyword_common!.includes('pump') && sa.keyword_common!.includes('valv'), `A: ${String(sa.keyword_common)}`);
  assert.ok(!sa.keyword_common!.includes('gasket') && !sa.keyword_common!.includes('zirconium'), `A: ${String(sa.keyword_common)}`);
  assert.ok(sb.keyword_common!.includes('gasket'), `B: ${String(sb.keyword_common)}`);
  assert.ok(!sb.keyword_common!.includes('pump'), `B's common words are B's own, whatever A holds: ${String(sb.keyword_common)}`);
  assert.equal((await commonWords(tiny.id)).keyword_common, null, 'a set smaller than KEYWORD_SCAN_ROWS has none');
});

test('a telling word outranks a common one: its chunks come first, and no row holding only the common word is returned', async () => {
  const items = await search(a, 'zirconium pump', 'keyword');
  assert.deepEqual(
    items.map((h) => /Zirconium/.test(h.content)),
    [true, true, true],
    items.map((h) => h.content.slice(0, 40)).join(' | '),
  );
  // In B "pump" is rare: its three chunks are found, first.
  const inB = await search(b, 'pump gasket', 'keyword');
  assert.deepEqual(
    inB.slice(0, 3).map((h) => /pump/.test(h.content)),
    [true, true, true],
    inB.map((h) => h.content).join(' | '),
  );
  // A query of common words only still finds rows (their AND), and a lone common word too.
  assert.equal((await search(a, 'pump valve', 'keyword')).length, 5);
  assert.equal((await search(a, 'pump', 'keyword')).length, 5);
});

test(`search_keyword() ranks at most ${KEYWORD_RANK_ROWS} rows of a word in ${A_CHUNKS} of them; a rare word is read through the tenant's full-text index`, async () => {
  const [plan] = await keywordPlans(db, a.id, 'pump');
  assert.ok(plan, 'a plan was logged');
  const scanned = [...plan.matchAll(/Scan (?:using \S+ )?on embeddings e .*?actual time=[\d.]+\.\.[\d.]+ rows=(\d+)/g)].map((m) =>
    Number(m[1]),
  );
  assert.equal(scanned.length, 1, plan);
  assert.ok(scanned[0]! <= KEYWORD_RANK_ROWS, `rows read and ranked: ${scanned[0]}\n${plan}`);
  assert.equal(scanned[0], KEYWORD_RANK_ROWS, `the bound is reached (${A_CHUNKS} rows hold the word):\n${plan}`);
  const [rare] = await keywordPlans(db, a.id, 'zirconium');
  // The tenant's rows are unknown to the statistics here (no ANALYZE since they were written): no guess can pick another path.
  assert.match(rare!, /Index Scan on embeddings_tenant_tsv_idx/, `GIN on (tenant_id::text, tsv):\n${rare}`);
  assert.match(rare!, new RegExp(`'${a.id}'::text`), "the tenant's id is in the index condition");
  assert.ok(Math.max(...actualRows(rare!)) <= 3, `only the word's own three rows are read:\n${rare}`);
});

test("each call is planned for its tenant: after many calls for a large tenant, a small tenant's chunk is read through its key", async () => {
  // PL/pgSQL switches to a cached generic plan after five calls; made without the tenant, it read the common
  // word's rows of every tenant (~130 ms for a tenant with one chunk).
  const plans = await keywordPlans(db, a.id, 'pump', 8);
  assert.equal(plans.length, 8);
  for (const p of plans) assert.match(p, new RegExp(`'${a.id}'::text`), 'a custom plan names the tenant');
  // A set below KEYWORD_SCAN_ROWS (no common words counted) is read by its key, not through the GIN, whose posting
  // list of "pump" holds A's 4 500 rows too.
  assert.equal((await commonWords(tiny.id)).keyword_stats_rows, null);
  const [forTiny] = await keywordPlans(db, tiny.id, 'pump');
  assert.match(forTiny!, new RegExp(`'${tiny.id}'::uuid`));
  assert.doesNotMatch(forTiny!, /embeddings_tenant_tsv_idx/, forTiny);
  assert.ok(Math.max(...actualRows(forTiny!)) <= 1, `one row read, not the word's rows of other tenants:\n${forTiny}`);
  const found = await search(tiny, 'pump', 'keyword');
  assert.deepEqual(
    found.map((h) => h.content),
    ['One pump note.'],
  );
  assert.deepEqual(await search(tiny, 'gasket', 'keyword'), [], "A's and B's gaskets are not the small tenant's");
});

test("search_keyword() scores a row by ts_rank (chosen over ts_rank_cd on the eval, bench/EVAL.md), the tenant's rows only", async () => {
  // Chunks with "valve" and "gasket": the heading-less text (weight B) holds both, several words apart.
  await db.query('BEGIN');
  try {
    await db.query(`SELECT set_config('app.current_tenant_id', $1, true)`, [a.id]);
    const { rows } = await db.query<{ id: string; rank: number; ts_rank: number; ts_rank_cd: number; tenant_id: string }>(
      `SELECT k.id, k.rank, ts_rank(e.tsv, q) AS ts_rank, ts_rank_cd(e.tsv, q) AS ts_rank_cd, e.tenant_id
       FROM plainto_tsquery('english', 'valve gasket') q, search_keyword(q, 40, NULL, NULL) k JOIN embeddings e ON e.id = k.id`,
    );
    assert.equal(rows.length, 40, 'the tier matches hundreds of A rows; 40 asked for');
    for (const r of rows) {
      assert.equal(r.tenant_id, a.id);
      assert.ok(Math.abs(r.rank - r.ts_rank) < 1e-6, `rank ${r.rank} is ts_rank ${r.ts_rank}`);
      assert.ok(Math.abs(r.rank - r.ts_rank_cd) > 1e-6, `and not ts_rank_cd ${r.ts_rank_cd}`);
    }
  } finally {
    await db.query('ROLLBACK');
  }
});

test("a switch's new set of 2 000 chunks or more has its common words counted by maintainSet, before search moves to it", async () => {
  // Search reads a set without counted words through its key, i.e. all of its rows: the switch calls maintainSet() for
  // its new set before the flip. The worker process is stopped first, so that no switch job picks up this set.
  await worker.stop();
  const inserted = await db.query<{ id: number }>(
    `INSERT INTO embedding_sets (tenant_id, id, provider, model, dimensions, state)
     SELECT tenant_id, max(id) + 1, 'local', 'kwb-next', min(dimensions), 'building' FROM embedding_sets WHERE tenant_id = $1 GROUP BY tenant_id
     RETURNING id`,
    [b.id],
  );
  const setId = inserted.rows[0]!.id;
  await bulkLoad(b.id, B_CHUNKS, `format('Next model, inspection %s: the gasket was checked.', i)`, setId);
  const tenantDb = await runtimeDb(2);
  const noQueue = { request: async () => true };
  const service = new VectorIndexService(
    tenantDb,
    new VectorIndexRepository(),
    new EmbeddingSetsRepository(),
    noQueue as unknown as VectorIndexQueue,
    noQueue as unknown as EmbeddingSwitchQueue,
    loadConfig(),
  );
  try {
    const before = await db.query(`SELECT keyword_stats_rows FROM embedding_sets WHERE tenant_id = $1 AND id = $2`, [b.id, setId]);
    assert.equal(before.rows[0].keyword_stats_rows, null);
    const dimensions = platformEmbeddingModel(process.env).dimensions;
    assert.equal(
      await service.maintainSet({ tenantId: b.id, id: setId, dimensions } as EmbeddingSet),
      'small',
      'below VECTOR_INDEX_MIN_ROWS',
    );
    const {
      rows: [after],
    } = await db.query(`SELECT keyword_stats_rows, keyword_common FROM embedding_sets WHERE tenant_id = $1 AND id = $2`, [b.id, setId]);
    assert.equal(after.keyword_stats_rows, B_CHUNKS);
    assert.ok(after.keyword_common.includes('gasket') && after.keyword_common.includes('model'), String(after.keyword_common));
  } finally {
    await service.onApplicationShutdown();
    await tenantDb.dataSource.destroy();
    await db.query(`DELETE FROM embeddings WHERE tenant_id = $1 AND set_id = $2`, [b.id, setId]);
    await db.query(`DELETE FROM embedding_sets WHERE tenant_id = $1 AND id = $2`, [b.id, setId]);
  }
});
