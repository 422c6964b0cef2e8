/**
 * Search stays complete at the size where it used to break: 100k+ chunks of
 * 22 tenants, statistics taken before the newest tenant existed (so the
 * planner knows nothing of it), and a real worker that builds the big
 * tenant's own vector index (IVFFlat at this size) in the background, rebuilds it after more writes,
 * and drops it when the tenant is deleted.
 *
 * Before this layout, a brand-new 1-chunk tenant got no rows at all for 8 of
 * 11 queries once the table held 89k chunks: the planner took the global HNSW
 * index and the filtered scan gave up before meeting the tenant's row.
 * Every search here must return min(topK, chunks in scope) rows, all of the
 * searching tenant.
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, test } from 'node:test';
import type pg from 'pg';
import { VectorIndexRepository } from '../../apps/worker/src/vector-index/vector-index.repository.js';
import { LocalEmbedder } from '../../libs/ai/embedding/local.embedder.js';
import { platformEmbeddingModel } from '../../libs/config/embedding-default.js';
import { insertChunks } from '../../libs/database/embeddings/insert-chunks.js';
import { queryNamed } from '../../libs/database/named-statement.js';
import { vectorLiteral } from '../../libs/database/embeddings/vector-literal.js';
import { TenantDb } from '../../libs/database/tenant-db.js';
import type { EmbeddingSet } from '../../libs/embedding-sets/embedding-set.js';
import { databaseMode, setLocal } from '../../libs/database/transaction-settings.js';
import { SearchRepository, type SearchParams, type VectorPath } from '../../libs/retrieval/search.repository.js';
import type { SearchHit } from '../../libs/retrieval/search.types.js';
import { createTenant, TestApi, type TestTenant } from '../support/api.js';
import { deleteTenants, runtimeDb, superClient } from '../support/db.js';
import { upload, waitForStatus } from '../support/documents.js';
import { actualRows, keywordPlans } from '../support/keyword-plans.js';
import { nodeRows, planOf, recordStatements } from '../support/statement-plans.js';
import { prng } from '../support/prng.js';
import { waitFor, WorkerProcess } from '../support/worker.js';
import { DEFAULT_SEARCH_CONFIG } from '../../libs/retrieval/search-language.js';
import { EmbeddingSetChanged } from '../../libs/embedding-sets/active-sets.js';
import {
  DEFAULT_IVF_FOCUSED_PROBE_PERCENT,
  DEFAULT_IVF_PROBE_PERCENT,
  IVF_CENTRES,
  ivfProbesFor,
} from '../../libs/retrieval/vector-index.js';

const BIG_CHUNKS = 24_000; // above VECTOR_INDEX_MIN_ROWS: gets its own index
const FILLERS = 19;
const FILLER_CHUNKS = 4_000; // below it: searched exactly
const SMALL_CHUNKS = 36;
const CHUNKS_PER_DOC = 200;
const NOISE_VECTORS = 4000;
const MIN_ROWS = 10_000;
const REBUILD_ROWS = 1_000;

const TOPICS = [
  'invoice payment billing refund',
  'kubernetes cluster deployment pods',
  'recipe baking flour oven',
  'football match goal striker',
  'mortgage interest loan bank',
  'vaccine immunology antibody virus',
  'guitar chord melody rhythm',
  'volcano lava eruption magma',
  'password encryption firewall malware',
  'wedding bride ceremony reception',
  'tractor harvest wheat farming',
  'airline flight boarding luggage',
  'chess opening gambit endgame',
  'solar panel inverter battery',
  'dentist tooth cavity filling',
  'poetry sonnet stanza verse',
  'warehouse inventory pallet shipping',
  'earthquake seismic fault tremor',
  'yoga meditation breathing posture',
  'submarine sonar torpedo hull',
  'telescope nebula galaxy orbit',
  'violin orchestra symphony conductor',
  'glacier iceberg polar tundra',
  'pottery clay kiln glaze',
];
const BIG_TOPICS = TOPICS.slice(0, 8); // the big tenant's
const FRESH_TOPIC = TOPICS.length - 1; // written to the big tenant after its index was built

/** The questions the issue reported as returning nothing for a new tenant, plus off-topic ones. */
const QUESTIONS = [
  'How do I read a file line by line?',
  'What is the refund policy?',
  'kubernetes pods crash loop',
  'best flour for baking bread',
  'mortgage interest rates',
  'how does a vaccine train antibodies',
  'guitar chords for beginners',
  'is the volcano erupting',
  'reset my password',
  'wedding reception ideas',
  'quarterly revenue grew in europe',
];

let api: TestApi;
let worker: WorkerProcess;
let db: pg.Client; // superuser: bulk set-up and catalogue checks
let tenantDb: TenantDb; // runtime role (RLS), as the apps use it
let big: TestTenant;
let small: TestTenant;
let fresh: TestTenant; // created after ANALYZE, one chunk, through the real upload path
const fillers: TestTenant[] = [];
let dims: number;
let embedder: LocalEmbedder;
let bases: number[][];
const repo = new SearchRepository({ minRows: MIN_ROWS, efSearch: 0, searchTimeoutMs: 30_000 });
const queuePrefix = `cmpl-${randomUUID().slice(0, 8)}`;
const t0 = Date.now();
const log = (msg: string) => console.log(`[completeness +${((Date.now() - t0) / 1000).toFixed(1)}s] ${msg}`);

