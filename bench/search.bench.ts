/**
 * Search benchmark: HNSW (iterative scans, as SearchRepository sets them) vs
 * IVFFlat lists = 100 vs exact scan, on 50 000 chunks × 1536 dims across 50
 * tenants of Zipf sizes, in its own database (BENCH_DB_NAME, default
 * ragdocs_bench) so the test database is never touched.
 *
 *   source /tmp/testenv.sh && npx tsc -p tsconfig.json && node dist/bench/search.bench.js
 *
 * Measures: index build time; p50/p95 latency of vector and hybrid searches per
 * tenant-size class (the repository's SQL, through the RLS-bound runtime role
 * in a tenant transaction); completeness (fraction of queries returning the full
 * topK); recall@5 against the exact scan; which plan the planner took; chunk
 * write throughput (COPY BINARY as superuser, the ingestion's multi-row INSERT
 * as the runtime role) with each index present. Prints Markdown tables.
 * Deletes its rows at the end unless BENCH_KEEP=1 (kept for inspection; the
 * next run deletes them first and loads the seeded dataset again).
 *
 * Knobs (env): BENCH_CHUNKS (50000), BENCH_TENANTS (50), BENCH_ZIPF_S (1.1),
 * BENCH_QUERIES (per tenant and kind, 5), BENCH_DB_NAME, BENCH_KEEP.
 */
import 'reflect-metadata';
import { randomUUID } from 'node:crypto';
import os from 'node:os';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import pg from 'pg';
import copyStreams from 'pg-copy-streams';
import type { DataSource, EntityManager } from 'typeorm';
import { loadConfig } from '../libs/config/config.js';
import { createMigrationDataSource, createRuntimeDataSource } from '../libs/database/data-source.js';
import { insertChunks } from '../libs/database/embeddings/insert-chunks.js';
import { inTenantTransactionFor } from '../libs/database/tenant-transaction.js';
import { SearchRepository, type SearchParams } from '../libs/retrieval/search.repository.js';
import type { SearchMode } from '../libs/retrieval/search.types.js';
import { prng } from '../test/support/prng.js';

const TOTAL = Number(process.env.BENCH_CHUNKS ?? 50_000);
const TENANTS = Number(process.env.BENCH_TENANTS ?? 50);
const ZIPF_S = Number(process.env.BENCH_ZIPF_S ?? 1.1);
const QUERIES_PER_KIND = Number(process.env.BENCH_QUERIES ?? 5);
const DB_NAME = process.env.BENCH_DB_NAME ?? 'ragdocs_bench';
const KEEP = process.env.BENCH_KEEP === '1';
const TOPICS = 80;
const CHUNKS_PER_DOC = 100;
const SLUG = 'bench-';
const HNSW = 'embeddings_hnsw_idx';
const IVF = 'embeddings_bench_ivfflat_idx';
const BUILD_MEM = '1GB';
const CLASSES = ['large', 'medium', 'small'] as const;
type SizeClass = (typeof CLASSES)[number];
const classOf = (n: number): SizeClass => (n >= 2500 ? 'large' : n >= 500 ? 'medium' : 'small');

const t0 = Date.now();
const log = (msg: string) => console.error(`[bench +${((Date.now() - t0) / 1000).toFixed(0)}s] ${msg}`);
const secs = (ms: number) => (ms / 1000).toFixed(1);

// ---------------------------------------------------------------- data model
const rnd = prng(50_000);

function unitInPlace(v: Float64Array): Float64Array {
  let s = 0;
  for (const x of v) s += x * x;
  const n = Math.sqrt(s);
  for (let i = 0; i < v.length; i++) v[i]! /= n;
  return v;
}
function gaussVec(dims: number, norm: number): Float64Array {
  const v = unitInPlace(Float64Array.from({ length: dims }, () => rnd.gauss()));
  for (let i = 0; i < dims; i++) v[i]! *= norm;
  return v;
}
/** Topic centre + Gaussian noise of the given norm, normalised (cosine ~0.7 to the centre for norm 1). */
function near(base: Float64Array, noiseNorm: number): Float64Array {
  const v = gaussVec(base.length, noiseNorm);
  for (let i = 0; i < v.length; i++) v[i]! += base[i]!;
  return unitInPlace(v);
}

