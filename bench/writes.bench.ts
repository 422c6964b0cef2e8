/**
 * Chunk write throughput with one writer: the project's write path against
 * LangChain.js `PGVectorStore`, on the same PostgreSQL database and the same rows.
 *
 * - project: `insertChunks(m, doc, chunks, vectors)` (libs/database/embeddings/insert-chunks.ts)
 *   inside `inTenantTransactionFor(ds, tenantId, …)` on the runtime DataSource
 *   (role rag_app, RLS enforced), one transaction per document, as the worker does;
 *   the embeddings table and its indexes exactly as the migrations make them.
 * - LangChain: `PGVectorStore.addVectors(vectors, documents)` (@langchain/community),
 *   one call per document, on its own table created by `PGVectorStore.initialize`,
 *   connected as the owner role (an ordinary non-superuser role that owns the table;
 *   no RLS). The chunk's page/offset/token fields go into its jsonb metadata.
 *
 * Both sides get the same precomputed 1536-dim vectors (clustered, synthetic) and
 * the same ~500-token texts; vector formatting is inside the timer on both sides
 * (each library formats its own statements). Configurations: with no vector index,
 * then with a vector index (project: the vector indexes the migrations create plus
 * whatever prepareTenant() builds for the tenant; LangChain: `createHnswIndex`); the
 * report lists every index present on both tables during the measured writes. Each table holds BENCH_WRITE_BACKGROUND rows
 * (COPY BINARY as superuser) before the measured writes, so index inserts go into a
 * non-trivial index. Each configuration runs BENCH_WRITE_REPEATS rounds, A/B
 * interleaved, the side going first alternating per round; fresh rows every round.
 *
 * Runs in its own database (BENCH_WRITES_DB, default ragdocs_bench_writes), which
 * it drops and re-creates (migrations included) at the start and drops at the end
 * (BENCH_KEEP=1 keeps it). Markdown on stdout, progress on stderr.
 *
 * Knobs: BENCH_WRITE_ROWS (3000 per side per round), BENCH_WRITE_BACKGROUND (20000),
 * BENCH_WRITE_REPEATS (3), BENCH_WRITE_DOC_CHUNKS (100 chunks per document),
 * BENCH_WRITE_WORDS (words per chunk text, 330 ≈ 500 tokens), BENCH_WRITES_DB, BENCH_KEEP.
 */
import 'reflect-metadata';
import { randomUUID } from 'node:crypto';
import { Document } from '@langchain/core/documents';
import { Embeddings } from '@langchain/core/embeddings';
import { PGVectorStore } from '@langchain/community/vectorstores/pgvector';
import pg from 'pg';
import type { DataSource } from 'typeorm';
import { loadConfig } from '../libs/config/config.js';
import { createRuntimeDataSource } from '../libs/database/data-source.js';
import { insertChunks, type ChunkRow } from '../libs/database/embeddings/insert-chunks.js';
import { inTenantTransactionFor } from '../libs/database/tenant-transaction.js';
import { countTokens } from '../libs/ingestion/tokenizer.js';
import {
  benchUrls, copyBinary, createIndexes, dropDatabase, dropIndexes, embeddingColumn, embeddingCopyRow, EMBEDDINGS_COPY_COLUMNS,
  freshDatabase, intEnv, langchainCopyRow, logger, median, num, pkgVersion, prng, topicText, vectorIndexes, vectorSpace,
} from './support.js';

const ROWS = Math.max(1, intEnv('BENCH_WRITE_ROWS', 3000));
const BACKGROUND = intEnv('BENCH_WRITE_BACKGROUND', 20_000);
const REPEATS = Math.max(1, intEnv('BENCH_WRITE_REPEATS', 3));
const DOC_CHUNKS = Math.max(1, intEnv('BENCH_WRITE_DOC_CHUNKS', 100));
const WORDS = Math.max(1, intEnv('BENCH_WRITE_WORDS', 330));
const DB = process.env.BENCH_WRITES_DB || 'ragdocs_bench_writes';
const KEEP = process.env.BENCH_KEEP === '1';
const LC_TABLE = 'langchain_bench_embeddings';
const LC_INDEX_NAMESPACE = 'langchain_bench';
const MODEL = 'bench-synthetic';
const TOPICS = 40;

const log = logger('writes');
const rnd = prng(3_000);

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
 * HOOK — no-op for now. Make tenant `tenantId` ready for writes the way production
 * would, e.g. build its dedicated vector index, once the project exposes a function
 * for that (wire it in here). Called once per configuration, after the background rows
 * are loaded and the migrations' vector indexes were dropped (`vectorIndex: false`) or
 * re-created (`vectorIndex: true`), before any measured write. Everything it builds
 * must be a vector index on embeddings or its partitions, so that the next
 * "no vector index" configuration (which drops every such index) starts clean.
 */
