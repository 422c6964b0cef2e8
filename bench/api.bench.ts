/**
 * API load bench: the compiled API (`node dist/apps/api/src/main.js`) under
 * autocannon, POST /api/v1/search in vector and hybrid mode at 10 and 50
 * connections; then, optionally, end-to-end ingestion through one worker.
 *
 * - Own database (BENCH_API_DB, default ragdocs_bench_api): dropped, re-created
 *   and migrated at the start, dropped at the end (BENCH_KEEP=1 keeps it).
 * - A tenant, its admin user and an API key made through the admin API, as the
 *   tests do (test/support/api.ts).
 * - BENCH_API_CHUNKS chunks of ~500-token synthetic text seeded into that tenant
 *   with COPY BINARY as superuser (vector indexes dropped for the load and
 *   re-created after it); their vectors come from the project's LocalEmbedder,
 *   which the API also uses here (EMBEDDING_PROVIDER=local), so queries about a
 *   topic find that topic's chunks. Then the tenant's own vector index is built by
 *   the worker's VectorIndexService.maintain, as production's worker builds it
 *   (when BENCH_API_CHUNKS ≥ VECTOR_INDEX_MIN_ROWS), timed, before any request.
 * - Each run: BENCH_API_SECONDS of load with a rotating set of questions, topK 5.
 *   Latency percentiles are taken over every response (nearest rank); req/s =
 *   responses ÷ run time. autocannon runs in this process, on the same machine
 *   as the API and PostgreSQL.
 * - Ingestion (BENCH_API_INGEST_DOCS, default 50; 0 skips it): one worker
 *   process, that many small text documents uploaded one after another; the time
 *   from the first upload until every document is ready.
 *
 * Knobs: BENCH_API_CHUNKS (20000), BENCH_API_SECONDS (15), BENCH_API_CONNECTIONS
 * (10,50), BENCH_API_MODES (vector,hybrid), BENCH_API_INGEST_DOCS (50),
 * BENCH_API_INGEST_WORDS (1200 words per document), BENCH_API_DB, BENCH_API_PORT
 * (default: a free port), BENCH_API_LOG_LEVEL (warn), BENCH_KEEP.
 */
import 'reflect-metadata';
import { randomUUID } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import autocannon from 'autocannon';
import pg from 'pg';
import type { MaintainResult } from '../apps/worker/src/vector-index/vector-index.service.js';
import { LocalEmbedder } from '../libs/ai/embedding/local.embedder.js';
import { loadConfig, type AppConfig } from '../libs/config/config.js';
import { createRuntimeDataSource } from '../libs/database/data-source.js';
import { TenantDb } from '../libs/database/tenant-db.js';
import { SearchRepository } from '../libs/retrieval/search.repository.js';
import { countTokens } from '../libs/ai/tokenizer.js';
import {
  benchUrls,
  copyBinary,
  createIndexes,
  releaseDatabase,
  dropIndexes,
  embeddingColumn,
  embeddingCopyRow,
  EMBEDDINGS_COPY_COLUMNS,
  App,
  cleanRedis,
  freePort,
  freshDatabase,
  intEnv,
  listEnv,
  logger,
  num,
  pct,
  pkgVersion,
  prng,
  topicQuery,
  topicText,
  vectorIndexes,
  vectorIndexService,
  nestLogsToStderr,
} from './support.js';

const CHUNKS = intEnv('BENCH_API_CHUNKS', 20_000);
const SECONDS = Math.max(1, intEnv('BENCH_API_SECONDS', 15));
const CONNECTIONS = listEnv('BENCH_API_CONNECTIONS', [10, 50]);
const MODES = (process.env.BENCH_API_MODES || 'vector,hybrid')
  .split(',')
  .map((m) => m.trim())
  .filter(Boolean);
const INGEST_DOCS = intEnv('BENCH_API_INGEST_DOCS', 50);
const INGEST_WORDS = Math.max(1, intEnv('BENCH_API_INGEST_WORDS', 1200));
const DB = process.env.BENCH_API_DB || 'ragdocs_bench_api';
const CHUNK_WORDS = 330; // ≈ 500 tokens (cl100k_base), as the chunker's default target
const DOC_CHUNKS = 100;
const TOPICS = 40;
const QUERIES = 200;
const TOP_K = 5;

