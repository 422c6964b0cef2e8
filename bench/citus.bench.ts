/**
 * One PostgreSQL against a 3-node Citus cluster (coordinator + 2 workers, scripts/citus-cluster.sh),
 * on the same data, through the app's own code: chunk writes with `insertChunks` (COPY + INSERT …
 * SELECT on one node; multi-row VALUES on Citus) in `TenantDb.runFor`, one writer, one transaction
 * per document; then `SearchRepository.search` in each mode, one query at a time, each in its own
 * tenant transaction as the API runs it. Both databases are made by the migrations (the Citus one
 * distributed by 1764000020000). On this 2-core machine the three Citus nodes share the cores the
 * single node has alone: the figures show the cost of routing and of the cluster's extra hop, not
 * the capacity more machines would add.
 *
 * Also prints the EXPLAIN of the hot paths on Citus (one task each).
 *
 * Knobs: BENCH_CITUS_TENANTS (20), BENCH_CITUS_CHUNKS (500 per tenant), BENCH_CITUS_DOC_CHUNKS (100),
 * BENCH_CITUS_QUERIES (150 per mode), CITUS_PORT (9700). Databases ragdocs_bench_citus_single (this
 * PostgreSQL) and ragdocs_bench_citus (the cluster), re-created at the start. Markdown on stdout.
 *
 *   npm run bench -- --only citus --out bench/RESULTS-citus.md
 */