async function prepareTenant(_ctx: { superuser: pg.Client; ds: DataSource; tenantId: string; vectorIndex: boolean }): Promise<void> {
  // intentionally empty
}

// ---------------------------------------------------------------- rows
interface Doc { id: string; topic: number; chunks: ChunkRow[]; vectors: number[][] }

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
      chunks.push({ index: i, content, pageFrom: 1 + Math.floor(i / 3), pageTo: 1 + Math.floor(i / 3), charStart: offset, charEnd: offset + content.length, tokenCount: Math.round(content.length / charsPerToken) });
      offset += content.length - 200; // overlapping chunks, as the chunker makes them
      vectors.push(space.near(topic));
    }
    docs.push({ id: randomUUID(), topic, chunks, vectors });
  }
  return docs;
}

const lcDocuments = (tenantId: string, d: Doc) =>
  d.chunks.map((c) => new Document({
    pageContent: c.content,
    metadata: { tenantId, documentId: d.id, chunkIndex: c.index, pageFrom: c.pageFrom, pageTo: c.pageTo, charStart: c.charStart, charEnd: c.charEnd, tokenCount: c.tokenCount, model: MODEL },
  }));

async function createDocumentRows(s: pg.Client, tenantId: string, docs: readonly Doc[], status: 'ready' | 'processing'): Promise<void> {
  await s.query(`INSERT INTO documents (tenant_id, id, filename, mime_type, size_bytes, content_hash, status, progress, page_count, chunk_count)
    SELECT $1, d, 'bench-' || d || '.txt', 'text/plain', 1000 * n, 'bench-' || d, $2, CASE WHEN $2 = 'ready' THEN 100 ELSE 0 END, 1, n
    FROM unnest($3::uuid[], $4::int[]) AS u(d, n)`,
  [tenantId, status, docs.map((d) => d.id), docs.map((d) => d.chunks.length)]);
}

