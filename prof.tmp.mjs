import { createRuntimeDataSource } from './dist/libs/database/data-source.js';
import { loadConfig } from './dist/libs/config/config.js';
import { TenantDb } from './dist/libs/database/tenant-db.js';
import { SearchRepository } from './dist/libs/retrieval/search.repository.js';
import pg from 'pg';
const db = 'ragdocs_bench_search';
const runtimeUrl = `postgres://rag_app:rag_app@127.0.0.1:5432/${db}`;
const config = loadConfig({ ...process.env, DATABASE_URL: runtimeUrl, DATABASE_MIGRATION_URL: `postgres://rag_owner:rag_owner@127.0.0.1:5432/${db}` });
const ds = await createRuntimeDataSource({ ...config.database, url: runtimeUrl }, { poolMax: 2, poolMin: 0 }).initialize();
const s = new pg.Client({ connectionString: `postgres://postgres@127.0.0.1:5432/${db}` }); await s.connect();
const which = process.argv[2] ?? 'small';
const mode = process.argv[3] ?? 'hybrid';
const { rows: [t] } = await s.query(which === 'small' ? `select tenant_id from embeddings group by 1 order by count(*) asc limit 1` : `select tenant_id from embeddings group by 1 order by count(*) desc limit 1`);
const { rows: [e] } = await s.query(`select embedding::text as v, content from embeddings where tenant_id=$1 limit 1`, [t.tenant_id]);
const base = JSON.parse(e.v);
const words = e.content.split(/\s+/).slice(3, 7).join(' ');
const repo = new SearchRepository(config.vectorIndex);
const times = new Map();
for (let i = 0; i < 40; i++) {
  const vec = base.map((x) => x + (Math.random() - 0.5) * 0.05);
  const t0 = performance.now();
  await new TenantDb(ds).runFor(t.tenant_id, async (m) => {
    const orig = m.query.bind(m);
    m.query = async (sql, params) => { const a = performance.now(); try { return await orig(sql, params); } finally { if (i >= 10) { const k = sql.replace(/\s+/g, ' ').slice(0, 60); times.set(k, [...(times.get(k) ?? []), performance.now() - a]); } } };
    return repo.search(m, { tenantId: t.tenant_id, vector: vec, query: words, topK: 10, mode });
  });
  if (i >= 10) times.set('TOTAL', [...(times.get('TOTAL') ?? []), performance.now() - t0]);
}
for (const [k, v] of times) { v.sort((a, b) => a - b); console.log(`${(v.reduce((a, b) => a + b, 0) / v.length).toFixed(2).padStart(7)} avg ${v[Math.floor(v.length / 2)].toFixed(2).padStart(7)} p50  n=${v.length}  ${k}`); }
await ds.destroy(); await s.end();