const SYLLABLES = ['ka', 'lo', 'mi', 'ne', 'ru', 'sa', 'ti', 'vo', 'ze', 'pa', 'qu', 'do', 'fe', 'gi', 'ho', 'ju'];
/** Four made-up words per topic, distinct across topics, for the keyword half of hybrid search. */
function topicWords(t: number): string {
  return [0, 1, 2, 3].map((k) => {
    const n = t * 4 + k + 17;
    return `${SYLLABLES[n % 16]}${SYLLABLES[(n >> 4) % 16]}${SYLLABLES[(n * 7 + k) % 16]}x${n}`;
  }).join(' ');
}

interface Tenant { id: string; slug: string; rank: number; size: number; cls: SizeClass; topics: number[]; docs: { id: string; chunks: number; topic: number }[] }

function zipfSizes(): number[] {
  const w = Array.from({ length: TENANTS }, (_, i) => 1 / Math.pow(i + 1, ZIPF_S));
  const sum = w.reduce((a, b) => a + b, 0);
  const sizes = w.map((x) => Math.max(20, Math.round((x / sum) * TOTAL)));
  sizes[0]! += TOTAL - sizes.reduce((a, b) => a + b, 0);
  return sizes;
}

function planTenants(): Tenant[] {
  return zipfSizes().map((size, rank) => {
    const nTopics = Math.max(2, Math.min(12, Math.round(size / 1000)));
    const topics = new Set<number>();
    while (topics.size < nTopics) topics.add(rnd.int(TOPICS));
    const tl = [...topics];
    const docs = Array.from({ length: Math.ceil(size / CHUNKS_PER_DOC) }, (_, d) => ({
      id: randomUUID(), chunks: Math.min(CHUNKS_PER_DOC, size - d * CHUNKS_PER_DOC), topic: tl[d % tl.length]!,
    }));
    return { id: randomUUID(), slug: `${SLUG}${String(rank + 1).padStart(2, '0')}-${randomUUID().slice(0, 6)}`, rank: rank + 1, size, cls: classOf(size), topics: tl, docs };
  });
}

// ---------------------------------------------------------------- database
function dbUrl(base: string | undefined, fallback: string): string {
  const u = new URL(base || fallback);
  u.pathname = `/${DB_NAME}`;
  return u.toString();
}
const SUPER_URL = dbUrl(process.env.DATABASE_ADMIN_URL, 'postgres://postgres@127.0.0.1:5432/postgres');
const MIGRATION_URL = dbUrl(process.env.DATABASE_MIGRATION_URL, 'postgres://rag_owner:rag_owner@127.0.0.1:5432/ragdocs');
const RUNTIME_URL = dbUrl(process.env.DATABASE_URL, 'postgres://rag_app:rag_app@127.0.0.1:5432/ragdocs');

async function provision(): Promise<void> {
  const maint = new URL(SUPER_URL);
  maint.pathname = '/postgres';
  const c = new pg.Client({ connectionString: maint.toString() });
  await c.connect();
  try {
    const exists = (await c.query(`SELECT 1 FROM pg_database WHERE datname = $1`, [DB_NAME])).rowCount;
    if (!exists) {
      const owner = decodeURIComponent(new URL(MIGRATION_URL).username);
      await c.query(`CREATE DATABASE ${pg.escapeIdentifier(DB_NAME)} OWNER ${pg.escapeIdentifier(owner)}`);
      log(`created database ${DB_NAME}`);
    }
  } finally {
    await c.end();
  }
  const s = new pg.Client({ connectionString: SUPER_URL });
  await s.connect();
  try {
    await s.query(`SET client_min_messages = warning`);
    await s.query(`CREATE EXTENSION IF NOT EXISTS vector`);
    await s.query(`GRANT CONNECT ON DATABASE ${pg.escapeIdentifier(DB_NAME)} TO ${pg.escapeIdentifier(decodeURIComponent(new URL(RUNTIME_URL).username))}`);
  } finally {
    await s.end();
  }
  const m = createMigrationDataSource({ migrationUrl: MIGRATION_URL, connectTimeoutMs: 5000 });
  await m.initialize();
  try {
    await m.runMigrations({ transaction: 'all' });
  } finally {
    await m.destroy();
  }
}

const uuidBytes = (u: string) => Buffer.from(u.replace(/-/g, ''), 'hex');

