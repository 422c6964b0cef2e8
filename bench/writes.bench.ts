/**
 * Chunk write throughput with one writer: the project's write path against
 * LangChain.js `PGVectorStore`, on the same PostgreSQL database and the same rows.
 *
 * - project: `insertChunks(m, doc, chunks, vectors)` (libs/database/embeddings/insert-chunks.ts:
 *   COPY BINARY into the session's staging table, then `INSERT … SELECT` into
 *   embeddings) inside `TenantDb.runFor(tenantId, …)` on the runtime
 *   DataSource (role rag_app, RLS enforced), one transaction per document, as the
 *   worker does; the embeddings table exactly as the migrations make it.
 * - LangChain: `PGVectorStore.addVectors(vectors, documents)` (@langchain/community),
 *   one call per document, on its own table created by `PGVectorStore.initialize`,
 *   connected as the owner role (an ordinary non-superuser role that owns the table;
 *   no RLS). The chunk's page/offset/token fields go into its jsonb metadata.
 *
 * Both sides get the same precomputed vectors (clustered, synthetic) and the same
 * ~500-token texts; vector formatting is inside the timer on both sides (each
 * library formats its own statements). Configurations, in the order they run:
 *
 * 1. no vector index on either table;
 * 4. the same, the current insertChunks against the pre-change write path
 *    (`insertChunksUnnest` below, multi-row INSERT … unnest), both into embeddings;
 * 2. vector index, project layout: the tenant's own partial index (IVFFlat at
 *    this size) built by the worker's `VectorIndexService.maintain` (prepareTenant),
 *    so the measured writes land above its watermark; LangChain with
 *    `createHnswIndex`. Then the rebuild the worker would do for those rows is
 *    timed (`maintain` again);
 * 3. vector index maintained on every insert: a partial HNSW index on the tenant
 *    without a seq bound (the project's m / ef_construction), LangChain with
 *    `createHnswIndex`: what the deferred index saves;
 * 5. the same with a partial IVFFlat index (the project's lists for the
 *    tenant's size): what an index inserted into on every write costs when it
 *    is IVF.
 *
 * Each table holds BENCH_WRITE_BACKGROUND rows (COPY BINARY as superuser) before
 * the measured writes, so index inserts go into a non-trivial index. Each
 * configuration runs BENCH_WRITE_REPEATS rounds, A/B interleaved, the side going
 * first alternating per round; fresh rows every round. The rows a configuration
 * wrote are deleted (and its vector indexes dropped) before the next one, so every
 * configuration starts from the background rows only. The report lists every index
 * present on both tables during the measured writes.
 *
 * Runs in its own database (BENCH_WRITES_DB, default ragdocs_bench_writes), which
 * it drops and re-creates (migrations included) at the start and drops at the end
 * (BENCH_KEEP=1 keeps it). Markdown on stdout, progress on stderr.
 *
 * Knobs: BENCH_WRITE_ROWS (3000 per side per round), BENCH_WRITE_BACKGROUND (20000,
 * at least 100: the tenant needs VECTOR_INDEX_MIN_ROWS rows for its own index),
 * BENCH_WRITE_REPEATS (3), BENCH_WRITE_DOC_CHUNKS (100 chunks per document),
 * BENCH_WRITE_WORDS (words per chunk text, 330 ≈ 500 tokens), BENCH_WRITES_DB, BENCH_KEEP;
 * VECTOR_INDEX_M / VECTOR_INDEX_EF_CONSTRUCTION / VECTOR_INDEX_BUILD_MEMORY_MB as the app reads them.
 */
import 'reflect-metadata';
import { randomUUID } from 'node:crypto';
import { Document } from '@langchain/core/documents';
import { Embeddings } from '@langchain/core/embeddings';
import { PGVectorStore } from '@langchain/community/vectorstores/pgvector';
import pg from 'pg';
import type { DataSource, EntityManager } from 'typeorm';
import type { VectorIndexService } from '../apps/worker/src/vector-index/vector-index.service.js';
import { loadConfig, type AppConfig } from '../libs/config/config.js';
import { createRuntimeDataSource } from '../libs/database/data-source.js';
import type { ChunkRow } from '../libs/database/embeddings/chunk-row.js';
import { insertChunks } from '../libs/database/embeddings/insert-chunks.js';
import { vectorLiteral } from '../libs/database/embeddings/vector-literal.js';
import { TenantDb } from '../libs/database/tenant-db.js';
import { countTokens } from '../libs/ai/tokenizer.js';
import { indexedVector, ivfListsFor, tenantLiteral } from '../libs/retrieval/vector-index.js';
import {
  benchUrls,
  copyBinary,
  releaseDatabase,
  dropIndexes,
  embeddingColumn,
  firstEmbeddingSets,
  vectorIndexService,
  embeddingCopyRow,
  EMBEDDINGS_COPY_COLUMNS,
  freshDatabase,
  intEnv,
  langchainCopyRow,
  logger,
  median,
  num,
  pkgVersion,
  prng,
  topicText,
  vectorIndexes,
  vectorSpace,
  nestLogsToStderr,
} from './support.js';

