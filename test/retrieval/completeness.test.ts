/**
 * A tenant holding 1% of 20 000 chunks gets the full topK for its queries,
 * on-topic and off-topic, whatever index is in place.
 *
 * The hard case is the "off-topic" query: its vector lies in the big tenant's
 * topics, so the nearest neighbours an approximate index finds first all
 * belong to the other tenant and the tenant filter removes them (FACTS.md:
 * IVFFlat probes=1 returned 0.08 of 5 rows; HNSW ef_search 40 came back short
 * for 38% of queries). Every query must still return min(topK, chunks in
 * scope) rows, all of the small tenant.
 *
 * Each index configuration is run twice: with the planner's own choice (for
 * a 1% tenant it usually prefers an exact scan over the tenant's rows) and
 * with the vector index forced (seq/bitmap scans and sorts disabled), which
 * checks that the iterative index scans themselves return complete results.
 * Recall@5 against an exact scan is printed for information only.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type pg from 'pg';
import { DataSource, type EntityManager } from 'typeorm';
import { LocalEmbedder } from '../../libs/ai/embedding/local.embedder.js';
import { inTenantTransactionFor } from '../../libs/database/tenant-transaction.js';
import { SearchRepository, type SearchParams } from '../../libs/retrieval/search.repository.js';
import type { SearchHit, SearchMode } from '../../libs/retrieval/search.types.js';
import { createTenant, TestApi, type TestTenant } from '../support/api.js';
import { runtimeDataSource, superClient } from '../support/db.js';
import { prng } from '../support/prng.js';

const BIG_CHUNKS = 19_800;
const SMALL_CHUNKS = 200;
const BIG_DOCS = 99; // 200 chunks each
const SMALL_DOCS = 8; // 25 chunks each
const NOISE_VECTORS = 4000;
const HNSW = 'embeddings_hnsw_idx';
const IVF = 'embeddings_completeness_ivfflat_idx';

/** Topics share no word, so a big-tenant query has no keyword match in the small tenant either. */
const BIG_TOPICS = [
  'invoice payment billing refund', 'kubernetes cluster deployment pods', 'recipe baking flour oven',
  'football match goal striker', 'mortgage interest loan bank', 'vaccine immunology antibody virus',
  'guitar chord melody rhythm', 'volcano lava eruption magma', 'password encryption firewall malware',
  'wedding bride ceremony reception', 'tractor harvest wheat farming', 'airline flight boarding luggage',
  'chess opening gambit endgame', 'solar panel inverter battery', 'dentist tooth cavity filling',
  'poetry sonnet stanza verse', 'warehouse inventory pallet shipping', 'earthquake seismic fault tremor',
  'yoga meditation breathing posture', 'submarine sonar torpedo hull',
];
const SMALL_TOPICS = [
  'telescope nebula galaxy orbit', 'violin orchestra symphony conductor', 'glacier iceberg polar tundra',
  'pottery clay kiln glaze', 'beekeeping honey hive pollen',
];

interface Query { kind: 'on-topic' | 'off-topic'; text: string; vector: number[] }
type Variant = 'planner' | 'forced-index';
interface Outcome { config: string; variant: Variant; mode: SearchMode; topK: number; query: Query; hits: SearchHit[]; plan: string; ms: number }

let api: TestApi;
let big: TestTenant;
let small: TestTenant;
let db: pg.Client; // superuser: set-up, clean-up and the rolled-back index experiments
let ds: DataSource; // runtime role (RLS), as the API uses it
let admin: DataSource; // superuser DataSource, for an EntityManager inside one transaction
let dims: number;
let hnswDef: string | undefined; // the migration's index definition, restored exactly
let smallChunkIds: Set<string>;
let smallDocIds: Set<string>;
let queries: Query[];
const exact = new Map<string, string[]>(); // `${mode}|${text}|${i}` -> top-5 chunk ids of an exact scan
const repo = new SearchRepository();
const t0 = Date.now();
const log = (msg: string) => console.log(`[completeness +${((Date.now() - t0) / 1000).toFixed(1)}s] ${msg}`);