const unit = (v: number[]) => {
  const n = Math.sqrt(v.reduce((s, x) => s + x * x, 0));
  return v.map((x) => x / n);
};
const rnd = prng(100_000);
/** A query vector near a topic (noise 0.7, as the bench's queries). */
const near = (topic: number) => {
  const noise = unit(Array.from({ length: dims }, () => rnd.gauss())).map((x) => x * 0.7);
  return unit(bases[topic]!.map((x, i) => x + noise[i]!));
};

async function search(
  tenantId: string,
  p: Omit<SearchParams, 'tenantId' | 'language'>,
  r = repo,
): Promise<{ hits: SearchHit[]; path: VectorPath | undefined; share: number | undefined; probes: number }> {
  return tenantDb.runFor(tenantId, async (m) => {
    const hits = await r.search(m, { ...p, tenantId, language: 'simple' });
    // The probes the search's transaction ran with (set in SQL on PostgreSQL, by SET LOCAL from TypeScript on Citus).
    const [{ probes }] = await m.query(`SELECT current_setting('ivfflat.probes')::int AS probes`);
    return { hits, path: r.lastVectorPath, share: r.lastIvfProbePercent, probes: Number(probes) };
  });
}

async function chunkCount(tenantId: string, extra = ''): Promise<number> {
  return Number((await db.query(`SELECT count(*) FROM embeddings WHERE tenant_id = $1 ${extra}`, [tenantId])).rows[0].count);
}

async function registry(
  tenantId: string,
): Promise<
  { index_name: string; watermark: string; indexed_rows: string; method: string; lists: number; centres: number | null } | undefined
> {
  return (
    await db.query(
      `SELECT index_name, watermark, indexed_rows, method, lists, cardinality(centres) AS centres FROM vector_indexes WHERE tenant_id = $1`,
      [tenantId],
    )
  ).rows[0];
}

async function tenantIndexes(tenantId: string, prefix = 'embeddings_ivf_t_'): Promise<{ indexname: string; valid: boolean }[]> {
  return (
    await db.query(
      `SELECT c.relname AS indexname, i.indisvalid AS valid FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid
     WHERE c.relname LIKE $1 ORDER BY 1`,
      [`${prefix}${tenantId.replace(/-/g, '')}_%`],
    )
  ).rows;
}

/** Bulk rows for one tenant, generated in SQL as superuser (RLS rightly forbids writing many tenants at once). */
async function bulkLoad(tenantId: string, chunks: number, topics: number[]): Promise<void> {
  const docs = Math.ceil(chunks / CHUNKS_PER_DOC);
  await db.query(`CREATE TEMP TABLE IF NOT EXISTS cmp_docs (tenant_id uuid, doc_id uuid, topic int, chunks int)`);
  await db.query(`TRUNCATE cmp_docs`);
  await db.query(
    `INSERT INTO cmp_docs SELECT $1::uuid, gen_random_uuid(), ($2::int[])[1 + d % $3], least(${CHUNKS_PER_DOC}, $4 - d * ${CHUNKS_PER_DOC})
                  FROM generate_series(0, $5 - 1) d`,
    [tenantId, topics, topics.length, chunks, docs],
  );
  await db.query(`INSERT INTO documents (tenant_id, id, filename, mime_type, size_bytes, content_hash, status, progress, page_count, chunk_count)
    SELECT tenant_id, doc_id, 'synthetic-' || doc_id || '.txt', 'text/plain', 1000 * chunks, 'cmpl-' || doc_id, 'ready', 100, 1, chunks FROM cmp_docs`);
  // The tenant's active set named here (no trigger fills it in on Citus, where the schema is distributed).
  const {
    rows: [set],
  } = await db.query(`SELECT id FROM embedding_sets WHERE tenant_id = $1 AND state = 'active'`, [tenantId]);
  await db.query(`INSERT INTO embeddings (tenant_id, id, set_id, document_id, chunk_index, content, embedding, page_from, page_to, char_start, char_end, token_count, model)
    SELECT x.tenant_id, gen_random_uuid(), ${Number(set.id)}, x.doc_id, x.i,
           format('%s: note %s of document %s about %s', t.phrase, x.i, x.doc_id, split_part(t.phrase, ' ', 1 + x.i % 4)),
           l2_normalize(t.base + a.v + b.v)::halfvec, 1, 1, x.i * 1000, x.i * 1000 + 999, 200, 'synthetic'
    FROM (SELECT d.tenant_id, d.doc_id, d.topic, c.i, floor(random() * ${NOISE_VECTORS})::int AS na, floor(random() * ${NOISE_VECTORS})::int AS nb
          FROM cmp_docs d CROSS JOIN LATERAL generate_series(0, d.chunks - 1) c(i) OFFSET 0) x
    JOIN cmp_topics t ON t.topic = x.topic
    JOIN cmp_noise a ON a.i = x.na
    JOIN cmp_noise b ON b.i = x.nb`);
}