const log = logger('api');
const rnd = prng(20_000);
const API_MAIN = fileURLToPath(new URL('../apps/api/src/main.js', import.meta.url));
const WORKER_MAIN = fileURLToPath(new URL('../apps/worker/src/main.js', import.meta.url));

for (const m of MODES) if (!['vector', 'hybrid', 'keyword'].includes(m)) throw new Error(`BENCH_API_MODES: unknown mode "${m}"`);

// The index service logs through Nest's Logger (stdout): keep stdout for the Markdown.
nestLogsToStderr(log);

/**
 * Makes the seeded tenant ready for search the way production does: the
 * worker's `VectorIndexService.maintain` builds the tenant's own partial vector
 * index (IVFFlat at this size) once it has VECTOR_INDEX_MIN_ROWS chunks (the worker would do it in
 * the background after ingestion; here it is done, and timed, before any
 * request). Called after the seed rows are loaded and analysed. A tenant
 * below VECTOR_INDEX_MIN_ROWS gets no index (searched exactly), as in production.
 */
async function prepareTenant(ctx: {
  superuser: pg.Client;
  config: AppConfig;
  tenantId: string;
  chunks: number;
}): Promise<{ result: MaintainResult; ms: number; indexedRows: number; method: string; lists: number | null }> {
  const ds = await createRuntimeDataSource(ctx.config.database, { poolMax: 2, poolMin: 0 }).initialize();
  const service = vectorIndexService(new TenantDb(ds), ctx.config);
  try {
    const start = performance.now();
    const result = await service.maintain(ctx.tenantId);
    const ms = performance.now() - start;
    const expected: MaintainResult = ctx.chunks >= ctx.config.vectorIndex.minRows ? 'built' : 'small';
    if (result !== expected)
      throw new Error(
        `VectorIndexService.maintain for ${ctx.chunks} chunks (VECTOR_INDEX_MIN_ROWS ${ctx.config.vectorIndex.minRows}): expected '${expected}', got '${result}'`,
      );
    const row = (await ctx.superuser.query(`SELECT indexed_rows, method, lists FROM vector_indexes WHERE tenant_id = $1`, [ctx.tenantId]))
      .rows[0];
    return { result, ms, indexedRows: row ? Number(row.indexed_rows) : 0, method: row?.method ?? 'none', lists: row?.lists ?? null };
  } finally {
    await service.onApplicationShutdown();
    await ds.destroy();
  }
}

/**
 * How many of the load's questions read the focused share of the IVF lists (libs/retrieval/vector-index.ts, focused
 * probes): each searched once through SearchRepository, embedded as the API embeds it. HTTP cannot tell.
 */
async function focusedQuestions(config: AppConfig, tenantId: string, queries: string[], embedder: LocalEmbedder): Promise<number> {
  const ds = await createRuntimeDataSource(config.database, { poolMax: 1, poolMin: 0 }).initialize();
  try {
    const repo = new SearchRepository(config.vectorIndex);
    const vectors = await embedder.embed(queries);
    let focused = 0;
    for (const [i, query] of queries.entries()) {
      await new TenantDb(ds).runFor(tenantId, (m) => repo.search(m, { tenantId, vector: vectors[i]!, query, topK: TOP_K, mode: 'vector' }));
      if (repo.lastIvfProbePercent === config.vectorIndex.ivfFocusedProbePercent) focused++;
    }
    return focused;
  } finally {
    await ds.destroy();
  }
}

// ---------------------------------------------------------------- load
interface LoadResult {
  mode: string;
  connections: number;
  seconds: number;
  responses: number;
  rps: number;
  p50: number;
  p95: number;
  p99: number;
  non2xx: number;
  errors: number;
  timeouts: number;
}

function load(base: string, key: string, mode: string, connections: number, seconds: number, queries: string[]): Promise<LoadResult> {
  let next = rnd.int(queries.length);
  const latencies: number[] = [];
  return new Promise((resolve, reject) => {
    const instance = autocannon(
      {
        url: `${base}/api/v1/search`,
        connections,
        duration: seconds,
        timeout: 30,
        headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
        requests: [
          {
            method: 'POST',
            setupRequest: (req) => ({ ...req, body: JSON.stringify({ query: queries[next++ % queries.length], topK: TOP_K, mode }) }),
          },
        ],
      },
      (err, r) => {
        if (err) return reject(err as Error);
        resolve({
          mode,
          connections,
          seconds: r.duration,
          responses: latencies.length,
          rps: latencies.length / r.duration,
          p50: pct(latencies, 50),
          p95: pct(latencies, 95),
          p99: pct(latencies, 99),
          non2xx: r.non2xx,
          errors: r.errors,
          timeouts: r.timeouts,
        });
      },
    );
    instance.on('response', (_client: unknown, _status: number, _bytes: number, ms: number) => {
      latencies.push(ms);
    });
  });
}