/** One row of COPY BINARY for the embeddings columns the ingestion writes (pgvector: int16 dims, int16 0, float4 BE). */
function copyRow(tenantId: string, docId: string, idx: number, content: string, vec: Float64Array): Buffer {
  const text = Buffer.from(content, 'utf8');
  const model = Buffer.from('bench-synthetic', 'utf8');
  const vecLen = 4 + 4 * vec.length;
  const size = 2 + 3 * (4 + 16) + (4 + 4) + (4 + text.length) + (4 + vecLen) + 5 * (4 + 4) + (4 + model.length);
  const b = Buffer.allocUnsafe(size);
  let o = b.writeInt16BE(12, 0);
  const field = (buf: Buffer) => { o = b.writeInt32BE(buf.length, o); o += buf.copy(b, o); };
  const int = (n: number) => { o = b.writeInt32BE(4, o); o = b.writeInt32BE(n, o); };
  field(uuidBytes(tenantId));
  field(uuidBytes(randomUUID()));
  field(uuidBytes(docId));
  int(idx);
  field(text);
  o = b.writeInt32BE(vecLen, o);
  o = b.writeInt16BE(vec.length, o);
  o = b.writeInt16BE(0, o);
  for (const x of vec) o = b.writeFloatBE(x, o);
  int(1); int(1); int(idx * 1000); int(idx * 1000 + 999); int(200);
  field(model);
  return b;
}

const chunkText = (topic: number, idx: number, docId: string) => `${topicWords(topic)}: bench note ${idx} of document ${docId.slice(0, 8)}`;

async function loadDataset(s: pg.Client, tenants: Tenant[], bases: Float64Array[]): Promise<{ rows: number; ms: number }> {
  await s.query(`INSERT INTO tenants (id, name, slug) SELECT * FROM unnest($1::uuid[], $2::text[], $3::text[])`,
    [tenants.map((t) => t.id), tenants.map((t) => `Bench ${t.slug}`), tenants.map((t) => t.slug)]);
  const docs = tenants.flatMap((t) => t.docs.map((d) => ({ t, d })));
  await s.query(`INSERT INTO documents (tenant_id, id, filename, mime_type, size_bytes, content_hash, status, progress, page_count, chunk_count)
    SELECT t, d, 'bench-' || d || '.txt', 'text/plain', 1000 * n, 'bench-' || d, 'ready', 100, 1, n FROM unnest($1::uuid[], $2::uuid[], $3::int[]) AS u(t, d, n)`,
  [docs.map((x) => x.t.id), docs.map((x) => x.d.id), docs.map((x) => x.d.chunks)]);
  // Generated up front (about 6.2 kB a row), so the timing is the database's, not the generator's.
  const header = Buffer.concat([Buffer.from('PGCOPY\n\xff\r\n\0', 'latin1'), Buffer.alloc(8)]);
  const trailer = Buffer.alloc(2);
  trailer.writeInt16BE(-1);
  const buffers: Buffer[] = [header];
  for (const { t, d } of docs) {
    const parts: Buffer[] = [];
    for (let i = 0; i < d.chunks; i++) parts.push(copyRow(t.id, d.id, i, chunkText(d.topic, i, d.id), near(bases[d.topic]!, 0.9)));
    buffers.push(Buffer.concat(parts));
  }
  buffers.push(trailer);
  const start = Date.now();
  await pipeline(Readable.from(buffers), s.query(copyStreams.from(
    `COPY embeddings (tenant_id, id, document_id, chunk_index, content, embedding, page_from, page_to, char_start, char_end, token_count, model) FROM STDIN (FORMAT binary)`)));
  return { rows: docs.reduce((n, x) => n + x.d.chunks, 0), ms: Date.now() - start };
}

// ---------------------------------------------------------------- measurements
interface Query { tenant: Tenant; kind: 'on-topic' | 'off-topic'; text: string; vector: number[] }
interface Sample { config: string; cls: SizeClass; mode: SearchMode; topK: number; q: number; ms: number; ids: string[]; plan: string; jit: boolean; foreign: number }

const repo = new SearchRepository({ minRows: 10_000, efSearch: 0 });
const MODES: SearchMode[] = ['vector', 'hybrid'];
const TOPKS = [5, 20];