before(async () => {
  db = await superClient();
  // The dimension of the tenants' embedding set: the platform default's (the column has none of its own since embedding sets).
  dims = platformEmbeddingModel(process.env).dimensions;
  const env = {
    QUEUE_PREFIX: queuePrefix,
    VECTOR_INDEX_MIN_ROWS: String(MIN_ROWS),
    VECTOR_INDEX_REBUILD_ROWS: String(REBUILD_ROWS),
    VECTOR_INDEX_SWEEP_MS: '1000',
    RECONCILE_INTERVAL_MS: '1000',
  };
  api = await TestApi.start(env);
  [big, small] = await Promise.all([createTenant(api, 'cmpl-big'), createTenant(api, 'cmpl-small')]);
  for (let i = 0; i < FILLERS; i++) fillers.push(await createTenant(api, `cmpl-fill${i}`));
  tenantDb = await runtimeDb(3);

  // Topic centres are the LocalEmbedder vectors of the phrases, so HTTP queries (embedded by the
  // API with it) land near them; a shared component makes all vectors alike, as real embeddings are.
  embedder = new LocalEmbedder(dims);
  const common = unit(Array.from({ length: dims }, () => rnd.gauss())).map((x) => x * 0.35);
  bases = (await embedder.embed(TOPICS)).map((c) => c.map((x, i) => x + common[i]!));
  await db.query(`SELECT setseed(0.3)`);
  await db.query(`CREATE TEMP TABLE cmp_topics (topic int PRIMARY KEY, phrase text NOT NULL, base vector(${dims}) NOT NULL)`);
  await db.query(`INSERT INTO cmp_topics SELECT * FROM unnest($1::int[], $2::text[], $3::vector[])`, [
    TOPICS.map((_, i) => i),
    TOPICS,
    bases.map(vectorLiteral),
  ]);
  const scale = 0.9 / (Math.sqrt(2 / 12) * Math.sqrt(dims));
  await db.query(`CREATE TEMP TABLE cmp_noise AS
    SELECT i, array_agg((random()::real - 0.5::real) * ${scale}::real)::vector(${dims}) AS v
    FROM generate_series(0, ${NOISE_VECTORS - 1}) i, generate_series(1, ${dims}) d GROUP BY i`);

  let t = Date.now();
  await bulkLoad(
    big.id,
    BIG_CHUNKS,
    BIG_TOPICS.map((_, i) => i),
  );
  for (const [i, f] of fillers.entries()) await bulkLoad(f.id, FILLER_CHUNKS, [i % TOPICS.length, (i + 5) % TOPICS.length]);
  await bulkLoad(small.id, SMALL_CHUNKS, [20, 21]);
  const total = Number((await db.query(`SELECT count(*) FROM embeddings`)).rows[0].count);
  assert.ok(total >= 100_000, `only ${total} chunks`);
  log(`${total} chunks loaded in ${((Date.now() - t) / 1000).toFixed(1)}s`);
  // Statistics now; the newest tenant below is created after them, as on a live system between analyzes.
  await db.query(`ANALYZE embeddings, documents`);

  t = Date.now();
  worker = await WorkerProcess.start(env);
  await waitFor("the big tenant's own index", async () => (await registry(big.id)) ?? false, 300_000, 500);
  log(`worker built the big tenant's index in ${((Date.now() - t) / 1000).toFixed(1)}s: ${JSON.stringify(await registry(big.id))}`);

  fresh = await createTenant(api, 'cmpl-new');
  const up = await upload(api, fresh.adminKey, 'A short note about reading text files one line at a time in Node.js streams.', 'note.txt');
  assert.equal(up.status, 202, up.text);
  await waitForStatus(api, fresh.adminKey, up.body.id, ['ready']);
  assert.equal(await chunkCount(fresh.id), 1);
});

after(async () => {
  await worker?.stop();
  await api?.close();
  await tenantDb?.dataSource.destroy();
  await deleteTenants(db, [big, small, fresh, ...fillers]); // its 100k rows go with it
  await db?.end();
});

test('a tenant created after the last ANALYZE, with one chunk, gets its row for every question (HTTP and repository), read without a sequential scan', async () => {
  const stats = await db.query(
    `SELECT 1 FROM pg_stats WHERE tablename = 'embeddings' AND attname = 'tenant_id' AND $1 = ANY(most_common_vals::text::text[])`,
    [fresh.id],
  );
  assert.equal(stats.rowCount, 0, 'the statistics must not know the new tenant');
  for (const query of QUESTIONS) {
    for (const mode of ['vector', 'hybrid'] as const) {
      const res = await api.request('POST', '/api/v1/search', { token: fresh.memberKey, json: { query, mode, topK: 5 } });
      assert.equal(res.status, 200, res.text);
      assert.equal(res.body.items.length, 1, `${mode} "${query}": ${res.body.items.length} rows`);
    }
    const { hits, path } = await search(fresh.id, { query, vector: (await embedder.embed([query]))[0]!, topK: 10, mode: 'vector' });
    assert.equal(hits.length, 1);
    assert.equal(path, 'exact');
  }
  // The exact path's plan reads the tenant's rows through its key, never the whole table (on Citus: on the
  // tenant's one shard, where the same holds: the shard's plan is shown as the task's).
  const plan = await tenantDb.runFor(fresh.id, async (m) => {
    const mode = await databaseMode(m.connection, m);
    await setLocal(m, mode, { enable_seqscan: 'off' });
    const rows: { 'QUERY PLAN': string }[] = await m.query(
      `EXPLAIN WITH c AS MATERIALIZED (SELECT e.id, e.embedding <=> $2::halfvec AS d FROM embeddings e WHERE e.tenant_id = $1)
                                 SELECT id FROM c ORDER BY d LIMIT 5`,
      [fresh.id, vectorLiteral(bases[0]!)],
    );
    return { mode, text: rows.map((r) => r['QUERY PLAN']).join('\n') };
  });
  const scans = [...plan.text.matchAll(/(\w[\w ]*Scan)(?: using \S+)? on embeddings(?:_\d+)?\b/g)].map((x) => x[1]!.trim());
  assert.ok(scans.length > 0 && !scans.includes('Seq Scan'), `embeddings read by ${scans.join(', ')}:\n${plan.text}`);
  if (plan.mode === 'citus') assert.match(plan.text, /Task Count: 1\b/, 'one shard');
});