const ROWS = Math.max(1, intEnv('BENCH_WRITE_ROWS', 3000));
const BACKGROUND = intEnv('BENCH_WRITE_BACKGROUND', 20_000);
const REPEATS = Math.max(1, intEnv('BENCH_WRITE_REPEATS', 3));
const DOC_CHUNKS = Math.max(1, intEnv('BENCH_WRITE_DOC_CHUNKS', 100));
const WORDS = Math.max(1, intEnv('BENCH_WRITE_WORDS', 330));
const DB = process.env.BENCH_WRITES_DB || 'ragdocs_bench_writes';
const LC_TABLE = 'langchain_bench_embeddings';
const LC_INDEX_NAMESPACE = 'langchain_bench';
/** Configurations 3 and 5's index: no name of the worker's form (embeddings_<method>_t_<hex>_<watermark>), so the index builder never touches it. */
const SYNC_INDEX = 'bench_sync_idx';
const MODEL = 'bench-synthetic';
const TOPICS = 40;
/** The smallest VECTOR_INDEX_MIN_ROWS the configuration accepts. */
const MIN_ROWS_FLOOR = 100;

const log = logger('writes');
const rnd = prng(3_000);

if (BACKGROUND < MIN_ROWS_FLOOR) {
  throw new Error(
    `BENCH_WRITE_BACKGROUND must be at least ${MIN_ROWS_FLOOR}: the tenant's own index needs VECTOR_INDEX_MIN_ROWS (≥ ${MIN_ROWS_FLOOR}) rows`,
  );
}

// The index service logs through Nest's Logger (stdout): keep stdout for the Markdown.
nestLogsToStderr(log);

/** LangChain needs an Embeddings object; the vectors here are precomputed, so it is never asked to embed. */
class PrecomputedEmbeddings extends Embeddings {
  constructor() {
    super({});
  }
  async embedDocuments(): Promise<number[][]> {
    throw new Error('writes bench: vectors are precomputed, nothing should be embedded');
  }
  async embedQuery(): Promise<number[]> {
    throw new Error('writes bench: vectors are precomputed, nothing should be embedded');
  }
}

/**
 * Makes tenant `tenantId` ready for writes the way production does: the worker's
 * `VectorIndexService.maintain` builds its own partial HNSW index (`WHERE tenant_id
 * = … AND seq <= watermark`) once it has VECTOR_INDEX_MIN_ROWS chunks. Called in
 * configuration 2, after the background rows are loaded and before any measured
 * write; the bench sets VECTOR_INDEX_MIN_ROWS ≤ BENCH_WRITE_BACKGROUND, so it must build.
 */
async function prepareTenant(ctx: { service: VectorIndexService; tenantId: string }): Promise<number> {
  const start = performance.now();
  const result = await ctx.service.maintain(ctx.tenantId);
  if (result !== 'built')
    throw new Error(`VectorIndexService.maintain: expected 'built' for a tenant with ${num(BACKGROUND)} rows, got '${result}'`);
  return performance.now() - start;
}

/**
 * PRE-CHANGE BASELINE, kept only for measurement (configuration 4): the write
 * path insertChunks had before the COPY staging table (commit 9871b83,
 * libs/database/embeddings/insert-chunks.ts), verbatim except for the vector cast
 * (`u.emb::halfvec`, the column's type now; it was `::vector`). One multi-row
 * `INSERT … SELECT FROM unnest(...)` per 200 rows, vectors sent as text. Not used
 * by the project anywhere.
 */