// ---------------------------------------------------------------- main
async function main(): Promise<void> {
  const urls = benchUrls(DB);
  log(`database ${DB}: drop, create, migrate`);
  await freshDatabase(urls, log);
  const s = new pg.Client({ connectionString: urls.superUrl, application_name: 'bench-writes-fixtures' });
  await s.connect();
  await s.query(`SET client_min_messages = warning`);
  const ds = await createRuntimeDataSource({ ...loadConfig().database, url: urls.runtimeUrl }, { poolMax: 2, poolMin: 0 }).initialize();
  // initialize() keeps one client checked out for the store's lifetime and runs every query through pool.query: max 2 = one writer.
  const lcPool = new pg.Pool({ connectionString: urls.migrationUrl, max: 2, application_name: 'bench-writes-langchain' });
  let store: PGVectorStore | undefined;
  try {
    const { dims, type: vectorType } = await embeddingColumn(s);
    const space = vectorSpace(rnd, dims, TOPICS);
    store = await PGVectorStore.initialize(new PrecomputedEmbeddings(), { pool: lcPool, tableName: LC_TABLE, dimensions: dims, distanceStrategy: 'cosine' });
    const migrationVectorIndexes = await vectorIndexes(s);
    log(`vector indexes from the migrations: ${migrationVectorIndexes.map((i) => `${i.name} (${i.am})`).join(', ') || 'none'}`);

    // Text size: calibrated once on a sample with the project's tokenizer (cl100k_base).
    const sample = Array.from({ length: 40 }, (_, i) => topicText(rnd, i % TOPICS, WORDS));
    const avgTokens = sample.reduce((n, t) => n + countTokens(t), 0) / sample.length;
    charsPerToken = sample.reduce((n, t) => n + t.length, 0) / sample.length / avgTokens;
    log(`chunk text: ${WORDS} words ≈ ${Math.round(avgTokens)} tokens, ${Math.round(avgTokens * charsPerToken)} characters`);

    const tenantId = randomUUID();
    await s.query(`INSERT INTO tenants (id, name, slug) VALUES ($1, 'Bench writes', $2)`, [tenantId, `bench-writes-${tenantId.slice(0, 8)}`]);

    // ---- background rows, the same in both tables, loaded without vector indexes
    await dropIndexes(s, await vectorIndexes(s));
    let background: Doc[] | undefined = makeDocs(space, BACKGROUND); // ~12 kB of vector per row: released after the load
    await createDocumentRows(s, tenantId, background, 'ready');
    if (BACKGROUND > 0) {
      const projectMs = await copyBinary(s, `COPY embeddings (${EMBEDDINGS_COPY_COLUMNS}) FROM STDIN (FORMAT binary)`,
        (function* () {
          for (const d of background!) for (const c of d.chunks) yield embeddingCopyRow({ tenantId, documentId: d.id, index: c.index, content: c.content, vector: d.vectors[c.index]!, tokenCount: c.tokenCount, model: MODEL }, vectorType);
        })());
      const lcMs = await copyBinary(s, `COPY ${pg.escapeIdentifier(LC_TABLE)} (id, text, metadata, embedding) FROM STDIN (FORMAT binary)`,
        (function* () {
          for (const d of background!) {
            const docs = lcDocuments(tenantId, d);
            for (const c of d.chunks) yield langchainCopyRow(c.content, docs[c.index]!.metadata, d.vectors[c.index]!);
          }
        })());
      log(`background: ${num(BACKGROUND)} rows per table (COPY: embeddings ${(projectMs / 1000).toFixed(1)} s, ${LC_TABLE} ${(lcMs / 1000).toFixed(1)} s)`);
    }
    background = undefined;
    await s.query(`VACUUM ANALYZE embeddings, documents, ${pg.escapeIdentifier(LC_TABLE)}`);

    // ---- the two sides
    const project = async (docs: readonly Doc[]) => {
      for (const d of docs) {
        await inTenantTransactionFor(ds, tenantId, (m) =>
          insertChunks(m, { tenantId, documentId: d.id, model: MODEL, searchConfig: 'simple' }, d.chunks, d.vectors));
      }
    };
    const langchain = async (docs: readonly Doc[], prepared: Document[][]) => {
      for (const [i, d] of docs.entries()) await store!.addVectors(d.vectors, prepared[i]!);
    };
    const written: string[] = [];
    const deleteWritten = async () => {
      await s.query(`DELETE FROM documents WHERE tenant_id = $1 AND id = ANY($2::uuid[])`, [tenantId, written]);
      await s.query(`DELETE FROM ${pg.escapeIdentifier(LC_TABLE)} WHERE metadata->>'documentId' = ANY($1::text[])`, [written]);
      written.length = 0;
      await s.query(`VACUUM ANALYZE embeddings, documents, ${pg.escapeIdentifier(LC_TABLE)}`);
    };

    type Side = 'project' | 'langchain';
    interface Config { key: string; label: string; vectorIndex: boolean; projectIndexes: string; projectHasVectorIndex: boolean; lcIndexes: string; runs: Record<Side, number[]> }
    const configs: Config[] = [];
    const allIndexes = async (table: string) => {
      const { rows } = await s.query(
        `SELECT ic.relname AS name, am.amname AS am FROM pg_index i JOIN pg_class ic ON ic.oid = i.indexrelid JOIN pg_am am ON am.oid = ic.relam
         WHERE (i.indrelid = $1::regclass OR i.indrelid IN (SELECT relid FROM pg_partition_tree($1::regclass))) AND NOT EXISTS (SELECT 1 FROM pg_inherits h WHERE h.inhrelid = i.indexrelid) ORDER BY 1`, [table]);
      return rows.map((r: { name: string; am: string }) => `${r.name} (${r.am})`).join(', ');
    };

    for (const vectorIndex of [false, true]) {
      const key = vectorIndex ? 'with vector index' : 'no vector index';
      if (vectorIndex) {
        const projectBuild = await createIndexes(s, migrationVectorIndexes);
        const buildPool = new pg.Pool({ connectionString: urls.migrationUrl, max: 1, options: '-c maintenance_work_mem=1GB' });
        const builder = new PGVectorStore(new PrecomputedEmbeddings(), { pool: buildPool, tableName: LC_TABLE });
        const start = Date.now();
        try {
          await builder.createHnswIndex({ dimensions: dims, namespace: LC_INDEX_NAMESPACE });
        } finally {
          await buildPool.end();
        }
        // createHnswIndex logs and swallows errors: check that the index is there.
        const lcHnsw = (await s.query(`SELECT 1 FROM pg_indexes WHERE tablename = $1 AND indexdef ILIKE '%USING hnsw%'`, [LC_TABLE])).rowCount;
        if (!lcHnsw) throw new Error(`PGVectorStore.createHnswIndex did not create an HNSW index on ${LC_TABLE}`);
        log(`vector indexes built over the background rows: project ${(projectBuild / 1000).toFixed(1)} s, LangChain ${((Date.now() - start) / 1000).toFixed(1)} s`);
      } else {
        await dropIndexes(s, await vectorIndexes(s));
        await dropIndexes(s, await vectorIndexes(s, LC_TABLE));
      }
      await prepareTenant({ superuser: s, ds, tenantId, vectorIndex });
      const config: Config = {
        key, label: key, vectorIndex, projectIndexes: await allIndexes('public.embeddings'), projectHasVectorIndex: (await vectorIndexes(s)).length > 0,
        lcIndexes: await allIndexes(LC_TABLE), runs: { project: [], langchain: [] },
      };
      configs.push(config);

      // Warm-up (not measured): connections, plans, JIT of the JavaScript on both sides.
      const warm = makeDocs(space, Math.min(DOC_CHUNKS, 20));
      await createDocumentRows(s, tenantId, warm, 'processing');
      written.push(...warm.map((d) => d.id));
      await project(warm);
      await store.addVectors(warm[0]!.vectors, lcDocuments(tenantId, warm[0]!));

      for (let round = 0; round < REPEATS; round++) {
        const docs = makeDocs(space, ROWS);
        await createDocumentRows(s, tenantId, docs, 'processing');
        written.push(...docs.map((d) => d.id));
        const prepared = docs.map((d) => lcDocuments(tenantId, d));
        const order: Side[] = round % 2 === 0 ? ['project', 'langchain'] : ['langchain', 'project'];
        for (const side of order) {
          const start = performance.now();
          if (side === 'project') await project(docs);
          else await langchain(docs, prepared);
          const rate = ROWS / ((performance.now() - start) / 1000);
          config.runs[side].push(rate);
          log(`${key}, round ${round + 1}/${REPEATS}, ${side}: ${num(rate)} rows/s`);
        }
      }
      if (!vectorIndex) await deleteWritten();
    }

    // ---- report
    const lines: string[] = [];
    lines.push(`### Chunk writes, one writer: project vs LangChain.js PGVectorStore`, '');
    lines.push(`${num(ROWS)} rows per side per round in documents of ${DOC_CHUNKS} chunks, ${REPEATS} rounds per configuration, A/B interleaved (the side going first alternates); ` +
      `${num(BACKGROUND)} background rows already in each table (COPY); ${dims}-dim synthetic clustered vectors; chunk text ≈ ${num(avgTokens)} tokens (cl100k_base, ${WORDS} words). ` +
      `Rows/s = rows ÷ wall time of the writes, vector formatting included, per round; the figure is the median of the rounds (each round in brackets).`, '');
    lines.push(`- **project**: \`insertChunks\` in \`inTenantTransactionFor\` (one transaction per document, batches of the function's own size), runtime role \`${urls.runtimeRole}\` with RLS, table \`embeddings\` as migrated (\`embedding ${vectorType}(${dims})\`).`);
    lines.push(`- **LangChain**: \`PGVectorStore.addVectors(vectors, documents)\` (@langchain/community ${pkgVersion('@langchain/community')}, @langchain/core ${pkgVersion('@langchain/core')}), one call per document (autocommit statements of up to 500 rows), role \`${urls.owner}\` owning table \`${LC_TABLE}\`; vector index by \`createHnswIndex({ dimensions: ${dims} })\` (m 16, ef_construction 64).`);
    lines.push('');
    lines.push('| configuration | project rows/s | LangChain rows/s | project / LangChain |');
    lines.push('|---|---:|---:|---:|');
    for (const c of configs) {
      const p = median(c.runs.project);
      const l = median(c.runs.langchain);
      const each = (xs: number[]) => xs.map((x) => num(x)).join(', ');
      lines.push(`| ${c.label} | ${num(p)} (${each(c.runs.project)}) | ${num(l)} (${each(c.runs.langchain)}) | ${(p / l).toFixed(2)} |`);
    }
    lines.push('');
    lines.push('Indexes present during the measured writes:', '');
    for (const c of configs) {
      lines.push(`- ${c.label}: project \`embeddings\`: ${c.projectIndexes || 'none'}; LangChain \`${LC_TABLE}\`: ${c.lcIndexes || 'none'}`);
    }
    if (configs.some((c) => c.vectorIndex && !c.projectHasVectorIndex)) {
      lines.push('', `Note: in "with vector index" the project's \`embeddings\` had no vector index (the migrations create none and the bench's prepareTenant() built none), so its writes there made no graph inserts.`);
    }
    console.log(lines.join('\n'));
  } finally {
    await store?.end().catch(() => undefined);
    if (!store) await lcPool.end().catch(() => undefined);
    await ds.destroy().catch(() => undefined);
    await s.end().catch(() => undefined);
    if (!KEEP) {
      await dropDatabase(urls).catch((e) => log(`could not drop ${DB}: ${e}`));
      log(`database ${DB} dropped`);
    } else {
      log(`database ${DB} kept (BENCH_KEEP=1)`);
    }
  }
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