test('small and filler tenants (exact path) get min(topK, their chunks) rows, only their own, on- and off-topic', async () => {
  const own = new Set((await db.query(`SELECT id FROM embeddings WHERE tenant_id = $1`, [small.id])).rows.map((r) => r.id));
  for (const topic of [20, 21, 0, 3, 7]) {
    for (const mode of ['vector', 'hybrid'] as const) {
      for (const topK of [5, 20, 50]) {
        const { hits, path } = await search(small.id, { query: TOPICS[topic]!, vector: near(topic), topK, mode });
        assert.equal(hits.length, Math.min(topK, SMALL_CHUNKS), `${mode}/top${topK} topic ${topic}`);
        assert.ok(
          hits.every((h) => own.has(h.chunkId)),
          'a row of another tenant',
        );
        assert.equal(path, 'exact');
      }
    }
  }
});

/** Top-k of an exact scan over the tenant's rows, for recall. */
const exactRepo = new SearchRepository({ minRows: Number.MAX_SAFE_INTEGER, efSearch: 0, searchTimeoutMs: 30_000 });
async function exactTop(tenantId: string, vector: number[], k: number): Promise<string[]> {
  return tenantDb.runFor(tenantId, async (m) => {
    // A scope of all its documents under an unreachable threshold takes the exact path.
    const docs = (await m.query(`SELECT id FROM documents WHERE tenant_id = $1`, [tenantId])).map((r: { id: string }) => r.id);
    const hits = await exactRepo.search(m, { tenantId, vector, query: '', language: 'simple', topK: k, mode: 'vector', documentIds: docs });
    assert.equal(exactRepo.lastVectorPath, 'exact');
    return hits.map((h) => h.chunkId);
  });
}

test('the big tenant is searched through its own index: complete, its own rows only, recall@10 vs exact >= 0.9 on-topic, >= 0.75 off-topic', async () => {
  const own = await chunkCount(big.id);
  const recall: Record<string, number[]> = { on: [], off: [] };
  const shares: Record<string, number[]> = { on: [], off: [] };
  const reg = await registry(big.id);
  assert.equal(reg?.method, 'ivfflat');
  assert.ok(reg.centres! > 1 && reg.centres! <= IVF_CENTRES, `the worker registered the centres with the index: ${reg?.centres}`);
  for (const [kind, topics] of [
    ['on', [0, 1, 2, 3, 4, 5, 6, 7]],
    ['off', [9, 11, 13, 15, 17, 19]],
  ] as const) {
    for (const topic of topics) {
      const vector = near(topic);
      for (const mode of ['vector', 'hybrid'] as const) {
        for (const topK of [10, 20]) {
          const { hits, path, share, probes } = await search(big.id, { query: TOPICS[topic]!, vector, topK, mode });
          assert.equal(hits.length, topK, `${kind} ${mode}/top${topK}`);
          assert.equal(path, 'index');
          shares[kind]!.push(share!);
          assert.equal(probes, ivfProbesFor(reg.lists, share), `the probes set are the share's (${share} % of ${reg.lists} lists)`);
          const docs = new Set(
            (await db.query(`SELECT DISTINCT document_id FROM embeddings WHERE id = ANY($1)`, [hits.map((h) => h.chunkId)])).rows.map(
              (r) => r.document_id,
            ),
          );
          const foreign = await db.query(`SELECT 1 FROM documents WHERE id = ANY($1) AND tenant_id <> $2`, [[...docs], big.id]);
          assert.equal(foreign.rowCount, 0, 'a row of another tenant');
          if (mode === 'vector' && topK === 10) {
            const ref = await exactTop(big.id, vector, 10);
            recall[kind]!.push(hits.filter((h) => ref.includes(h.chunkId)).length / ref.length);
          }
        }
      }
    }
  }
  const avg = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
  log(
    `big tenant (${own} chunks, ${(await registry(big.id))?.lists} IVF lists, focused share for ${shares.on!.filter((x) => x === DEFAULT_IVF_FOCUSED_PROBE_PERCENT).length}/${shares.on!.length} on-topic and ${shares.off!.filter((x) => x === DEFAULT_IVF_FOCUSED_PROBE_PERCENT).length}/${shares.off!.length} off-topic searches): recall@10 on-topic ${avg(recall.on!).toFixed(2)}, off-topic ${avg(recall.off!).toFixed(2)}`,
  );
  assert.ok(avg(recall.on!) >= 0.9, `on-topic recall ${avg(recall.on!)}`);
  // Focused probes (vector-index.ts): a question near one of the tenant's topics reads the focused share, any other the full one.
  assert.deepEqual(new Set(shares.on), new Set([DEFAULT_IVF_FOCUSED_PROBE_PERCENT]), 'on-topic questions read the focused share');
  assert.deepEqual(new Set(shares.off), new Set([DEFAULT_IVF_PROBE_PERCENT]), 'off-topic questions read the full share');
  // A question of another model's dimensions is told the set changed, before any distance to the centres is computed.
  await assert.rejects(
    tenantDb.runFor(big.id, (m) =>
      repo.search(m, { tenantId: big.id, vector: [...near(0), 0.5], query: '', language: 'simple', topK: 10, mode: 'vector' }),
    ),
    EmbeddingSetChanged,
  );
  // Off-topic too, as a floor: on this test's vectors (topic centres plus two of 4 000 shared noise vectors) IVF reading
  // 30 % of 24 lists gave 0.82–0.85 (35 %, the default since, reads 9 lists instead of 8; its k-means samples at random), and the HNSW index it replaced (m 32,
  // ef_construction 200, ef_search 400) 0.83; on the search bench's, 0.95–0.99 against 0.65–0.78 (bench/LAYOUT.md, section 7).
  assert.ok(avg(recall.off!) >= 0.75, `off-topic recall ${avg(recall.off!)}`);
});