const UNNEST_INSERT_BATCH = 200;
async function insertChunksUnnest(
  m: EntityManager,
  doc: { tenantId: string; documentId: string; model: string; searchConfig: string },
  chunks: readonly ChunkRow[],
  vectors: readonly ArrayLike<number>[],
): Promise<void> {
  for (let start = 0; start < chunks.length; start += UNNEST_INSERT_BATCH) {
    const part = chunks.slice(start, start + UNNEST_INSERT_BATCH);
    await m.query(
      `INSERT INTO embeddings (tenant_id, id, document_id, chunk_index, content, embedding, page_from, page_to,
                               char_start, char_end, token_count, model, search_config)
       SELECT $1, u.id, $2, u.idx, u.content, u.emb::halfvec, u.pf, u.pt, u.cs, u.ce, u.tc, $3, $4::regconfig
       FROM unnest($5::uuid[], $6::int[], $7::text[], $8::text[], $9::int[], $10::int[], $11::int[], $12::int[], $13::int[])
            AS u(id, idx, content, emb, pf, pt, cs, ce, tc)`,
      [
        doc.tenantId,
        doc.documentId,
        doc.model,
        doc.searchConfig,
        part.map(() => randomUUID()),
        part.map((c) => c.index),
        part.map((c) => c.content.replace(/\u0000/g, '')),
        part.map((c) => vectorLiteral(vectors[c.index]!)),
        part.map((c) => c.pageFrom),
        part.map((c) => c.pageTo),
        part.map((c) => c.charStart),
        part.map((c) => c.charEnd),
        part.map((c) => c.tokenCount),
      ],
    );
  }
}

// ---------------------------------------------------------------- rows
interface Doc {
  id: string;
  topic: number;
  chunks: ChunkRow[];
  vectors: number[][];
}

let charsPerToken = 4;

function makeDocs(space: ReturnType<typeof vectorSpace>, rows: number): Doc[] {
  const docs: Doc[] = [];
  for (let start = 0; start < rows; start += DOC_CHUNKS) {
    const n = Math.min(DOC_CHUNKS, rows - start);
    const topic = rnd.int(TOPICS);
    const chunks: ChunkRow[] = [];
    const vectors: number[][] = [];
    let offset = 0;
    for (let i = 0; i < n; i++) {
      const content = topicText(rnd, topic, WORDS);
      chunks.push({
        index: i,
        content,
        pageFrom: 1 + Math.floor(i / 3),
        pageTo: 1 + Math.floor(i / 3),
        charStart: offset,
        charEnd: offset + content.length,
        tokenCount: Math.round(content.length / charsPerToken),
      });
      offset += content.length - 200; // overlapping chunks, as the chunker makes them
      vectors.push(space.near(topic));
    }
    docs.push({ id: randomUUID(), topic, chunks, vectors });
  }
  return docs;
}

const lcDocuments = (tenantId: string, d: Doc) =>
  d.chunks.map(
    (c) =>
      new Document({
        pageContent: c.content,
        metadata: {
          tenantId,
          documentId: d.id,
          chunkIndex: c.index,
          pageFrom: c.pageFrom,
          pageTo: c.pageTo,
          charStart: c.charStart,
          charEnd: c.charEnd,
          tokenCount: c.tokenCount,
          model: MODEL,
        },
      }),
  );

async function createDocumentRows(s: pg.Client, tenantId: string, docs: readonly Doc[], status: 'ready' | 'processing'): Promise<void> {
  await s.query(
    `INSERT INTO documents (tenant_id, id, filename, mime_type, size_bytes, content_hash, status, progress, page_count, chunk_count)
    SELECT $1, d, 'bench-' || d || '.txt', 'text/plain', 1000 * n, 'bench-' || d, $2, CASE WHEN $2 = 'ready' THEN 100 ELSE 0 END, 1, n
    FROM unnest($3::uuid[], $4::int[]) AS u(d, n)`,
    [tenantId, status, docs.map((d) => d.id), docs.map((d) => d.chunks.length)],
  );
}

// ---------------------------------------------------------------- configurations
type SideName = 'project' | 'langchain' | 'unnest';
interface Side {
  /** The table it writes: sides writing the same table get distinct document ids (unique (tenant, document, chunk)). */
  table: 'embeddings' | typeof LC_TABLE;
  /** Untimed preparation (LangChain Document objects), then the timed write. */
  prepare(docs: readonly Doc[]): () => Promise<void>;
}
interface Config {
  key: string;
  label: string;
  sides: [SideName, SideName];
  /** ms per round and side */
  ms: Partial<Record<SideName, number[]>>;
  projectIndexes: string;
  lcIndexes: string;
}

const rate = (rows: number, ms: number) => rows / (ms / 1000);