async function runQueries(ds: DataSource, config: string, queries: Query[], indexName?: string): Promise<Sample[]> {
  const out: Sample[] = [];
  for (const mode of MODES) {
    for (const topK of TOPKS) {
      for (const [qi, q] of queries.entries()) {
        const p: SearchParams = { tenantId: q.tenant.id, vector: q.vector, query: q.text, language: 'simple', topK, mode };
        const s = await inTenantTransactionFor(ds, q.tenant.id, async (m) => {
          let last: { sql: string; params: unknown[] } | undefined;
          const spy = Object.create(m) as EntityManager;
          spy.query = ((sql: string, ps?: unknown[]) => { last = { sql, params: ps ?? [] }; return m.query(sql, ps); }) as EntityManager['query'];
          const start = performance.now();
          const hits = await repo.search(spy, p);
          const ms = performance.now() - start;
          const [row] = await m.query(`EXPLAIN (FORMAT JSON) ${last!.sql}`, last!.params);
          const plan = JSON.stringify(row['QUERY PLAN']);
          const docIds = new Set(q.tenant.docs.map((d) => d.id));
          return {
            config, cls: q.tenant.cls, mode, topK, q: qi, ms, ids: hits.map((h) => h.chunkId),
            plan: indexName && plan.includes(indexName) ? 'index' : 'exact', jit: plan.includes('"JIT"'),
            foreign: hits.filter((h) => !docIds.has(h.documentId)).length,
          };
        });
        out.push(s);
      }
    }
  }
  return out;
}

/** The ingestion's own write path: multi-row INSERT ... unnest in batches of 200, runtime role, tenant transaction. */
async function insertThroughput(ds: DataSource, s: pg.Client, tenant: Tenant, bases: Float64Array[], rows: number): Promise<number> {
  const docId = randomUUID();
  await s.query(`INSERT INTO documents (tenant_id, id, filename, mime_type, size_bytes, content_hash, status, progress, chunk_count)
                 VALUES ($1, $2, 'bench-write.txt', 'text/plain', 1, $3, 'processing', 0, 0)`, [tenant.id, docId, `bench-write-${docId}`]);
  const topic = tenant.topics[0]!;
  const vecs = Array.from({ length: rows }, () => near(bases[topic]!, 0.9));
  const chunks = Array.from({ length: rows }, (_, i) => ({
    index: i, content: chunkText(topic, i, docId), pageFrom: 1, pageTo: 1, charStart: i * 1000, charEnd: i * 1000 + 999, tokenCount: 200,
  }));
  const start = performance.now();
  await inTenantTransactionFor(ds, tenant.id, (m) =>
    insertChunks(m, { tenantId: tenant.id, documentId: docId, model: 'bench-synthetic', searchConfig: 'simple' }, chunks, vecs));
  const ms = performance.now() - start;
  await s.query(`DELETE FROM documents WHERE tenant_id = $1 AND id = $2`, [tenant.id, docId]);
  return rows / (ms / 1000);
}

const pct = (xs: number[], p: number) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.max(0, Math.ceil((p / 100) * s.length) - 1))]!;
};