/**
 * The plans of a search's statements that read embeddings, each run again with EXPLAIN ANALYZE in the search's own
 * transaction (the runtime role, its settings in place), after the search itself returned `topK` rows.
 */
/**
 * The plans each statement of one search that reads embeddings ran with (EXPLAIN ANALYZE in the search's transaction and
 * settings; a named statement's kept plan through EXECUTE: test/support/statement-plans.ts).
 */
async function searchPlans(
  tenantId: string,
  p: Omit<SearchParams, 'tenantId' | 'language'>,
  r = repo,
): Promise<{ text: string; name?: string; plan: string }[]> {
  return tenantDb.runFor(tenantId, async (m) => {
    const { result: hits, sent } = await recordStatements(m, () => r.search(m, { ...p, tenantId, language: 'simple' }));
    assert.equal(hits.length, p.topK);
    const out: { text: string; name?: string; plan: string }[] = [];
    for (const s of sent.filter((x) => /\bembeddings\b/.test(x.text))) out.push({ text: s.text, name: s.name, plan: await planOf(m, s) });
    return out;
  });
}

test("every statement of the big tenant's vector and hybrid searches, under RLS, reads about what it returns, never the tenant's rows", async () => {
  // A statement's condition holding a function that is not leakproof cannot become an index condition below the policy:
  // folded into the vector statement as `e.id = ANY (ARRAY(SELECT …) || $n)`, the heading shares read the tenant's
  // 24 000 rows (110 ms on the bench's largest tenant) where a join by key reads 80.
  for (const mode of ['vector', 'hybrid'] as const) {
    const plans = await searchPlans(big.id, { query: TOPICS[2]!, vector: near(2), topK: 10, mode });
    assert.ok(plans.length >= 1, `${mode}: no statement read embeddings`);
    for (const { plan } of plans) {
      const removed = [...plan.matchAll(/Rows Removed by (?:Filter|Index Recheck): (\d+)/g)].map((x) => Number(x[1]));
      const produced = [...plan.matchAll(/actual time=[\d.]+\.\.[\d.]+ rows=(\d+)/g)].map((x) => Number(x[1]));
      assert.ok(Math.max(0, ...removed) <= 1_000, `${mode}: rows read and thrown away:\n${plan}`);
      assert.ok(Math.max(0, ...produced) <= 1_000, `${mode}: a node produced more rows than a search needs:\n${plan}`);
    }
  }
});