// ---------------------------------------------------------------- main
async function main(): Promise<void> {
  const urls = benchUrls(DB);
  const baseEnv = { ...process.env, DATABASE_URL: urls.runtimeUrl, DATABASE_MIGRATION_URL: urls.migrationUrl };
  const appConfig: AppConfig = loadConfig(baseEnv); // thresholds as configured, for the report
  const minRows = Math.max(MIN_ROWS_FLOOR, Math.min(BACKGROUND, appConfig.vectorIndex.minRows));
  // The service as the worker runs it, except that any unindexed row makes a rebuild due (it is measured, not waited for).
  const config: AppConfig = loadConfig({
    ...baseEnv,
    VECTOR_INDEX_MIN_ROWS: String(minRows),
    VECTOR_INDEX_REBUILD_ROWS: '1',
    VECTOR_INDEX_REBUILD_PERCENT: '0',
  });
  const { m: hnswM, efConstruction: hnswEf, buildMemoryMb } = config.vectorIndex;

  log(`database ${DB}: drop, create, migrate`);
  await freshDatabase(urls, log);
  const s = new pg.Client({ connectionString: urls.superUrl, application_name: 'bench-writes-fixtures' });
  await s.connect();
  await s.query(`SET client_min_messages = warning`);
  const ds: DataSource = await createRuntimeDataSource(
    { ...appConfig.database, url: urls.runtimeUrl },
    { poolMax: 2, poolMin: 0 },
  ).initialize();
  // initialize() keeps one client checked out for the store's lifetime and runs every query through pool.query: max 2 = one writer.
  const lcPool = new pg.Pool({ connectionString: urls.migrationUrl, max: 2, application_name: 'bench-writes-langchain' });
  const tenants = new TenantDb(ds);
  const service = vectorIndexService(tenants, config);
  let store: PGVectorStore | undefined;
  try {
    const { dims, type: vectorType } = await embeddingColumn(s);
    const space = vectorSpace(rnd, dims, TOPICS);
    store = await PGVectorStore.initialize(new PrecomputedEmbeddings(), {
      pool: lcPool,
      tableName: LC_TABLE,
      dimensions: dims,
      distanceStrategy: 'cosine',
    });
    const migrationVectorIndexes = await vectorIndexes(s);
    if (migrationVectorIndexes.length)
      throw new Error(
        `the migrations made vector indexes on embeddings (${migrationVectorIndexes.map((i) => i.name).join(', ')}): the bench expects none (per-tenant indexes only)`,
      );

    // Text size: calibrated once on a sample with the project's tokenizer (cl100k_base).
    const sample = Array.from({ length: 40 }, (_, i) => topicText(rnd, i % TOPICS, WORDS));
    const avgTokens = sample.reduce((n, t) => n + countTokens(t), 0) / sample.length;
    charsPerToken = sample.reduce((n, t) => n + t.length, 0) / sample.length / avgTokens;
    log(`chunk text: ${WORDS} words ≈ ${Math.round(avgTokens)} tokens, ${Math.round(avgTokens * charsPerToken)} characters`);

    const tenantId = randomUUID();
    await s.query(`INSERT INTO tenants (id, name, slug) VALUES ($1, 'Bench writes', $2)`, [
      tenantId,
      `bench-writes-${tenantId.slice(0, 8)}`,
    ]);
    await firstEmbeddingSets(s, [tenantId], dims);
    const tenantHex = tenantId.replace(/-/g, '');

    // ---- background rows, the same in both tables
    let background: Doc[] | undefined = makeDocs(space, BACKGROUND); // ~12 kB of vector per row: released after the load
    await createDocumentRows(s, tenantId, background, 'ready');
    const projectMs = await copyBinary(
      s,
      `COPY embeddings (${EMBEDDINGS_COPY_COLUMNS}) FROM STDIN (FORMAT binary)`,
      (function* () {
        for (const d of background)
          for (const c of d.chunks)
            yield embeddingCopyRow(
              {
                tenantId,
                documentId: d.id,
                index: c.index,
                content: c.content,
                vector: d.vectors[c.index]!,
                tokenCount: c.tokenCount,
                model: MODEL,
              },
              vectorType,
            );
      })(),
    );
    const lcMs = await copyBinary(
      s,
      `COPY ${pg.escapeIdentifier(LC_TABLE)} (id, text, metadata, embedding) FROM STDIN (FORMAT binary)`,
      (function* () {
        for (const d of background) {
          const docs = lcDocuments(tenantId, d);
          for (const c of d.chunks) yield langchainCopyRow(c.content, docs[c.index]!.metadata, d.vectors[c.index]!);
        }
      })(),
    );
    log(
      `background: ${num(BACKGROUND)} rows per table (COPY: embeddings ${(projectMs / 1000).toFixed(1)} s, ${LC_TABLE} ${(lcMs / 1000).toFixed(1)} s)`,
    );
    background = undefined;
    await s.query(`VACUUM ANALYZE embeddings, documents, ${pg.escapeIdentifier(LC_TABLE)}`);

    // ---- the sides
    const sides: Record<SideName, Side> = {
      project: {
        table: 'embeddings',
        prepare: (docs) => async () => {
          for (const d of docs) {
            await tenants.runFor(tenantId, (m) =>
              insertChunks(m, { tenantId, documentId: d.id, model: MODEL, searchConfig: 'simple' }, d.chunks, d.vectors),
            );
          }
        },
      },
      unnest: {
        table: 'embeddings',
        prepare: (docs) => async () => {
          for (const d of docs) {
            await tenants.runFor(tenantId, (m) =>
              insertChunksUnnest(m, { tenantId, documentId: d.id, model: MODEL, searchConfig: 'simple' }, d.chunks, d.vectors),
            );
          }
        },
      },
      langchain: {
        table: LC_TABLE,
        prepare: (docs) => {
          const prepared = docs.map((d) => lcDocuments(tenantId, d));
          return async () => {
            for (const [i, d] of docs.entries()) await store!.addVectors(d.vectors, prepared[i]!);
          };
        },
      },
    };

    // ---- index bookkeeping
    const written: string[] = [];
    const allIndexes = async (table: string) => {
      const { rows } = await s.query(
        `SELECT ic.relname AS name, am.amname AS am, pg_get_expr(i.indpred, i.indrelid) AS pred
         FROM pg_index i JOIN pg_class ic ON ic.oid = i.indexrelid JOIN pg_am am ON am.oid = ic.relam
         WHERE (i.indrelid = $1::regclass OR i.indrelid IN (SELECT relid FROM pg_partition_tree($1::regclass))) AND NOT EXISTS (SELECT 1 FROM pg_inherits h WHERE h.inhrelid = i.indexrelid) ORDER BY 1`,
        [table],
      );
      const short = (x: string) => x.replaceAll(tenantHex, '<tenant>').replaceAll(`'${tenantId}'::uuid`, `'<tenant>'`);
      return rows
        .map(
          (r: { name: string; am: string; pred: string | null }) => `${short(r.name)} (${r.am}${r.pred ? `, WHERE ${short(r.pred)}` : ''})`,
        )
        .join(', ');
    };
    const buildLangchainHnsw = async (): Promise<number> => {
      const buildPool = new pg.Pool({ connectionString: urls.migrationUrl, max: 1, options: '-c maintenance_work_mem=1GB' });
      const builder = new PGVectorStore(new PrecomputedEmbeddings(), { pool: buildPool, tableName: LC_TABLE });
      const start = performance.now();
      try {
        await builder.createHnswIndex({ dimensions: dims, namespace: LC_INDEX_NAMESPACE });
      } finally {
        await buildPool.end();
      }
      // createHnswIndex logs and swallows errors: check that the index is there.
      const lcHnsw = (await s.query(`SELECT 1 FROM pg_indexes WHERE tablename = $1 AND indexdef ILIKE '%USING hnsw%'`, [LC_TABLE]))
        .rowCount;
      if (!lcHnsw) throw new Error(`PGVectorStore.createHnswIndex did not create an HNSW index on ${LC_TABLE}`);
      return performance.now() - start;
    };
    /** After a configuration: no vector index anywhere, no registry row, only the background rows. */
    const reset = async () => {
      await dropIndexes(s, await vectorIndexes(s));
      await dropIndexes(s, await vectorIndexes(s, LC_TABLE));
      await s.query(`DELETE FROM vector_indexes WHERE tenant_id = $1`, [tenantId]); // superuser: no RLS
      if (written.length) {
        await s.query(`DELETE FROM documents WHERE tenant_id = $1 AND id = ANY($2::uuid[])`, [tenantId, written]);
        await s.query(`DELETE FROM ${pg.escapeIdentifier(LC_TABLE)} WHERE metadata->>'documentId' = ANY($1::text[])`, [written]);
        written.length = 0;
      }
      await s.query(`VACUUM ANALYZE embeddings, documents, ${pg.escapeIdentifier(LC_TABLE)}`);
    };
    const projectVectorIndexCount = async () => (await vectorIndexes(s)).length;

    // ---- one configuration: warm-up, then REPEATS interleaved rounds
    const configs: Config[] = [];
    const run = async (key: string, label: string, pair: [SideName, SideName], expectProjectVectorIndex: boolean): Promise<Config> => {
      const n = await projectVectorIndexCount();
      if (expectProjectVectorIndex !== n > 0)
        throw new Error(`${key}: embeddings has ${n} vector index(es), expected ${expectProjectVectorIndex ? 'some' : 'none'}`);
      const config: Config = {
        key,
        label,
        sides: pair,
        ms: { [pair[0]]: [], [pair[1]]: [] },
        projectIndexes: await allIndexes('public.embeddings'),
        lcIndexes: await allIndexes(LC_TABLE),
      };
      configs.push(config);
      const sameTable = sides[pair[0]].table === sides[pair[1]].table;
      /** The docs each side writes: the same rows, under distinct document ids when both write the same table. */
      const perSide = async (docs: Doc[], status: 'processing') => {
        const out = pair.map((_, i) => (i > 0 && sameTable ? docs.map((d) => ({ ...d, id: randomUUID() })) : docs));
        for (const [i, set] of out.entries()) {
          if (i > 0 && !sameTable) continue;
          await createDocumentRows(s, tenantId, set, status);
          written.push(...set.map((d) => d.id));
        }
        return out;
      };

      // Warm-up (not measured): connections, plans, JIT of the JavaScript on both sides.
      const warm = await perSide(makeDocs(space, Math.min(DOC_CHUNKS, 20)), 'processing');
      for (const [i, side] of pair.entries()) await sides[side].prepare(warm[i]!)();

      for (let round = 0; round < REPEATS; round++) {
        const docs = await perSide(makeDocs(space, ROWS), 'processing');
        const order = round % 2 === 0 ? [0, 1] : [1, 0];
        for (const i of order) {
          const side = pair[i]!;
          const write = sides[side].prepare(docs[i]!);
          const start = performance.now();
          await write();
          const ms = performance.now() - start;
          config.ms[side]!.push(ms);
          log(`${key}, round ${round + 1}/${REPEATS}, ${side}: ${num(rate(ROWS, ms))} rows/s`);
        }
      }
      return config;
    };

    // 1. no vector index
    const c1 = await run('1', 'no vector index', ['project', 'langchain'], false);
    await reset();

    // 4. current write path vs the pre-change one, no vector index
    const c4 = await run('4', 'no vector index', ['project', 'unnest'], false);
    await reset();

    // 2. vector index, project layout: the tenant's own index from the worker's service; LangChain's HNSW
    const buildMs = await prepareTenant({ service, tenantId });
    const lcBuild2 = await buildLangchainHnsw();
    const built = (
      await s.query(`SELECT index_name, watermark, indexed_rows, method, lists FROM vector_indexes WHERE tenant_id = $1`, [tenantId])
    ).rows[0];
    log(
      `configuration 2: tenant index ${built.index_name} (${num(Number(built.indexed_rows))} rows, watermark ${built.watermark}) built by VectorIndexService.maintain in ${(buildMs / 1000).toFixed(1)} s; LangChain HNSW ${(lcBuild2 / 1000).toFixed(1)} s`,
    );
    const c2 = await run('2', 'vector index, project layout (writes above the watermark)', ['project', 'langchain'], true);
    const above = Number(
      (await s.query(`SELECT count(*) AS n FROM embeddings WHERE tenant_id = $1 AND seq > $2`, [tenantId, built.watermark])).rows[0].n,
    );
    // The rebuild the worker would do for those rows (CREATE INDEX CONCURRENTLY over the whole tenant, then the old index is dropped).
    const rebuildStart = performance.now();
    const rebuildResult = await service.maintain(tenantId);
    const rebuildMs = performance.now() - rebuildStart;
    if (rebuildResult !== 'rebuilt')
      throw new Error(`VectorIndexService.maintain after configuration 2: expected 'rebuilt', got '${rebuildResult}'`);
    const rebuilt = (await s.query(`SELECT index_name, watermark, indexed_rows FROM vector_indexes WHERE tenant_id = $1`, [tenantId]))
      .rows[0];
    const rebuiltRows = Number(rebuilt.indexed_rows);
    log(
      `configuration 2: rebuild ${rebuilt.index_name}: ${num(rebuiltRows)} rows in ${(rebuildMs / 1000).toFixed(1)} s (${above} rows were above the old watermark)`,
    );
    await reset();

    // 3 and 5. vector index maintained on every insert: the tenant's partial index without a seq bound; LangChain's HNSW
    const ivfLists = ivfListsFor(BACKGROUND, appConfig.vectorIndex.ivfListRows);
    const synchronous = async (key: string, label: string, using: string) => {
      const start = performance.now();
      await s.query(`SET maintenance_work_mem = '${buildMemoryMb}MB'`);
      try {
        // The project's index expression (the column has no dimensions of its own since embedding sets) on the tenant's set 1.
        await s.query(
          `CREATE INDEX ${SYNC_INDEX} ON embeddings USING ${using} WHERE tenant_id = ${tenantLiteral(tenantId)} AND set_id = 1`,
        );
      } finally {
        await s.query(`RESET maintenance_work_mem`);
      }
      const buildMs = performance.now() - start;
      const lcBuild = await buildLangchainHnsw();
      log(`configuration ${key}: ${SYNC_INDEX} built in ${(buildMs / 1000).toFixed(1)} s; LangChain HNSW ${(lcBuild / 1000).toFixed(1)} s`);
      const c = await run(key, label, ['project', 'langchain'], true);
      await reset(); // drops SYNC_INDEX and LangChain's HNSW
      return { c, buildMs };
    };
    const { c: c3, buildMs: syncBuildMs } = await synchronous(
      '3',
      `vector index maintained on every insert (synchronous per-tenant HNSW, m ${hnswM}, ef_construction ${hnswEf})`,
      `hnsw (${indexedVector(dims)} halfvec_cosine_ops) WITH (m = ${hnswM}, ef_construction = ${hnswEf})`,
    );
    const { c: c5, buildMs: syncIvfBuildMs } = await synchronous(
      '5',
      `vector index maintained on every insert (synchronous per-tenant IVFFlat, ${ivfLists} lists)`,
      `ivfflat (${indexedVector(dims)} halfvec_cosine_ops) WITH (lists = ${ivfLists})`,
    );

    // ---- report
    const med = (c: Config, side: SideName) => median(c.ms[side]!.map((ms) => rate(ROWS, ms)));
    const each = (c: Config, side: SideName) => c.ms[side]!.map((ms) => num(rate(ROWS, ms))).join(', ');
    const cell = (c: Config, side: SideName) => `${num(med(c, side))} (${each(c, side)})`;
    const projectRows2 = ROWS * REPEATS;
    const projectSec2 = c2.ms.project!.reduce((a, b) => a + b, 0) / 1000;
    const amortised = projectRows2 / (projectSec2 + rebuildMs / 1000);
    const indexed0 = Number(built.indexed_rows);
    const dueAt = Math.max(appConfig.vectorIndex.rebuildRows, Math.ceil((indexed0 * appConfig.vectorIndex.rebuildPercent) / 100));
    const rebuildRate = rate(rebuiltRows, rebuildMs);
    const steadyRate = (rebuildRate * dueAt) / (indexed0 + dueAt);

    const lines: string[] = [];
    lines.push(`### Chunk writes, one writer: project vs LangChain.js PGVectorStore`, '');
    lines.push(
      `${num(ROWS)} rows per side per round in documents of ${DOC_CHUNKS} chunks, ${REPEATS} round${REPEATS === 1 ? '' : 's'} per configuration (every configuration, the synchronous ones included), A/B interleaved (the side going first alternates); ` +
        `${num(BACKGROUND)} background rows of the same tenant already in each table (COPY), and only those: each configuration's rows are deleted before the next; ${dims}-dim synthetic clustered vectors; chunk text ≈ ${num(avgTokens)} tokens (cl100k_base, ${WORDS} words). ` +
        `Rows/s = rows ÷ wall time of the writes, vector formatting included, per round; the figure is the median of the rounds (each round in brackets).`,
      '',
    );
    lines.push(
      `- **project**: \`insertChunks\` (COPY BINARY into the session's temp staging table, then one \`INSERT … SELECT\` into embeddings, checked by RLS) in \`TenantDb.runFor\`, one transaction per document, runtime role \`${urls.runtimeRole}\`, table \`embeddings\` as migrated (\`embedding ${vectorType}(${dims})\` inline, no global vector index).`,
    );
    lines.push(
      `- **LangChain**: \`PGVectorStore.addVectors(vectors, documents)\` (@langchain/community ${pkgVersion('@langchain/community')}, @langchain/core ${pkgVersion('@langchain/core')}), one call per document (autocommit statements of up to 500 rows), role \`${urls.owner}\` owning table \`${LC_TABLE}\` (\`vector(${dims})\`); its vector index by \`createHnswIndex({ dimensions: ${dims} })\` (m 16, ef_construction 64).`,
    );
    lines.push(`- **1. no vector index** on either table.`);
    lines.push(
      `- **2. project layout**: the tenant's own partial ${built.method === 'ivfflat' ? `IVFFlat index (${built.lists} lists` : `HNSW index (m ${hnswM}, ef_construction ${hnswEf}`}, \`WHERE tenant_id = … AND seq <= watermark\`), built before the writes by the worker's \`VectorIndexService.maintain\` over the ${num(Number(built.indexed_rows))} background rows in ${(buildMs / 1000).toFixed(1)} s; the measured rows land above the watermark: no index insert, searched exactly from commit until the next rebuild.`,
    );
    lines.push(
      `- **3. synchronous HNSW**, for comparison: a partial index \`WHERE tenant_id = …\` with no seq bound and the project's m / ef_construction, so every insert goes into the graph (built over the background rows in ${(syncBuildMs / 1000).toFixed(1)} s, dropped afterwards).`,
    );
    lines.push(
      `- **5. synchronous IVFFlat**: the same with IVFFlat of ${ivfLists} lists (the project's for ${num(BACKGROUND)} rows), so every insert goes into its nearest list (built in ${(syncIvfBuildMs / 1000).toFixed(1)} s, dropped afterwards). The lists' centres stay those of the build; the worker's rebuilds (configuration 2) recompute them.`,
    );
    lines.push('');
    lines.push('| configuration | project rows/s | LangChain rows/s | project / LangChain |');
    lines.push('|---|---:|---:|---:|');
    for (const c of [c1, c2, c3, c5])
      lines.push(
        `| ${c.key}. ${c.label} | ${cell(c, 'project')} | ${cell(c, 'langchain')} | ${(med(c, 'project') / med(c, 'langchain')).toFixed(2)} |`,
      );
    lines.push('');
    lines.push(
      `Deferred vs synchronous index, project: ${num(med(c2, 'project'))} vs ${num(med(c3, 'project'))} rows/s with HNSW (×${(med(c2, 'project') / med(c3, 'project')).toFixed(1)}), ${num(med(c5, 'project'))} rows/s with IVFFlat (×${(med(c2, 'project') / med(c5, 'project')).toFixed(1)}).`,
      '',
    );
    lines.push(
      `**The rebuild those rows cost (configuration 2).** The worker's next \`maintain()\` (forced here; at the configured thresholds, VECTOR_INDEX_REBUILD_ROWS ${num(appConfig.vectorIndex.rebuildRows)} and ${appConfig.vectorIndex.rebuildPercent} % of the index, it is due once ${num(dueAt)} rows are above the watermark; ${num(above)} were) ` +
        `rebuilt the tenant's index over **${num(rebuiltRows)} rows in ${(rebuildMs / 1000).toFixed(1)} s** (CREATE INDEX CONCURRENTLY, registry switch, old index dropped). ` +
        `It re-indexes the whole tenant, not only the new rows, and runs in the background: writes and searches go on meanwhile, and the rows were searchable (exactly) from their commit, not from the rebuild. ` +
        `Amortised, charging the whole rebuild to the ${num(projectRows2)} rows the project wrote in the measured rounds of configuration 2: ${num(projectRows2)} ÷ (${projectSec2.toFixed(1)} s of writes + ${(rebuildMs / 1000).toFixed(1)} s of rebuild) = **${num(amortised)} rows/s** ` +
        `(LangChain, index maintained on insert: ${num(med(c2, 'langchain'))} rows/s; ratio ${(amortised / med(c2, 'langchain')).toFixed(2)}).`,
      '',
    );
    lines.push(
      `*Steady growth at the configured thresholds (derived from the figures above, not measured):* this tenant (index of ${num(indexed0)} rows) is rebuilt every ${num(dueAt)} new rows, each rebuild re-indexing ≈ ${num(indexed0 + dueAt)} rows, ` +
        `so ${((indexed0 + dueAt) / dueAt).toFixed(1)} rows are re-indexed per row written; at this rebuild's ${num(rebuildRate)} rows/s the background rebuilds keep pace with ≈ ${num(steadyRate)} written rows/s ` +
        `(the synchronous indexes, on the write path: HNSW ${num(med(c3, 'project'))}, IVFFlat ${num(med(c5, 'project'))} rows/s).`,
      '',
    );
    lines.push(`#### COPY staging vs INSERT … unnest (project, no vector index)`, '');
    lines.push(
      `The current \`insertChunks\` against the pre-change write path (commit 9871b83: multi-row \`INSERT … SELECT FROM unnest(…)\` per 200 rows, vectors as text, cast to halfvec; kept in the bench only for this), both into \`embeddings\` under RLS, same rows, interleaved as above.`,
      '',
    );
    lines.push('| configuration | COPY staging rows/s | INSERT … unnest rows/s | COPY / unnest |');
    lines.push('|---|---:|---:|---:|');
    lines.push(`| ${c4.label} | ${cell(c4, 'project')} | ${cell(c4, 'unnest')} | ${(med(c4, 'project') / med(c4, 'unnest')).toFixed(2)} |`);
    lines.push('');
    lines.push(`Indexes present during the measured writes (\`<tenant>\` = the bench tenant's id):`, '');
    for (const c of [c1, c2, c3, c5, c4]) {
      const lc = c.sides.includes('langchain') ? `; LangChain \`${LC_TABLE}\`: ${c.lcIndexes || 'none'}` : '';
      lines.push(`- ${c.key}${c.key === '4' ? ' (COPY vs unnest)' : ''}: \`embeddings\`: ${c.projectIndexes || 'none'}${lc}`);
    }
    console.log(lines.join('\n'));
  } finally {
    await service.onApplicationShutdown().catch(() => undefined);
    await store?.end().catch(() => undefined);
    if (!store) await lcPool.end().catch(() => undefined);
    await ds.destroy().catch(() => undefined);
    await s.end().catch(() => undefined);
    await releaseDatabase(urls, log);
  }
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