// ---------------------------------------------------------------- main
async function main(): Promise<void> {
  const urls = benchUrls(DB);
  log(`database ${DB}: drop, create, migrate`);
  await freshDatabase(urls, log);
  const s = new pg.Client({ connectionString: urls.superUrl, application_name: 'bench-api-fixtures' });
  await s.connect();
  await s.query(`SET client_min_messages = warning`);
  const port = process.env.BENCH_API_PORT ? Number(process.env.BENCH_API_PORT) : await freePort();
  const base = `http://127.0.0.1:${port}`;
  const queuePrefix = `bench-api-${process.pid}`;
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    DATABASE_URL: urls.runtimeUrl,
    DATABASE_MIGRATION_URL: urls.migrationUrl,
    PORT: String(port),
    LOG_LEVEL: process.env.BENCH_API_LOG_LEVEL || 'warn',
    QUEUE_PREFIX: queuePrefix,
    EMBEDDING_PROVIDER: 'local',
    CHAT_PROVIDER: 'local',
    EMBEDDING_MODEL: '',
    CHAT_MODEL: '',
    // Throughput of one tenant is measured here, not its budget (bench/abuse.bench.ts measures that).
    RATE_LIMIT_SEARCH_PER_MINUTE: '0',
    RATE_LIMIT_UPLOAD_PER_MINUTE: '0',
  };
  const apps: App[] = [];
  try {
    const appConfig = loadConfig(env); // what the API and the worker will run with (pool, worker concurrency)
    const { dims, type: vectorType } = await embeddingColumn(s);
    const embedder = new LocalEmbedder(dims);

    log(`starting the API on ${base}`);
    const api = App.start('API', API_MAIN, env);
    apps.push(api);
    await api.waitFor('/health/ready', async () => (await fetch(`${base}/health/ready`).catch(() => undefined))?.ok ?? false);

    // ---- tenant, admin user and API key through the admin API (as test/support/api.ts)
    const adminKey = process.env.ADMIN_API_KEY;
    if (!adminKey) throw new Error('ADMIN_API_KEY is not set (npm run bench sets it through scripts/env-defaults.sh)');
    const call = async (method: string, path: string, token: string, json?: unknown) => {
      const res = await fetch(base + path, {
        method,
        headers: { authorization: `Bearer ${token}`, ...(json ? { 'content-type': 'application/json' } : {}) },
        body: json ? JSON.stringify(json) : undefined,
      });
      const text = await res.text();
      if (!res.ok) throw new Error(`${method} ${path}: ${res.status} ${text}`);
      return JSON.parse(text);
    };
    const slug = `bench-api-${randomUUID().slice(0, 8)}`;
    const tenant = await call('POST', '/api/v1/admin/tenants', adminKey, { name: `Bench ${slug}`, slug });
    const user = await call('POST', `/api/v1/admin/tenants/${tenant.id}/users`, adminKey, {
      email: `admin@${slug}.test`,
      role: 'admin',
      password: `pw-${randomUUID()}`,
    });
    const { key } = await call('POST', `/api/v1/admin/tenants/${tenant.id}/api-keys`, adminKey, { userId: user.id, name: 'bench' });
    const tenantId: string = tenant.id;
    log(`tenant ${slug} (${tenantId}) with an API key`);

    // ---- seed: COPY BINARY as superuser, vectors from the LocalEmbedder
    const migrationVectorIndexes = await vectorIndexes(s);
    await dropIndexes(s, migrationVectorIndexes);
    const docs = Array.from({ length: Math.ceil(CHUNKS / DOC_CHUNKS) }, (_, d) => ({
      id: randomUUID(),
      topic: d % TOPICS,
      chunks: Math.min(DOC_CHUNKS, CHUNKS - d * DOC_CHUNKS),
    }));
    await s.query(
      `INSERT INTO documents (tenant_id, id, filename, mime_type, size_bytes, content_hash, status, progress, page_count, chunk_count, search_config)
      SELECT $1, d, 'bench-' || d || '.txt', 'text/plain', 1000 * n, 'bench-' || d, 'ready', 100, 1, n, 'english' FROM unnest($2::uuid[], $3::int[]) AS u(d, n)`,
      [tenantId, docs.map((d) => d.id), docs.map((d) => d.chunks)],
    );
    let tokenSum = 0;
    let tokenSamples = 0;
    const embedStart = Date.now();
    const rows: Buffer[] = [];
    for (const d of docs) {
      const texts = Array.from({ length: d.chunks }, () => topicText(rnd, d.topic, CHUNK_WORDS));
      if (tokenSamples < 50) {
        tokenSum += countTokens(texts[0]!);
        tokenSamples++;
      }
      const vectors = await embedder.embed(texts);
      texts.forEach((content, i) =>
        rows.push(
          embeddingCopyRow(
            { tenantId, documentId: d.id, index: i, content, vector: vectors[i]!, tokenCount: 500, model: embedder.model },
            vectorType,
          ),
        ),
      );
    }
    const embedMs = Date.now() - embedStart;
    const copyMs = CHUNKS > 0 ? await copyBinary(s, `COPY embeddings (${EMBEDDINGS_COPY_COLUMNS}) FROM STDIN (FORMAT binary)`, rows) : 0;
    rows.length = 0;
    const buildMs = await createIndexes(s, migrationVectorIndexes);
    await s.query(`VACUUM ANALYZE embeddings, documents`);
    const avgTokens = tokenSamples ? Math.round(tokenSum / tokenSamples) : 0;
    log(
      `seeded ${num(CHUNKS)} chunks (≈${avgTokens} tokens each): embedding ${(embedMs / 1000).toFixed(1)} s, COPY ${(copyMs / 1000).toFixed(1)} s` +
        (migrationVectorIndexes.length ? `, migrations' vector indexes re-created in ${(buildMs / 1000).toFixed(1)} s` : ''),
    );
    const tenantIndex = await prepareTenant({ superuser: s, config: appConfig, tenantId, chunks: CHUNKS });
    const { m: hnswM, efConstruction: hnswEf, minRows, ivfProbePercent, ivfFocusedProbePercent } = appConfig.vectorIndex;
    const how =
      tenantIndex.method === 'ivfflat'
        ? `IVFFlat index (${tenantIndex.lists} lists, ${ivfProbePercent} % of them read per search, ${ivfFocusedProbePercent} % for a question near one of the set's centres`
        : `HNSW index (m ${hnswM}, ef_construction ${hnswEf}`;
    const tenantIndexText =
      tenantIndex.result === 'built'
        ? `The tenant's own ${how}, ${num(tenantIndex.indexedRows)} rows) was built before the load by the worker's \`VectorIndexService.maintain\`, as production's worker builds it, in ${(tenantIndex.ms / 1000).toFixed(1)} s.`
        : `The tenant is below VECTOR_INDEX_MIN_ROWS (${num(minRows)}): no index of its own, searched exactly, as in production.`;
    log(
      tenantIndex.result === 'built'
        ? `tenant index: ${num(tenantIndex.indexedRows)} rows built in ${(tenantIndex.ms / 1000).toFixed(1)} s`
        : `tenant index: none (${num(CHUNKS)} < VECTOR_INDEX_MIN_ROWS ${num(minRows)})`,
    );
    const indexes = (
      await s.query(
        `SELECT ic.relname AS name, am.amname AS am FROM pg_index i JOIN pg_class ic ON ic.oid = i.indexrelid JOIN pg_am am ON am.oid = ic.relam
       WHERE am.amname IN ('hnsw', 'ivfflat') AND (i.indrelid = 'public.embeddings'::regclass OR i.indrelid IN (SELECT relid FROM pg_partition_tree('public.embeddings')))
         AND NOT EXISTS (SELECT 1 FROM pg_inherits h WHERE h.inhrelid = i.indexrelid) ORDER BY 1`,
      )
    ).rows.map((r: { name: string; am: string }) => `${r.name} (${r.am})`);

    // ---- queries: questions about the seeded topics; a sanity pass checks that every mode finds chunks
    const queries = Array.from({ length: QUERIES }, (_, i) => topicQuery(rnd, i % TOPICS));
    const found: Record<string, number> = {};
    for (const mode of MODES) {
      let items = 0;
      for (let i = 0; i < 10; i++)
        items += (await call('POST', '/api/v1/search', key, { query: queries[i]!, topK: TOP_K, mode })).items.length;
      found[mode] = items / 10;
      if (CHUNKS > 0 && items === 0) throw new Error(`${mode} search returned nothing for 10 questions about seeded topics`);
    }
    log(`sanity: items per search ${MODES.map((m) => `${m} ${found[m]}`).join(', ')}`);
    const focus = tenantIndex.method === 'ivfflat' ? await focusedQuestions(appConfig, tenantId, queries, embedder) : undefined;
    if (focus !== undefined) log(`focused probes: ${focus} of ${queries.length} questions`);

    // ---- load
    const warm = Math.min(3, SECONDS);
    log(`warm-up: ${warm} s, ${CONNECTIONS[0]} connections`);
    await load(base, key, MODES[0]!, CONNECTIONS[0]!, warm, queries);
    const results: LoadResult[] = [];
    for (const mode of MODES) {
      for (const connections of CONNECTIONS) {
        const r = await load(base, key, mode, connections, SECONDS, queries);
        results.push(r);
        log(
          `${mode} × ${connections}: ${num(r.rps, 1)} req/s, p50 ${r.p50.toFixed(1)} ms, p95 ${r.p95.toFixed(1)} ms, p99 ${r.p99.toFixed(1)} ms, non-2xx ${r.non2xx}, errors ${r.errors}`,
        );
      }
    }
    if (!api.alive) throw new Error(`the API exited during the load:\n${api.output}`);

    // ---- ingestion, end to end, one worker
    let ingest:
      { docs: number; chunks: number; ready: number; failed: number; uploadMs: number; totalMs: number; concurrency: string } | undefined;
    if (INGEST_DOCS > 0) {
      log(`ingestion: starting one worker`);
      // LOG_LEVEL log: its start-up line is what tells that it is consuming (as test/support/worker.ts waits for it).
      const worker = App.start('worker', WORKER_MAIN, { ...env, LOG_LEVEL: 'log' });
      apps.push(worker);
      await worker.waitFor('start-up', () => worker.output.includes('started (concurrency'));
      const before = new Set<string>(
        (await s.query(`SELECT id FROM documents WHERE tenant_id = $1`, [tenantId])).rows.map((r: { id: string }) => r.id),
      );
      const texts = Array.from({ length: INGEST_DOCS }, (_, i) => {
        const topic = i % TOPICS;
        const paragraphs = Array.from({ length: Math.ceil(INGEST_WORDS / 120) }, () => topicText(rnd, topic, 120));
        return `Bench document ${i + 1}\n\n${paragraphs.join('\n\n')}\n`;
      });
      const start = Date.now();
      for (const [i, text] of texts.entries()) {
        const form = new FormData();
        form.append('file', new Blob([text], { type: 'text/plain' }), `bench-ingest-${i + 1}.txt`);
        const res = await fetch(`${base}/api/v1/documents`, { method: 'POST', headers: { authorization: `Bearer ${key}` }, body: form });
        if (res.status !== 202) throw new Error(`upload ${i + 1}: ${res.status} ${await res.text()}`);
      }
      const uploadMs = Date.now() - start;
      const status = async () => {
        const { rows: st } = await s.query(`SELECT id, status, chunk_count FROM documents WHERE tenant_id = $1`, [tenantId]);
        return st.filter((r: { id: string }) => !before.has(r.id)) as { status: string; chunk_count: number | null }[];
      };
      let now = await status();
      const deadline = Date.now() + Math.max(120_000, INGEST_DOCS * 5_000);
      while (now.some((r) => r.status === 'queued' || r.status === 'processing')) {
        if (!worker.alive) throw new Error(`the worker exited during ingestion:\n${worker.output}`);
        if (Date.now() > deadline)
          throw new Error(`ingestion: documents still not ready after ${((Date.now() - start) / 1000).toFixed(0)} s`);
        await new Promise((r) => setTimeout(r, 100));
        now = await status();
      }
      const totalMs = Date.now() - start;
      ingest = {
        docs: INGEST_DOCS,
        chunks: now.reduce((n, r) => n + (r.chunk_count ?? 0), 0),
        ready: now.filter((r) => r.status === 'ready').length,
        failed: now.filter((r) => r.status === 'failed').length,
        uploadMs,
        totalMs,
        concurrency: String(appConfig.worker.concurrency),
      };
      log(
        `ingestion: ${ingest.ready}/${INGEST_DOCS} ready, ${ingest.failed} failed, ${num(ingest.chunks)} chunks in ${(totalMs / 1000).toFixed(1)} s`,
      );
      await worker.stop();
    }

    // ---- report
    const lines: string[] = [];
    lines.push(`### API load: POST /api/v1/search`, '');
    lines.push(
      `One tenant with ${num(CHUNKS)} chunks (≈${avgTokens}-token synthetic texts about ${TOPICS} topics, ${dims}-dim \`${vectorType}\` vectors from the project's LocalEmbedder, which the API also uses for the queries); ` +
        `${QUERIES} rotating questions about those topics, topK ${TOP_K}, an API key as bearer token. ${SECONDS} s per run after a ${warm} s warm-up; ` +
        `autocannon ${pkgVersion('autocannon')} in the bench process on the same machine as the API (one Node process) and PostgreSQL. ` +
        `Latency percentiles over every response (nearest rank), req/s = responses ÷ run time. ` +
        `${tenantIndexText}${focus !== undefined ? ` Focused probes: ${focus} of the ${queries.length} questions read ${ivfFocusedProbePercent} % of the lists, the others ${ivfProbePercent} % (each searched once through SearchRepository before the load).` : ''} Vector indexes on embeddings: ${indexes.join(', ') || 'none'}. API pool: DB_POOL_MIN ${appConfig.database.poolMin}, DB_POOL_MAX ${appConfig.database.poolMax}. ` +
        `Items per search in a sanity pass: ${MODES.map((m) => `${m} ${found[m]}`).join(', ')}.`,
      '',
    );
    lines.push('| mode | connections | req/s | p50 ms | p95 ms | p99 ms | non-2xx | errors / timeouts | responses |');
    lines.push('|---|---:|---:|---:|---:|---:|---:|---:|---:|');
    for (const r of results) {
      lines.push(
        `| ${r.mode} | ${r.connections} | ${num(r.rps, 1)} | ${r.p50.toFixed(1)} | ${r.p95.toFixed(1)} | ${r.p99.toFixed(1)} | ${r.non2xx} | ${r.errors} / ${r.timeouts} | ${num(r.responses)} |`,
      );
    }
    if (ingest) {
      lines.push('', `### Ingestion, end to end, one worker`, '');
      lines.push(
        `${ingest.docs} plain-text documents of ${INGEST_WORDS} words uploaded one after another through POST /api/v1/documents, one worker process (WORKER_CONCURRENCY ${ingest.concurrency}, local embedder); time from the first upload until every document is ready or failed.`,
        '',
      );
      lines.push('| documents | ready / failed | chunks | uploads took | all done after | documents/s | chunks/s |');
      lines.push('|---:|---:|---:|---:|---:|---:|---:|');
      lines.push(
        `| ${ingest.docs} | ${ingest.ready} / ${ingest.failed} | ${num(ingest.chunks)} | ${(ingest.uploadMs / 1000).toFixed(1)} s | ${(ingest.totalMs / 1000).toFixed(1)} s | ${num(ingest.docs / (ingest.totalMs / 1000), 1)} | ${num(ingest.chunks / (ingest.totalMs / 1000), 1)} |`,
      );
    }
    console.log(lines.join('\n'));
    const bad = results.some((r) => r.non2xx > 0 || r.errors > 0) || (ingest && ingest.failed > 0);
    if (bad) {
      log('some requests failed (non-2xx, errors or failed documents): exit code 1');
      process.exitCode = 1;
    }
  } finally {
    for (const a of apps.reverse()) await a.stop().catch(() => undefined);
    await s.end().catch(() => undefined);
    await cleanRedis(queuePrefix).catch((e) => log(`could not clean Redis keys ${queuePrefix}:*: ${e}`));
    await releaseDatabase(urls, log);
  }
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