test("searches without an index run on kept plans (one node: named statements, generic plans): one connection's plans serve every tenant, each its own rows, and carry no tenant", async () => {
  const one = await runtimeDb(1); // one connection: every search below meets the plans the ones before it kept
  const unnamed = await runtimeDb(1);
  try {
    const citus = (await one.runFor(small.id, (m) => databaseMode(m.connection, m))) === 'citus';
    const searchers = [small, fillers[0]!, fillers[1]!, fresh];
    const own = new Map<string, Set<string>>();
    for (const t of searchers)
      own.set(t.id, new Set((await db.query(`SELECT id FROM embeddings WHERE tenant_id = $1`, [t.id])).rows.map((r) => r.id as string)));
    const count = { vector: 0, hybrid: 0 };
    for (let rep = 0; rep < 2; rep++)
      for (const t of searchers)
        for (const mode of ['vector', 'hybrid'] as const) {
          const p = { tenantId: t.id, query: TOPICS[rep]!, vector: near(rep), topK: 10, mode, language: 'simple' };
          const hits = await one.runFor(t.id, (m) => repo.search(m, p));
          count[mode]++;
          assert.equal(hits.length, Math.min(10, own.get(t.id)!.size), `${mode}, tenant of ${own.get(t.id)!.size} rows`);
          assert.ok(
            hits.every((h) => own.get(t.id)!.has(h.chunkId)),
            `${mode}: a row of another tenant`,
          );
        }
    const kept = (ds: TenantDb) =>
      ds.runFor(small.id, (m) =>
        m.query<{ name: string; statement: string; generic: number; custom: number }[]>(
          `SELECT name, statement, generic_plans::int AS generic, custom_plans::int AS custom FROM pg_prepared_statements WHERE name LIKE 'rag\\_%'`,
        ),
      );
    const plans = await kept(one);
    // The same searches with SEARCH_NAMED_STATEMENTS=false keep nothing (the setting for a pooler that cannot).
    await unnamed.runFor(small.id, (m) =>
      new SearchRepository({ minRows: MIN_ROWS, efSearch: 0, searchTimeoutMs: 30_000, namedStatements: false }).search(m, {
        tenantId: small.id,
        query: TOPICS[20]!,
        vector: near(20),
        topK: 10,
        mode: 'hybrid',
        language: 'simple',
      }),
    );
    assert.deepEqual(await kept(unnamed), [], 'SEARCH_NAMED_STATEMENTS=false: no named statement');
    if (citus) {
      assert.deepEqual(plans, [], 'Citus: no named statement (each statement is planned for the shards it reaches)');
      return;
    }
    const sum = (match: (s: string) => boolean) =>
      plans
        .filter((k) => match(k.statement))
        .reduce((a, k) => ({ generic: a.generic + k.generic, custom: a.custom + k.custom }), { generic: 0, custom: 0 });
    const searches = count.vector + count.hybrid;
    // prepare()'s statement, the exact scan (once per search), the details (hybrid): generic plans only, each planned
    // once on this connection and run for every tenant.
    assert.deepEqual(
      sum((s) => s.includes('FROM (SELECT 1) one')),
      { generic: searches, custom: 0 },
      JSON.stringify(plans),
    );
    assert.deepEqual(
      sum((s) => s.includes('c AS MATERIALIZED')),
      { generic: searches, custom: 0 },
      JSON.stringify(plans),
    );
    assert.deepEqual(
      sum((s) => s.includes('WITH ORDINALITY')),
      { generic: count.hybrid, custom: 0 },
      JSON.stringify(plans),
    );

    // A kept plan carries no tenant: the vector statement kept above, run by name with another tenant's id and set in
    // its parameters, reads nothing in the small tenant's transaction and nothing with no tenant set; in the other
    // tenant's own transaction, its rows (the probe can fail).
    const exact = plans.find((k) => k.statement.includes('c AS MATERIALIZED') && k.statement.includes('d.filename')); // vector mode's
    assert.ok(exact, JSON.stringify(plans));
    const victim = fillers[0]!;
    const [{ id: victimSet }] = (await db.query(`SELECT id FROM embedding_sets WHERE tenant_id = $1 AND state = 'active'`, [victim.id]))
      .rows;
    const probe = (as: string, clear = false) =>
      one.runFor(as, async (m) => {
        if (clear) await m.query(`SELECT set_config('app.current_tenant_id', '', true)`);
        await m.query(`SELECT set_config('plan_cache_mode', 'force_generic_plan', true)`);
        return queryNamed<{ id: string }>(m, exact.statement, [vectorLiteral(near(0)), victim.id, Number(victimSet), 10]);
      });
    assert.equal((await probe(small.id)).length, 0, "another tenant's id in a kept plan's parameters");
    assert.equal((await probe(victim.id, true)).length, 0, 'no tenant set');
    const theirs = await probe(victim.id);
    assert.equal(theirs.length, 10, 'the same statement in its own tenant');
    assert.ok(theirs.every((r) => own.get(victim.id)!.has(r.id)));

    // What a generic plan reads: the tenant's rows once (the exact scan), the hits' rows by key. (Joined the other way
    // round, a generic plan, which knows neither the tenant nor how many hits, read every row of the tenant again.)
    for (const mode of ['vector', 'hybrid'] as const)
      for (const { name, plan } of await searchPlans(victim.id, { query: TOPICS[3]!, vector: near(3), topK: 10, mode })) {
        if (name) assert.match(plan, /tenant_id = \$\d+/, `${mode}: a named statement's plan is generic (no tenant in it):\n${plan}`);
        const wide = nodeRows(plan).filter((n) => / on embeddings\b/.test(n.node) && n.rows > 1_000);
        assert.ok(wide.length <= 1, `${mode}: the tenant's rows read more than once:\n${plan}`);
      }
    // Scoped to one document (200 of the tenant's 4 000 rows): a generic plan does not know how many documents the
    // scope names either, and must still read that document's rows only.
    const [{ id: doc }] = (await db.query(`SELECT id FROM documents WHERE tenant_id = $1 ORDER BY id LIMIT 1`, [victim.id])).rows;
    for (const mode of ['vector', 'hybrid'] as const)
      for (const { plan } of await searchPlans(victim.id, { query: TOPICS[3]!, vector: near(3), topK: 10, mode, documentIds: [doc] })) {
        const read = nodeRows(plan).filter((n) => / on embeddings\b/.test(n.node) && n.rows > CHUNKS_PER_DOC);
        assert.deepEqual(read, [], `${mode}, one document in scope: more rows read than it has:\n${plan}`);
      }
  } finally {
    await one.dataSource.destroy();
    await unnamed.dataSource.destroy();
  }
});

test("an index the registry does not name yet is never read: a rebuild's, valid a moment before it is registered, with lists the planner finds cheaper", async () => {
  // A rebuild's new index covers the rows up to a higher watermark, so the old watermark's search implies its predicate;
  // it is valid before the worker registers it. The search sets ivfflat.probes for the registered index's lists: read
  // through the new one (twice the lists here, so half the cost to the planner), the same probes would be half the share.
  // (Not more lists: a Citus worker node builds with its own maintenance_work_mem, 64 MB, which 4x the lists exceed.)
  const reg = (await registry(big.id))!;
  assert.equal(reg.method, 'ivfflat');
  const [{ set_id: setId }] = (await db.query(`SELECT set_id FROM vector_indexes WHERE tenant_id = $1`, [big.id])).rows;
  const builder = new VectorIndexRepository();
  // The worker holds the tenant's build lock from a build's start until it registers it; holding it here keeps the
  // worker's sweep away from the unregistered index, as it would be during a rebuild.
  await waitFor("the big tenant's build lock", () => builder.tryLock(db, big.id), 120_000, 200);
  let rogue: string | undefined;
  try {
    rogue = await builder.build(db, { tenantId: big.id, id: Number(setId), dimensions: dims } as EmbeddingSet, Number(reg.watermark) + 1, {
      method: 'ivfflat',
      lists: reg.lists * 2,
      parts: 1,
      memoryMb: 256,
    });
    assert.deepEqual(
      (await tenantIndexes(big.id)).map((i) => [i.indexname, i.valid]),
      [reg.index_name, rogue].sort().map((name) => [name, true]),
    );
    for (const mode of ['vector', 'hybrid'] as const)
      for (const topic of [0, BIG_TOPICS.length + 3]) {
        // On-topic, then off-topic (a topic the big tenant has no rows of): words and vector of the same topic.
        const plans = (await searchPlans(big.id, { query: TOPICS[topic]!, vector: near(topic), topK: 10, mode }))
          .map((x) => x.plan)
          .join('\n');
        assert.ok(plans.includes(reg.index_name), `${mode}: the registered index is not read:\n${plans}`);
        assert.ok(!plans.includes(rogue), `${mode}: the unregistered index is read:\n${plans}`);
      }
  } finally {
    if (rogue) await builder.drop(db, rogue);
    await builder.unlock(db, big.id);
  }
});