const unit = (v: number[]) => {
  const n = Math.sqrt(v.reduce((s, x) => s + x * x, 0));
  return v.map((x) => x / n);
};
const literal = (v: number[]) => `[${v.map((x) => x.toFixed(6)).join(',')}]`;

function adminUrl(): string {
  const url = new URL(process.env.DATABASE_URL!);
  const a = new URL(process.env.DATABASE_ADMIN_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres');
  a.pathname = url.pathname;
  return a.toString();
}

/** Is the migration's HNSW index present and valid? */
async function hnswState(): Promise<'valid' | 'invalid' | 'missing'> {
  const { rows } = await db.query(
    `SELECT i.indisvalid FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid
     WHERE c.relname = $1 AND c.relnamespace = 'public'::regnamespace`, [HNSW]);
  return rows.length === 0 ? 'missing' : rows[0].indisvalid ? 'valid' : 'invalid';
}

/** Puts the migration's HNSW index back (CONCURRENTLY, so other test files can keep writing). */
async function restoreHnsw(): Promise<void> {
  if (!hnswDef) return;
  const state = await hnswState();
  if (state === 'valid') return;
  if (state === 'invalid') await db.query(`DROP INDEX CONCURRENTLY IF EXISTS public.${HNSW}`);
  await db.query(`SET maintenance_work_mem = '512MB'`);
  await db.query(hnswDef.replace(/^CREATE INDEX /, 'CREATE INDEX CONCURRENTLY '));
  await db.query(`RESET maintenance_work_mem`);
}

before(async () => {
  db = await superClient();
  await db.query(`SET lock_timeout = '60s'`);
  const [{ typmod }] = (await db.query(
    `SELECT atttypmod AS typmod FROM pg_attribute WHERE attrelid = 'public.embeddings'::regclass AND attname = 'embedding'`)).rows;
  dims = typmod;
  assert.ok(dims >= 2, `embeddings.embedding has no fixed dimension (${typmod})`);
  hnswDef = (await db.query(`SELECT indexdef FROM pg_indexes WHERE schemaname = 'public' AND indexname = $1`, [HNSW])).rows[0]?.indexdef;
  // Left over by an interrupted earlier run: put the schema back first.
  await db.query(`DROP INDEX IF EXISTS public.${IVF}`);

  api = await TestApi.start();
  [big, small] = await Promise.all([createTenant(api, 'cmpl-big'), createTenant(api, 'cmpl-small')]);
  ds = await runtimeDataSource(2);
  admin = await new DataSource({ type: 'postgres', url: adminUrl(), poolSize: 1, installExtensions: false, entities: [] }).initialize();

  // Topic centres are the LocalEmbedder vectors of the topic phrases, so the
  // HTTP route (which embeds the query text with it) lands on the same topics;
  // a shared component makes all vectors somewhat alike, as real embeddings are.
  const embedder = new LocalEmbedder(dims);
  const rnd = prng(20_000);
  const common = unit(Array.from({ length: dims }, () => rnd.gauss())).map((x) => x * 0.35);
  const centres = await embedder.embed([...BIG_TOPICS, ...SMALL_TOPICS]);
  const bases = centres.map((c) => c.map((x, i) => x + common[i]!));
  const query = (kind: Query['kind'], topic: number, text: string): Query => {
    const noise = unit(Array.from({ length: dims }, () => rnd.gauss())).map((x) => x * 0.7);
    return { kind, text, vector: unit(bases[topic]!.map((x, i) => x + noise[i]!)) };
  };
  queries = [
    ...Array.from({ length: 10 }, (_, i) => query('on-topic', BIG_TOPICS.length + (i % SMALL_TOPICS.length), SMALL_TOPICS[i % SMALL_TOPICS.length]!)),
    ...Array.from({ length: 10 }, (_, i) => query('off-topic', i * 2, BIG_TOPICS[i * 2]!)),
  ];

  // Set-up as superuser (RLS forbids writing two tenants at once, rightly).
  await db.query(`SELECT setseed(0.2)`);
  await db.query(`CREATE TEMP TABLE cmp_topics (topic int PRIMARY KEY, phrase text NOT NULL, base vector(${dims}) NOT NULL)`);
  await db.query(`INSERT INTO cmp_topics SELECT * FROM unnest($1::int[], $2::text[], $3::vector[])`,
    [bases.map((_, i) => i), [...BIG_TOPICS, ...SMALL_TOPICS], bases.map(literal)]);
  // Uniform noise; a chunk adds two of these vectors (norm ~0.9 together) to its topic's base.
  const scale = 0.9 / (Math.sqrt(2 / 12) * Math.sqrt(dims));
  await db.query(`CREATE TEMP TABLE cmp_noise AS
    SELECT i, array_agg((random()::real - 0.5::real) * ${scale}::real)::vector(${dims}) AS v
    FROM generate_series(0, ${NOISE_VECTORS - 1}) i, generate_series(1, ${dims}) d GROUP BY i`);
  await db.query(`CREATE TEMP TABLE cmp_docs (tenant_id uuid, doc_id uuid, topic int, chunks int)`);
  await db.query(`INSERT INTO cmp_docs
    SELECT $1::uuid, gen_random_uuid(), d % ${BIG_TOPICS.length}, ${BIG_CHUNKS / BIG_DOCS} FROM generate_series(0, ${BIG_DOCS - 1}) d
    UNION ALL
    SELECT $2::uuid, gen_random_uuid(), ${BIG_TOPICS.length} + d % ${SMALL_TOPICS.length}, ${SMALL_CHUNKS / SMALL_DOCS} FROM generate_series(0, ${SMALL_DOCS - 1}) d`,
  [big.id, small.id]);
  await db.query(`INSERT INTO documents (tenant_id, id, filename, mime_type, size_bytes, content_hash, status, progress, page_count, chunk_count)
    SELECT tenant_id, doc_id, 'synthetic-' || doc_id || '.txt', 'text/plain', 1000 * chunks, 'completeness-' || doc_id, 'ready', 100, 1, chunks FROM cmp_docs`);
  log(`tenants and ${BIG_DOCS + SMALL_DOCS} documents created; vector dims ${dims}`);

  // Inserting into a table with an HNSW index runs at a few hundred rows/s:
  // drop it, bulk insert, build it again as the migration defines it.
  if (hnswDef) await db.query(`DROP INDEX CONCURRENTLY public.${HNSW}`);
  let t = Date.now();
  const inserted = await db.query(`INSERT INTO embeddings (tenant_id, id, document_id, chunk_index, content, embedding, page_from, page_to, char_start, char_end, token_count, model)
    SELECT x.tenant_id, gen_random_uuid(), x.doc_id, x.i,
           format('%s: note %s of document %s about %s', t.phrase, x.i, x.doc_id, split_part(t.phrase, ' ', 1 + x.i % 4)),
           l2_normalize(t.base + a.v + b.v), 1, 1, x.i * 1000, x.i * 1000 + 999, 200, 'synthetic'
    FROM (SELECT d.tenant_id, d.doc_id, d.topic, c.i, floor(random() * ${NOISE_VECTORS})::int AS na, floor(random() * ${NOISE_VECTORS})::int AS nb
          FROM cmp_docs d CROSS JOIN LATERAL generate_series(0, d.chunks - 1) c(i) OFFSET 0) x
    JOIN cmp_topics t ON t.topic = x.topic
    JOIN cmp_noise a ON a.i = x.na
    JOIN cmp_noise b ON b.i = x.nb`);
  assert.equal(inserted.rowCount, BIG_CHUNKS + SMALL_CHUNKS);
  log(`inserted ${inserted.rowCount} chunks in ${((Date.now() - t) / 1000).toFixed(1)}s (${Math.round(inserted.rowCount! / ((Date.now() - t) / 1000))} rows/s, no vector index)`);
  await db.query(`ANALYZE embeddings`);
  t = Date.now();
  await restoreHnsw();
  log(`HNSW index rebuilt in ${((Date.now() - t) / 1000).toFixed(1)}s`);
  assert.equal(await hnswState(), hnswDef ? 'valid' : 'missing');

  const ids = await db.query(`SELECT id, document_id FROM embeddings WHERE tenant_id = $1`, [small.id]);
  smallChunkIds = new Set(ids.rows.map((r) => r.id));
  smallDocIds = new Set(ids.rows.map((r) => r.document_id));
  assert.equal(smallChunkIds.size, SMALL_CHUNKS);
  assert.equal(smallDocIds.size, SMALL_DOCS);

  // Exact reference: the same repository SQL with index scans off (bitmap scans on the tenant key remain).
  for (const mode of ['vector', 'hybrid'] as const) {
    for (const [i, q] of queries.entries()) {
      const hits = await inTenantTransactionFor(ds, small.id, async (m) => {
        await m.query(`SELECT set_config('enable_indexscan', 'off', true)`);
        return repo.search(m, params(q, mode, 5));
      });
      exact.set(`${mode}|${i}`, hits.map((h) => h.chunkId));
    }
  }
  log('exact references computed');
});

after(async () => {
  try {
    if (db) {
      const tenants = [big?.id, small?.id].filter(Boolean);
      await db.query(`DROP INDEX IF EXISTS public.${IVF}`);
      // Cascades to users, api keys, documents and their embeddings.
      if (tenants.length) await db.query(`DELETE FROM tenants WHERE id = ANY($1::uuid[])`, [tenants]);
      // The index still holds the 20 000 deleted rows: rebuild it so other files search a small graph.
      if (hnswDef) {
        if ((await hnswState()) === 'valid') await db.query(`REINDEX INDEX CONCURRENTLY public.${HNSW}`);
        else await restoreHnsw();
      }
      log('clean-up done');
    }
  } finally {
    await admin?.destroy();
    await ds?.destroy();
    await api?.close();
    await db?.end();
  }
});

function params(q: Query, mode: SearchMode, topK: number): SearchParams {
  return { tenantId: small.id, vector: q.vector, query: q.text, language: 'simple', topK, mode };
}

/** Runs the repository's search on `m`, and EXPLAINs the SQL it ran (same transaction, same settings). */
async function searchAndExplain(m: EntityManager, p: SearchParams): Promise<{ hits: SearchHit[]; plan: string; ms: number }> {
  let last: { sql: string; params: unknown[] } | undefined;
  const spy = Object.create(m) as EntityManager;
  spy.query = ((sql: string, ps?: unknown[]) => {
    last = { sql, params: ps ?? [] };
    return m.query(sql, ps);
  }) as EntityManager['query'];
  const start = performance.now();
  const hits = await repo.search(spy, p);
  const ms = performance.now() - start;
  const [row] = await m.query(`EXPLAIN (FORMAT JSON) ${last!.sql}`, last!.params);
  const json = JSON.stringify(row['QUERY PLAN']);
  const plan = json.includes(HNSW) ? 'hnsw' : json.includes(IVF) ? 'ivfflat' : 'exact';
  return { hits, plan, ms };
}

/**
 * Makes the vector index the only ordered path. The disable costs push the plan's
 * estimate past jit_above_cost, so JIT is turned off too: otherwise its 30-120 ms
 * of compilation, an artefact of forcing, would be timed as the index scan.
 */
const FORCE_INDEX = `SELECT set_config('enable_seqscan', 'off', true), set_config('enable_bitmapscan', 'off', true),
                            set_config('enable_sort', 'off', true), set_config('jit', 'off', true)`;

/** Every query, both modes, topK 5 and 20, in one configuration. `run` supplies the transaction. */
async function runAll(config: string, variants: Variant[], run: <T>(work: (m: EntityManager) => Promise<T>) => Promise<T>): Promise<Outcome[]> {
  const outcomes: Outcome[] = [];
  for (const variant of variants) {
    for (const mode of ['vector', 'hybrid'] as const) {
      for (const topK of [5, 20]) {
        for (const query of queries) {
          const { hits, plan, ms } = await run(async (m) => {
            if (variant === 'forced-index') await m.query(FORCE_INDEX);
            return searchAndExplain(m, params(query, mode, topK));
          });
          outcomes.push({ config, variant, mode, topK, query, hits, plan, ms });
        }
      }
    }
  }
  return outcomes;
}

function checkAndReport(outcomes: Outcome[], expectIndex?: 'hnsw' | 'ivfflat'): void {
  const short: string[] = [];
  for (const o of outcomes) {
    const want = Math.min(o.topK, SMALL_CHUNKS);
    const where = `${o.config}/${o.variant}/${o.mode}/top${o.topK}/${o.query.kind} "${o.query.text}"`;
    if (o.hits.length !== want) short.push(`${where}: ${o.hits.length} of ${want} (plan ${o.plan})`);
    for (const h of o.hits) {
      assert.ok(smallChunkIds.has(h.chunkId), `${where}: chunk ${h.chunkId} is not the small tenant's`);
      assert.ok(smallDocIds.has(h.documentId), `${where}: document ${h.documentId} is not the small tenant's`);
    }
    assert.equal(new Set(o.hits.map((h) => h.chunkId)).size, o.hits.length, `${where}: duplicate chunks`);
  }
  // Report, per variant / mode / kind: plans used and mean recall@5 against the exact scan.
  const groups = new Map<string, Outcome[]>();
  for (const o of outcomes) {
    const key = `${o.config} | ${o.variant.padEnd(12)} | ${o.mode.padEnd(6)} | ${o.query.kind.padEnd(9)}`;
    groups.set(key, [...(groups.get(key) ?? []), o]);
  }
  for (const [key, os] of groups) {
    const full = os.filter((o) => o.hits.length === Math.min(o.topK, SMALL_CHUNKS)).length;
    const plans = [...new Set(os.map((o) => o.plan))].join('+');
    const at5 = os.filter((o) => o.topK === 5);
    const recall = at5.reduce((s, o) => {
      const ref = exact.get(`${o.mode}|${queries.indexOf(o.query)}`)!;
      return s + o.hits.filter((h) => ref.includes(h.chunkId)).length / ref.length;
    }, 0) / at5.length;
    const ms = os.map((o) => o.ms).sort((a, b) => a - b);
    log(`${key} | full topK ${full}/${os.length} | plan ${plans} | recall@5 vs exact ${recall.toFixed(3)} | median ${ms[ms.length >> 1]!.toFixed(1)} ms, max ${ms[ms.length - 1]!.toFixed(1)} ms`);
  }
  assert.deepEqual(short, [], 'queries that came back short');
  if (expectIndex) {
    const notIndexed = outcomes.filter((o) => o.variant === 'forced-index' && o.plan !== expectIndex);
    assert.deepEqual(notIndexed.map((o) => `${o.mode}/top${o.topK}/${o.query.text}: ${o.plan}`), [], `forced variant did not use ${expectIndex}`);
  }
}

test('(a) HNSW as the migration creates it: full topK through the repository (RLS role) and the HTTP route', async () => {
  const t = Date.now();
  const outcomes = await runAll('hnsw   ', hnswDef ? ['planner', 'forced-index'] : ['planner'],
    (work) => inTenantTransactionFor(ds, small.id, work));
  log(`(a) ${outcomes.length} repository searches in ${((Date.now() - t) / 1000).toFixed(1)}s`);
  checkAndReport(outcomes, hnswDef ? 'hnsw' : undefined);

  // The real route: API key -> tenant context -> SearchService (embeds the text with LocalEmbedder) -> repository.
  const texts = [SMALL_TOPICS[0]!, SMALL_TOPICS[3]!, BIG_TOPICS[1]!, BIG_TOPICS[7]!, 'quarterly revenue grew in europe'];
  let calls = 0;
  for (const query of texts) {
    for (const mode of ['vector', 'hybrid'] as const) {
      for (const topK of [5, 20]) {
        const res = await api.request('POST', '/api/v1/search', { token: small.memberKey, json: { query, mode, topK } });
        assert.equal(res.status, 200, res.text);
        const items = res.body.items as SearchHit[];
        assert.equal(items.length, Math.min(topK, SMALL_CHUNKS), `HTTP ${mode}/top${topK} "${query}": ${items.length} rows`);
        for (const h of items) assert.ok(smallChunkIds.has(h.chunkId), `HTTP "${query}": chunk ${h.chunkId} is not the small tenant's`);
        calls++;
      }
    }
  }
  log(`(a) HTTP POST /api/v1/search: ${calls} calls, all full and all the small tenant's`);
});

/** A superuser transaction that swaps the vector index, runs the searches and rolls everything back. */
async function withIndexSwap<T>(ddl: string[], work: (run: <R>(w: (m: EntityManager) => Promise<R>) => Promise<R>) => Promise<T>): Promise<T> {
  const qr = admin.createQueryRunner();
  await qr.connect();
  try {
    await qr.startTransaction();
    // IVFFlat's k-means over 1536-dim vectors needs more than the default 64 MB.
    await qr.query(`SET LOCAL lock_timeout = '60s'; SET LOCAL maintenance_work_mem = '256MB'`);
    for (const sql of ddl) await qr.query(sql);
    // Each search gets a savepoint so its SET LOCALs (forced plans) do not leak into the next.
    return await work(async (w) => {
      await qr.query('SAVEPOINT s');
      try {
        return await w(qr.manager);
      } finally {
        await qr.query('ROLLBACK TO SAVEPOINT s');
        await qr.query('RELEASE SAVEPOINT s');
      }
    });
  } finally {
    if (qr.isTransactionActive) await qr.rollbackTransaction();
    await qr.release();
  }
}

test('(b) IVFFlat lists = 100 instead (the seed\'s index), in a rolled-back superuser transaction', async () => {
  const t = Date.now();
  const outcomes = await withIndexSwap(
    [...(hnswDef ? [`DROP INDEX public.${HNSW}`] : []),
      `CREATE INDEX ${IVF} ON embeddings USING ivfflat (embedding vector_cosine_ops) WITH (lists = 100)`],
    async (run) => {
      log(`(b) IVFFlat built in ${((Date.now() - t) / 1000).toFixed(1)}s`);
      return runAll('ivfflat', ['planner', 'forced-index'], run);
    });
  log(`(b) ${outcomes.length} searches, index swap included, in ${((Date.now() - t) / 1000).toFixed(1)}s`);
  checkAndReport(outcomes, 'ivfflat');
  assert.equal(await hnswState(), hnswDef ? 'valid' : 'missing', 'the rollback restored the migration\'s index');
});

test('(c) no vector index at all, in a rolled-back superuser transaction', async () => {
  const t = Date.now();
  const outcomes = await withIndexSwap(hnswDef ? [`DROP INDEX public.${HNSW}`] : [], (run) => runAll('none   ', ['planner'], run));
  log(`(c) ${outcomes.length} searches in ${((Date.now() - t) / 1000).toFixed(1)}s`);
  checkAndReport(outcomes);
  assert.ok(outcomes.every((o) => o.plan === 'exact'));
  assert.equal(await hnswState(), hnswDef ? 'valid' : 'missing');
});