import 'reflect-metadata';
import { execFileSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import pg from 'pg';
import { loadConfig } from '../libs/config/config.js';
import { platformEmbeddingModel } from '../libs/config/embedding-default.js';
import { LocalEmbedder } from '../libs/ai/embedding/local.embedder.js';
import { createRuntimeDataSource } from '../libs/database/data-source.js';
import type { ChunkRow } from '../libs/database/embeddings/chunk-row.js';
import { insertChunks } from '../libs/database/embeddings/insert-chunks.js';
import { TenantDb } from '../libs/database/tenant-db.js';
import { SearchRepository } from '../libs/retrieval/search.repository.js';
import type { SearchMode } from '../libs/retrieval/search.types.js';
import {
  benchUrls,
  firstEmbeddingSets,
  freshDatabase,
  migrate,
  intEnv,
  logger,
  median,
  num,
  pct,
  prng,
  releaseDatabase,
  type BenchUrls,
} from './support.js';

const log = logger('citus');
const TENANTS = intEnv('BENCH_CITUS_TENANTS', 20);
const CHUNKS = intEnv('BENCH_CITUS_CHUNKS', 500);
const DOC_CHUNKS = intEnv('BENCH_CITUS_DOC_CHUNKS', 100);
const QUERIES = intEnv('BENCH_CITUS_QUERIES', 150);
const CITUS_PORT = intEnv('CITUS_PORT', 9700);
const MODES: SearchMode[] = ['vector', 'keyword', 'hybrid'];

const WORDS = `vacuum index replica shard tenant backup restore query planner vector cosine chunk document folder
  upload parse embed search hybrid keyword policy role grant schema table column trigger function sequence
  partition cluster node worker coordinator latency throughput memory cache buffer checkpoint wal archive`
  .split(/\s+/)
  .filter(Boolean);

interface Target {
  name: string;
  urls: BenchUrls;
}

function onPort(urls: BenchUrls, port: number): BenchUrls {
  const move = (u: string) => {
    const url = new URL(u);
    url.port = String(port);
    return url.toString();
  };
  return {
    ...urls,
    superUrl: move(urls.superUrl),
    maintUrl: move(urls.maintUrl),
    migrationUrl: move(urls.migrationUrl),
    runtimeUrl: move(urls.runtimeUrl),
  };
}

async function prepareCitus(urls: BenchUrls): Promise<void> {
  execFileSync('bash', ['scripts/citus-cluster.sh', 'provision', urls.db], {
    stdio: ['ignore', 'ignore', 'inherit'],
    env: { ...process.env, CITUS_PORT: String(CITUS_PORT) },
  });
  await migrate(urls);
  log(`cluster database ${urls.db} provisioned and migrated (distributed)`);
}

/** Chunk texts and their vectors, the same for both targets (a fixed seed). */
async function corpus(embedder: LocalEmbedder): Promise<{ texts: string[][]; vectors: number[][][] }> {
  const rnd = prng(7);
  const texts: string[][] = [];
  const vectors: number[][][] = [];
  for (let t = 0; t < TENANTS; t++) {
    const own = Array.from(
      { length: CHUNKS },
      (_, i) => Array.from({ length: 60 }, () => WORDS[rnd.int(WORDS.length)]).join(' ') + ` tenant${t} chunk${i}`,
    );
    texts.push(own);
    vectors.push(await embedder.embed(own));
  }
  return { texts, vectors };
}

async function run(target: Target, tenants: string[], data: { texts: string[][]; vectors: number[][][] }) {
  const su = new pg.Client({ connectionString: target.urls.superUrl });
  await su.connect();
  const dims = platformEmbeddingModel(process.env).dimensions;
  await su.query(`INSERT INTO tenants (id, name, slug) SELECT t, 'bench', 'bench-' || left(t::text, 8) FROM unnest($1::uuid[]) t`, [
    tenants,
  ]);
  await firstEmbeddingSets(su, tenants, dims);
  const docs: string[][] = tenants.map(() => Array.from({ length: Math.ceil(CHUNKS / DOC_CHUNKS) }, () => randomUUID()));
  for (const [t, tenantId] of tenants.entries()) {
    await su.query(
      `INSERT INTO documents (tenant_id, id, filename, mime_type, size_bytes, content_hash, status)
       SELECT $1, d, 'bench.txt', 'text/plain', 1, d::text, 'processing' FROM unnest($2::uuid[]) d`,
      [tenantId, docs[t]],
    );
  }
  const config = loadConfig();
  const db = new TenantDb(
    await createRuntimeDataSource({ ...config.database, url: target.urls.runtimeUrl }, { poolMax: 2, poolMin: 0 }).initialize(),
  );
  try {
    // Writes: one writer, a transaction per document, tenants one after the other.
    const t0 = performance.now();
    for (const [t, tenantId] of tenants.entries()) {
      for (const [d, documentId] of docs[t]!.entries()) {
        const from = d * DOC_CHUNKS;
        const texts = data.texts[t]!.slice(from, from + DOC_CHUNKS);
        const chunks: ChunkRow[] = texts.map((content, index) => ({
          index,
          content,
          pageFrom: 1,
          pageTo: 1,
          charStart: 0,
          charEnd: content.length,
          tokenCount: 60,
          section: null,
        }));
        const vectors = data.vectors[t]!.slice(from, from + DOC_CHUNKS);
        await db.runFor(tenantId, (m) =>
          insertChunks(m, { tenantId, documentId, model: 'local-hash-v1', searchConfig: 'english' }, chunks, vectors),
        );
      }
    }
    const writeSeconds = (performance.now() - t0) / 1000;
    const rows = TENANTS * CHUNKS;
    log(`${target.name}: ${rows} chunks written in ${writeSeconds.toFixed(1)} s`);
    await su.query('ANALYZE');

    // Search: every tenant below VECTOR_INDEX_MIN_ROWS, so the exact path (the common one: most tenants are small).
    const repo = new SearchRepository({
      minRows: config.vectorIndex.minRows,
      efSearch: config.vectorIndex.efSearch,
      searchTimeoutMs: 30_000,
    });
    const embedder = new LocalEmbedder(dims);
    const rnd = prng(11);
    const search: Record<string, { p50: number; p95: number; qps: number }> = {};
    for (const mode of MODES) {
      const times: number[] = [];
      const start = performance.now();
      for (let q = 0; q < QUERIES; q++) {
        const t = rnd.int(TENANTS);
        const query = Array.from({ length: 4 }, () => WORDS[rnd.int(WORDS.length)]).join(' ');
        const [vector] = await embedder.embed([query]);
        const s = performance.now();
        const hits = await db.runFor(tenants[t]!, (m) => repo.search(m, { tenantId: tenants[t]!, vector: vector!, query, topK: 10, mode }));
        times.push(performance.now() - s);
        if (!hits.length) throw new Error(`${target.name} ${mode}: no rows for "${query}"`);
      }
      search[mode] = { p50: median(times), p95: pct(times, 95), qps: QUERIES / ((performance.now() - start) / 1000) };
      log(`${target.name} ${mode}: p50 ${search[mode].p50.toFixed(1)} ms, p95 ${search[mode].p95.toFixed(1)} ms`);
    }
    return { rowsPerSecond: rows / writeSeconds, writeSeconds, search };
  } finally {
    await db.dataSource.destroy();
    await su.end();
  }
}

async function explainHotPaths(urls: BenchUrls, tenantId: string): Promise<string[]> {
  const su = new pg.Client({ connectionString: urls.superUrl });
  await su.connect();
  try {
    const [{ set }] = (await su.query(`SELECT id AS set FROM embedding_sets WHERE tenant_id = $1 AND state = 'active'`, [tenantId]))
      .rows as [{ set: number }];
    const dims = platformEmbeddingModel(process.env).dimensions;
    const vec = `[${Array.from({ length: dims }, (_, i) => (i === 0 ? 1 : 0)).join(',')}]`;
    const plans: [string, string, unknown[]][] = [
      ['document list', `SELECT id FROM documents WHERE tenant_id = $1 ORDER BY created_at DESC, id DESC LIMIT 20`, [tenantId]],
      [
        'vector search (exact path)',
        `SELECT e.id, e.embedding <=> $2::halfvec(${dims}) AS d FROM embeddings e WHERE e.tenant_id = $1 AND e.set_id = $3 ORDER BY d LIMIT 10`,
        [tenantId, vec, set],
      ],
      [
        'keyword search (search_keyword body)',
        `SELECT e.id, ts_rank_cd(e.tsv, q) FROM embeddings e, to_tsquery('english', 'vacuum | index') q WHERE e.tenant_id = $1 AND e.set_id = $2 AND e.tsv @@ q ORDER BY 2 DESC LIMIT 40`,
        [tenantId, set],
      ],
      [
        'chunk insert',
        `INSERT INTO embeddings (tenant_id, id, set_id, document_id, chunk_index, content, embedding, page_from, page_to, char_start, char_end, token_count, model)
         VALUES ($1, gen_random_uuid(), $3, gen_random_uuid(), 0, 'x', $2::halfvec, 1, 1, 0, 1, 1, 'm'), ($1, gen_random_uuid(), $3, gen_random_uuid(), 1, 'y', $2::halfvec, 1, 1, 0, 1, 1, 'm')`,
        [tenantId, vec, set],
      ],
    ];
    const out: string[] = [];
    for (const [name, sql, params] of plans) {
      const { rows } = await su.query(`EXPLAIN ${sql}`, params);
      const text = rows.map((r: Record<string, string>) => Object.values(r)[0]).join('\n');
      const tasks = /Task Count: (\d+)/.exec(text)?.[1] ?? '?';
      out.push(`| ${name} | ${tasks} |`);
    }
    return out;
  } finally {
    await su.end();
  }
}

async function main(): Promise<void> {
  const single: Target = { name: 'one node', urls: benchUrls('ragdocs_bench_citus_single') };
  const citus: Target = { name: 'Citus 3 nodes', urls: onPort(benchUrls('ragdocs_bench_citus'), CITUS_PORT) };
  await freshDatabase(single.urls, log);
  await prepareCitus(citus.urls);
  const embedder = new LocalEmbedder(platformEmbeddingModel(process.env).dimensions);
  const data = await corpus(embedder);
  const tenants = Array.from({ length: TENANTS }, () => randomUUID());
  const a = await run(single, tenants, data);
  const b = await run(citus, tenants, data);
  const explain = await explainHotPaths(citus.urls, tenants[0]!);

  const ratio = (x: number, y: number) => (y ? (x / y).toFixed(2) : '–');
  console.log(
    `${TENANTS} tenants × ${CHUNKS} chunks (${num(TENANTS * CHUNKS)} rows, ${platformEmbeddingModel(process.env).dimensions} dims), the same rows and queries on both; ${QUERIES} queries per mode, one at a time, exact path.\n`,
  );
  console.log('| measure | one node | Citus (coordinator + 2 workers, same machine) | Citus / one node |');
  console.log('|---|---:|---:|---:|');
  console.log(
    `| chunk writes, rows/s (1 writer) | ${num(a.rowsPerSecond)} | ${num(b.rowsPerSecond)} | ${ratio(b.rowsPerSecond, a.rowsPerSecond)} |`,
  );
  for (const mode of MODES) {
    const x = a.search[mode]!;
    const y = b.search[mode]!;
    console.log(
      `| ${mode} search p50 / p95 ms | ${x.p50.toFixed(1)} / ${x.p95.toFixed(1)} | ${y.p50.toFixed(1)} / ${y.p95.toFixed(1)} | ${ratio(y.p50, x.p50)} / ${ratio(y.p95, x.p95)} |`,
    );
  }
  console.log('\nEXPLAIN on the cluster (Task Count: shards a statement runs on):\n');
  console.log('| hot path | tasks |');
  console.log('|---|---:|');
  for (const line of explain) console.log(line);
  await releaseDatabase(single.urls, log);
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