test('rows written after the index was built are found at once (exact part), and a scope the index cannot fill falls back to an exact scan', async () => {
  const reg = (await registry(big.id))!;
  const doc = randomUUID();
  await db.query(
    `INSERT INTO documents (tenant_id, id, filename, mime_type, size_bytes, content_hash, status, progress, chunk_count)
                  VALUES ($1, $2, 'fresh.txt', 'text/plain', 1, $3, 'ready', 100, 300)`,
    [big.id, doc, `fresh-${doc}`],
  );
  const vectors = Array.from({ length: 300 }, () => near(FRESH_TOPIC));
  const chunks = vectors.map((_, i) => ({
    index: i,
    content: `${TOPICS[FRESH_TOPIC]} fresh note ${i}`,
    pageFrom: 1,
    pageTo: 1,
    charStart: 0,
    charEnd: 10,
    tokenCount: 5,
  }));
  await tenantDb.runFor(big.id, (m) =>
    insertChunks(m, { tenantId: big.id, documentId: doc, model: 'synthetic', searchConfig: 'simple' }, chunks, vectors),
  );
  assert.equal(await chunkCount(big.id, `AND seq > ${Number(reg.watermark)}`), 300, 'the new rows are above the watermark');

  const { hits, path } = await search(big.id, { query: TOPICS[FRESH_TOPIC]!, vector: near(FRESH_TOPIC), topK: 10, mode: 'vector' });
  assert.equal(path, 'index');
  assert.equal(hits.length, 10);
  assert.ok(
    hits.every((h) => h.documentId === doc),
    'the nearest rows are the fresh ones',
  );

  // Scope: one document of 300 chunks -> exact path. The same scope with its count inflated past
  // the threshold -> the index path, which cannot return 500 rows of a 300-row scope -> exact fallback.
  const scoped = await search(big.id, { query: 'x', vector: near(0), topK: 50, mode: 'vector', documentIds: [doc] });
  assert.equal(scoped.path, 'exact');
  assert.equal(scoped.hits.length, 50);
  await db.query(`UPDATE documents SET chunk_count = $3 WHERE tenant_id = $1 AND id = $2`, [big.id, doc, MIN_ROWS]);
  const fallback = await search(big.id, { query: 'x', vector: near(0), topK: 500, mode: 'vector', documentIds: [doc] });
  assert.equal(fallback.path, 'index+exact-fallback');
  assert.equal(fallback.hits.length, 300);
  assert.ok(fallback.hits.every((h) => h.documentId === doc));
});

test('after enough writes the worker rebuilds the index with a new watermark and drops the old one; searches stay complete throughout', async () => {
  const before = (await registry(big.id))!;
  const doc = randomUUID();
  await db.query(
    `INSERT INTO documents (tenant_id, id, filename, mime_type, size_bytes, content_hash, status, progress, chunk_count)
                  VALUES ($1, $2, 'more.txt', 'text/plain', 1, $3, 'ready', 100, 2400)`,
    [big.id, doc, `more-${doc}`],
  );
  const n = Math.max(REBUILD_ROWS, Math.ceil(Number(before.indexed_rows) / 10)) + 100;
  const vectors = Array.from({ length: n }, (_, i) => near(i % BIG_TOPICS.length));
  const chunks = vectors.map((_, i) => ({
    index: i,
    content: `more note ${i}`,
    pageFrom: 1,
    pageTo: 1,
    charStart: 0,
    charEnd: 10,
    tokenCount: 3,
  }));
  await tenantDb.runFor(big.id, (m) =>
    insertChunks(m, { tenantId: big.id, documentId: doc, model: 'synthetic', searchConfig: 'simple' }, chunks, vectors),
  );

  let searches = 0;
  const rebuilt = await waitFor(
    'a rebuilt index',
    async () => {
      const { hits } = await search(big.id, {
        query: TOPICS[searches % 8]!,
        vector: near(searches % 8),
        topK: 20,
        mode: searches % 2 ? 'hybrid' : 'vector',
      });
      assert.equal(hits.length, 20, 'a search during the rebuild came back short');
      searches++;
      const now = await registry(big.id);
      return now && now.index_name !== before.index_name ? now : false;
    },
    300_000,
    200,
  );
  assert.ok(Number(rebuilt.watermark) > Number(before.watermark));
  assert.equal(Number(rebuilt.indexed_rows), await chunkCount(big.id, `AND seq <= ${Number(rebuilt.watermark)}`));
  await waitFor(
    'the old index dropped',
    async () => {
      const idx = await tenantIndexes(big.id);
      return idx.length === 1 && idx[0]!.indexname === rebuilt.index_name && idx[0]!.valid;
    },
    60_000,
    200,
  );
  log(`rebuilt as ${rebuilt.index_name} (${rebuilt.indexed_rows} rows) while ${searches} searches ran, all complete`);
});

