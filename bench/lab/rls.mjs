// The RLS cost of one tenant's searches outside the bench's interleaved runs (bench/RESULTS-search-runs.md): N pairs of
// the same search through the runtime role's pool and the superuser's (RLS bypassed), alternating which goes first, after
// 50 unrecorded pairs. On the search bench's kept database (BENCH_KEEP=1 bash scripts/run.sh bench --only search):
//   TENANT="Bench 201" MODE=vector N=400 node bench/lab/rls.mjs      (Bench 201: the one-chunk tenant created after ANALYZE)
// Needs the environment's ADMIN_API_KEY and JWT_SECRET (any values) for loadConfig().
import pg from 'pg';
import { benchUrls } from '../../dist/bench/support.js';
import { loadConfig } from '../../dist/libs/config/config.js';
import { createRuntimeDataSource } from '../../dist/libs/database/data-source.js';
import { TenantDb } from '../../dist/libs/database/tenant-db.js';
import { SearchRepository } from '../../dist/libs/retrieval/search.repository.js';

const urls = benchUrls('ragdocs_bench_search');
const config = loadConfig({ ...process.env, DATABASE_URL: urls.runtimeUrl, DATABASE_MIGRATION_URL: urls.migrationUrl });
const pool = { poolMax: 4, poolMin: 0 };
const runtime = await createRuntimeDataSource({ ...config.database, url: urls.runtimeUrl }, pool).initialize();
const bypass = await createRuntimeDataSource({ ...config.database, url: urls.superUrl }, pool).initialize();
const s = new pg.Client({ connectionString: urls.superUrl });
await s.connect();
const name = process.env.TENANT ?? 'Bench 201';
const {
  rows: [tenant],
} = await s.query(`SELECT id FROM tenants WHERE name = $1`, [name]);
const repo = new SearchRepository(config.vectorIndex);
const vector = Array.from({ length: 1536 }, (_, i) => Math.sin(i + 1));
const mode = process.env.MODE ?? 'vector';
// STATEMENTS=1: also each statement's own time (client side, in the order the search sends them), to tell which one
// carries the difference.
const perStatement = { r: [], b: [] };
const once = async (ds, role) => {
  const t0 = performance.now();
  const times = [];
  await new TenantDb(ds).runFor(tenant.id, (m) => {
    if (process.env.STATEMENTS === '1') {
      const query = m.query.bind(m);
      m.query = async (sql, params) => {
        const s0 = performance.now();
        try {
          return await query(sql, params);
        } finally {
          times.push([sql.replace(/\s+/g, ' ').slice(0, 70), performance.now() - s0]);
        }
      };
    }
    return repo.search(m, { tenantId: tenant.id, vector, query: 'how do I reset my password', topK: 10, mode });
  });
  if (role) perStatement[role].push(times);
  return performance.now() - t0;
};
for (let i = 0; i < 50; i++) {
  await once(runtime);
  await once(bypass);
}
const r = [];
const b = [];
const ratios = [];
for (let i = 0; i < Number(process.env.N ?? 400); i++) {
  const ms = {};
  for (const role of i % 2 ? ['r', 'b'] : ['b', 'r']) ms[role] = await once(role === 'r' ? runtime : bypass, role);
  r.push(ms.r);
  b.push(ms.b);
  ratios.push(ms.r / ms.b);
}
const q = (xs, p) => [...xs].sort((x, y) => x - y)[Math.floor(xs.length * p)];
console.log(
  `${name} ${mode}, ${r.length} pairs: runtime p10 ${q(r, 0.1).toFixed(2)} / p50 ${q(r, 0.5).toFixed(2)} ms; superuser p10 ${q(b, 0.1).toFixed(2)} / p50 ${q(b, 0.5).toFixed(2)} ms; ` +
    `ratio of p50s ${(q(r, 0.5) / q(b, 0.5)).toFixed(3)}, paired ${q(ratios, 0.5).toFixed(3)}, ratio of p10s ${(q(r, 0.1) / q(b, 0.1)).toFixed(3)}`,
);
if (process.env.STATEMENTS === '1') {
  const med = (xs) => q(xs, 0.5);
  for (let k = 0; k < perStatement.r[0].length; k++) {
    const rk = perStatement.r.map((t) => t[k]?.[1] ?? NaN);
    const bk = perStatement.b.map((t) => t[k]?.[1] ?? NaN);
    console.log(`  #${k} ${perStatement.r[0][k][0]}: runtime p50 ${med(rk).toFixed(3)} ms, superuser ${med(bk).toFixed(3)} ms`);
  }
}
await runtime.destroy();
await bypass.destroy();
await s.end();