// ---------------------------------------------------------------- main
async function main(): Promise<void> {
  await provision();
  const s = new pg.Client({ connectionString: SUPER_URL });
  await s.connect();
  await s.query(`SET client_min_messages = warning`);
  const ds = await createRuntimeDataSource({ ...loadConfig().database, url: RUNTIME_URL }, { poolMax: 2, poolMin: 0 }).initialize();
  const hnswDef: string | undefined = (await s.query(`SELECT indexdef FROM pg_indexes WHERE schemaname = 'public' AND indexname = $1`, [HNSW])).rows[0]?.indexdef;
  try {
    const dims: number = (await s.query(`SELECT atttypmod FROM pg_attribute WHERE attrelid = 'public.embeddings'::regclass AND attname = 'embedding'`)).rows[0].atttypmod;
    if (!hnswDef) throw new Error(`${HNSW} is missing in ${DB_NAME} (EMBEDDING_DIMENSIONS > 2000?): nothing to compare`);
    const [{ version }] = (await s.query(`SELECT current_setting('server_version') AS version`)).rows;
    const [{ extversion }] = (await s.query(`SELECT extversion FROM pg_extension WHERE extname = 'vector'`)).rows;

    // Topic centres share a common component, as real embeddings do.
    const common = gaussVec(dims, 0.35);
    const bases = Array.from({ length: TOPICS }, () => {
      const v = gaussVec(dims, 1);
      for (let i = 0; i < dims; i++) v[i]! += common[i]!;
      return v;
    });
    const tenants = planTenants();

    // Leftovers of an interrupted run, or the kept dataset of a BENCH_KEEP=1 run: start clean (the vectors are seeded, not stored).
    await s.query(`DROP INDEX IF EXISTS ${IVF}`);
    await s.query(`DELETE FROM tenants WHERE slug LIKE '${SLUG}%'`);

    // ---- load: COPY BINARY without a vector index
    await s.query(`DROP INDEX IF EXISTS ${HNSW}`);
    await s.query(`VACUUM embeddings`);
    const load = await loadDataset(s, tenants, bases);
    await s.query(`ANALYZE embeddings, documents, tenants`);
    const copyRate = load.rows / (load.ms / 1000);
    log(`COPY BINARY: ${load.rows} rows in ${secs(load.ms)}s = ${Math.round(copyRate)} rows/s (GIN + B-tree indexes, no vector index)`);

    // ---- queries: per class up to 4 tenants spread over the class, on- and off-topic
    const queries: Query[] = [];
    for (const cls of CLASSES) {
      const inClass = tenants.filter((t) => t.cls === cls);
      const pick = inClass.length <= 4 ? inClass : [0, 1, 2, 3].map((k) => inClass[Math.round((k * (inClass.length - 1)) / 3)]!);
      for (const t of pick) {
        const off = Array.from({ length: TOPICS }, (_, i) => i).filter((i) => !t.topics.includes(i));
        for (let k = 0; k < QUERIES_PER_KIND; k++) {
          const on = t.topics[k % t.topics.length]!;
          queries.push({ tenant: t, kind: 'on-topic', text: topicWords(on), vector: Array.from(near(bases[on]!, 0.7)) });
          const o = off[rnd.int(off.length)]!;
          queries.push({ tenant: t, kind: 'off-topic', text: topicWords(o), vector: Array.from(near(bases[o]!, 0.7)) });
        }
      }
    }
    const classTenants = Object.fromEntries(CLASSES.map((c) => [c, [...new Set(queries.filter((q) => q.tenant.cls === c).map((q) => q.tenant))]]));
    log(`tenants: ${CLASSES.map((c) => `${c} ${tenants.filter((t) => t.cls === c).length}`).join(', ')}; sizes ${tenants[0]!.size} … ${tenants.at(-1)!.size}; ${queries.length} queries × ${MODES.length} modes × topK ${TOPKS.join('/')}`);
    const writer = tenants.find((t) => t.cls === 'medium') ?? tenants[0]!;

    const results: Sample[] = [];
    const builds: Record<string, number> = {};
    const writes: Record<string, number> = {};
    const WRITE_ROWS = 600;

    // ---- exact (no vector index): also the reference for recall
    let start = Date.now();
    results.push(...await runQueries(ds, 'exact', queries));
    log(`exact: ${results.length} searches in ${secs(Date.now() - start)}s`);
    writes.exact = await insertThroughput(ds, s, writer, bases, WRITE_ROWS);

    // ---- IVFFlat lists = 100 (k-means over 1536 dims needs > 64 MB maintenance_work_mem)
    await s.query(`SET maintenance_work_mem = '${BUILD_MEM}'`);
    start = Date.now();
    await s.query(`CREATE INDEX ${IVF} ON embeddings USING ivfflat (embedding vector_cosine_ops) WITH (lists = 100)`);
    builds.ivfflat = Date.now() - start;
    log(`IVFFlat lists=100 built in ${secs(builds.ivfflat)}s`);
    start = Date.now();
    results.push(...await runQueries(ds, 'ivfflat', queries, IVF));
    log(`ivfflat: searches in ${secs(Date.now() - start)}s`);
    writes.ivfflat = await insertThroughput(ds, s, writer, bases, WRITE_ROWS);
    await s.query(`DROP INDEX ${IVF}`);

    // ---- HNSW as the migration defines it (m 16, ef_construction 64)
    start = Date.now();
    await s.query(hnswDef);
    builds.hnsw = Date.now() - start;
    await s.query(`RESET maintenance_work_mem`);
    log(`HNSW built in ${secs(builds.hnsw)}s`);
    start = Date.now();
    results.push(...await runQueries(ds, 'hnsw', queries, HNSW));
    log(`hnsw: searches in ${secs(Date.now() - start)}s`);
    writes.hnsw = await insertThroughput(ds, s, writer, bases, WRITE_ROWS);

    // ---- report
    const exactIds = new Map(results.filter((r) => r.config === 'exact' && r.topK === 5).map((r) => [`${r.mode}|${r.q}`, r.ids]));
    const lines: string[] = [];
    lines.push(`### Search (${TOTAL} chunks × ${dims} dims, ${TENANTS} tenants, Zipf s=${ZIPF_S}; PostgreSQL ${version}, pgvector ${extversion}; ${os.cpus().length} CPUs)`, '');
    lines.push('Latency: the repository\'s search (settings round trip + query) inside a tenant transaction of the runtime role, ms. Complete: queries returning min(topK, tenant chunks) rows. Plan: share of queries whose plan used the vector index. JIT: share of plans JIT-compiled.', '');
    lines.push('| index | class (tenant sizes) | mode | p50 top5 | p95 top5 | p50 top20 | p95 top20 | complete | recall@5 on / off-topic | plan: index | JIT |');
    lines.push('|---|---|---|---:|---:|---:|---:|---:|---:|---:|---:|');
    const kindOf = (r: Sample) => queries[r.q]!.kind;
    for (const config of ['hnsw', 'ivfflat', 'exact']) {
      for (const cls of CLASSES) {
        for (const mode of MODES) {
          const rs = results.filter((r) => r.config === config && r.cls === cls && r.mode === mode);
          if (!rs.length) continue;
          const t5 = rs.filter((r) => r.topK === 5).map((r) => r.ms);
          const t20 = rs.filter((r) => r.topK === 20).map((r) => r.ms);
          const complete = rs.filter((r) => r.ids.length === Math.min(r.topK, queries[r.q]!.tenant.size)).length;
          const recall = (kind: string) => {
            const at5 = rs.filter((r) => r.topK === 5 && kindOf(r) === kind);
            return at5.reduce((acc, r) => {
              const ref = exactIds.get(`${r.mode}|${r.q}`)!;
              return acc + r.ids.filter((id) => ref.includes(id)).length / Math.max(1, ref.length);
            }, 0) / at5.length;
          };
          const sizes = classTenants[cls]!.map((t) => t.size).join('/');
          lines.push(`| ${config} | ${cls} (${sizes}) | ${mode} | ${pct(t5, 50).toFixed(1)} | ${pct(t5, 95).toFixed(1)} | ${pct(t20, 50).toFixed(1)} | ${pct(t20, 95).toFixed(1)} | ${complete}/${rs.length} | ${recall('on-topic').toFixed(2)} / ${recall('off-topic').toFixed(2)} | ${Math.round((100 * rs.filter((r) => r.plan === 'index').length) / rs.length)}% | ${Math.round((100 * rs.filter((r) => r.jit).length) / rs.length)}% |`);
        }
      }
    }
    const foreign = results.reduce((n, r) => n + r.foreign, 0);
    lines.push('', `Rows of another tenant in any result: ${foreign}.`, '');
    lines.push('### Build and writes', '');
    lines.push('| | no vector index (exact) | IVFFlat lists=100 | HNSW (m 16, ef_construction 64) |');
    lines.push('|---|---:|---:|---:|');
    lines.push(`| index build over ${load.rows} rows (maintenance_work_mem ${BUILD_MEM}) | – | ${secs(builds.ivfflat!)} s | ${secs(builds.hnsw!)} s |`);
    lines.push(`| ingestion INSERT … unnest, batches of 200, runtime role (${WRITE_ROWS} rows) | ${Math.round(writes.exact!)} rows/s | ${Math.round(writes.ivfflat!)} rows/s | ${Math.round(writes.hnsw!)} rows/s |`);
    lines.push(`| COPY BINARY, superuser, initial load (${load.rows} rows) | ${Math.round(copyRate)} rows/s | | |`);
    console.log(lines.join('\n'));
    if (foreign) process.exitCode = 1;
  } finally {
    if (!KEEP) {
      await s.query(`DROP INDEX IF EXISTS ${IVF}`);
      await s.query(`DELETE FROM tenants WHERE slug LIKE '${SLUG}%'`);
      // An index full of deleted entries: rebuild it empty, as the migration leaves it.
      if (hnswDef) {
        const present = (await s.query(`SELECT 1 FROM pg_indexes WHERE schemaname = 'public' AND indexname = $1`, [HNSW])).rowCount;
        await s.query(present ? `REINDEX INDEX ${HNSW}` : hnswDef);
      }
      await s.query(`VACUUM ANALYZE embeddings`);
      log('bench rows deleted');
    }
    await ds.destroy();
    await s.end();
  }
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