test("a large set has its own full-text index: a word is read from that set's rows only, new rows are in it as written, and it finds what the shared index finds", async () => {
  const {
    rows: [set],
  } = await db.query(`SELECT id, keyword_index FROM embedding_sets WHERE tenant_id = $1 AND state = 'active'`, [big.id]);
  const name = `embeddings_tsv_t_${big.id.replace(/-/g, '')}_s${set.id}`;
  assert.equal(set.keyword_index, name, 'the worker built and named it with the vector index');
  const valid = await db.query(`SELECT i.indisvalid FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid WHERE c.relname = $1`, [name]);
  assert.equal(valid.rows[0]?.indisvalid, true);

  // Rows written now, to the big tenant and to the small one: the GIN takes them at once (no rebuild, unlike the vector index).
  const write = async (tenantId: string, texts: string[]) => {
    const doc = randomUUID();
    await db.query(
      `INSERT INTO documents (tenant_id, id, filename, mime_type, size_bytes, content_hash, status, progress, chunk_count)
                    VALUES ($1, $2, 'kw.txt', 'text/plain', 1, $3, 'ready', 100, $4)`,
      [tenantId, doc, `kw-${doc}`, texts.length],
    );
    const chunks = texts.map((content, index) => ({ index, content, pageFrom: 1, pageTo: 1, charStart: 0, charEnd: 10, tokenCount: 3 }));
    await tenantDb.runFor(tenantId, (m) =>
      insertChunks(
        m,
        { tenantId, documentId: doc, model: 'synthetic', searchConfig: 'simple' },
        chunks,
        texts.map(() => near(0)),
      ),
    );
  };
  await write(big.id, ['quetzalcoatl one', 'quetzalcoatl two', 'quetzalcoatl three']);
  await write(small.id, ['quetzalcoatl of the small tenant']);
  const found = (tenantId: string, q: string) =>
    tenantDb.runFor(tenantId, async (m) =>
      (await m.query<{ id: string }[]>(`SELECT id FROM search_keyword(to_tsquery('simple', $1), 40, NULL, NULL) ORDER BY id`, [q])).map(
        (r) => r.id,
      ),
    );
  const own = await found(big.id, 'quetzalcoatl');
  assert.equal(own.length, 3, "the big tenant's three rows, not the small tenant's");
  assert.deepEqual(await found(big.id, 'telescope'), [], "the small tenant's word is not the big tenant's");

  const mode = await tenantDb.runFor(big.id, (m) => databaseMode(m.connection, m));
  if (mode === 'postgres') {
    const [plan] = await keywordPlans(db, big.id, 'quetzalcoatl');
    assert.ok(plan?.includes(`on ${name}`), `read through the set's own GIN:\n${plan}`);
    assert.doesNotMatch(plan!, /embeddings_tenant_tsv_idx/);
    assert.ok(Math.max(...actualRows(plan!)) <= 3, `only the word's three rows are read:\n${plan}`);
  }
  // The shared index, for the same queries: search_keyword() takes it when the set names no index of its own.
  await db.query(`UPDATE embedding_sets SET keyword_index = NULL WHERE tenant_id = $1 AND id = $2`, [big.id, set.id]);
  try {
    assert.deepEqual(await found(big.id, 'quetzalcoatl'), own);
    assert.deepEqual(await found(big.id, 'telescope'), []);
  } finally {
    await db.query(`UPDATE embedding_sets SET keyword_index = $3 WHERE tenant_id = $1 AND id = $2`, [big.id, set.id, name]);
  }

  // A set that was large before the migration (or lost its index): the worker's sweep finds it and builds it again.
  // IF EXISTS: the worker's sweep (every second here) drops an index no registry row names, and it may have done so in
  // any moment above or here in which keyword_index was NULL; what is tested is that it comes back.
  await db.query(`UPDATE embedding_sets SET keyword_index = NULL WHERE tenant_id = $1 AND id = $2`, [big.id, set.id]);
  await db.query(`DROP INDEX IF EXISTS ${name}`);
  await waitFor(
    "the set's own full-text index built again by the sweep",
    async () =>
      (await db.query(`SELECT keyword_index FROM embedding_sets WHERE tenant_id = $1 AND id = $2`, [big.id, set.id])).rows[0]
        ?.keyword_index === name,
    120_000,
    250,
  );
  assert.deepEqual(await found(big.id, 'quetzalcoatl'), own);
});

test("search_keyword() isolates tenants like the policies: other tenants' words give nothing, no tenant gives nothing, PUBLIC cannot call it", async () => {
  const count = (tenantId: string | undefined, q: string) =>
    tenantDb.runFor(tenantId ?? big.id, async (m) => {
      if (!tenantId) await m.query(`SELECT set_config('app.current_tenant_id', '', true)`);
      const [r] = await m.query(
        `SELECT count(*)::int AS n FROM search_keyword(websearch_to_tsquery($2::regconfig, $1), 1000, NULL, NULL)`,
        [q, DEFAULT_SEARCH_CONFIG],
      );
      return r.n as number;
    });
  assert.ok((await count(small.id, 'telescope')) > 0);
  assert.equal(await count(big.id, 'telescope'), 0, "the small tenant's word is not in the big tenant");
  assert.equal(await count(undefined, 'invoice'), 0, 'no tenant set: no rows');
  const { rows } = await db.query(
    `SELECT has_function_privilege('public', 'search_keyword(tsquery, int, uuid[], uuid[], regconfig)', 'EXECUTE') AS pub`,
  );
  assert.equal(rows[0].pub, false);
});

test("a deleted tenant's index is dropped by the worker's sweep", async () => {
  // (The API has no tenant deletion route: the platform operator deletes in SQL, and everything cascades.)
  await db.query(`DELETE FROM tenants WHERE id = $1`, [big.id]);
  assert.equal(await registry(big.id), undefined);
  await waitFor("the deleted tenant's index gone", async () => (await tenantIndexes(big.id)).length === 0, 60_000, 250);
  await waitFor(
    "the deleted tenant's full-text index gone",
    async () => (await tenantIndexes(big.id, 'embeddings_tsv_t_')).length === 0,
    60_000,
    250,
  );
});
