// Where a small search's RLS cost goes: planning or execution. Each statement of one tenant's search (as the search sends
// it, in its own transaction and settings) run again under EXPLAIN (ANALYZE, SUMMARY) N times per role, the runtime
// role's pool and the superuser's (RLS bypassed) alternating; medians of the server's planning and execution times.
// On the search bench's kept database (BENCH_KEEP=1 bash scripts/run.sh bench --only search):
//   ADMIN_API_KEY=x JWT_SECRET=y TENANT="Bench 201" MODE=hybrid N=200 node bench/lab/rls-plans.mjs
import pg from 'pg';
import { benchUrls } from '../../dist/bench/support.js';
import { loadConfig } from '../../dist/libs/config/config.js';
import { createRuntimeDataSource } from '../../dist/libs/database/data-source.js';
import { TenantDb } from '../../dist/libs/database/tenant-db.js';
import { SearchRepository } from '../../dist/libs/retrieval/search.repository.js';

const urls = benchUrls('ragdocs_bench_search');
const config = loadConfig({ ...process.env, DATABASE_URL: urls.runtimeUrl, DATABASE_MIGRATION_URL: urls.migrationUrl });
const pool = { poolMax: 2, poolMin: 0 };
const roles = {
  runtime: await createRuntimeDataSource({ ...config.database, url: urls.runtimeUrl }, pool).initialize(),
  superuser: await createRuntimeDataSource({ ...config.database, url: urls.superUrl }, pool).initialize(),
};
const s = new pg.Client({ connectionString: urls.superUrl });
await s.connect();
const name = process.env.TENANT ?? 'Bench 201';
const {
  rows: [tenant],
} = await s.query(`SELECT id FROM tenants WHERE name = $1`, [name]);
const repo = new SearchRepository(config.vectorIndex);
const vector = Array.from({ length: 1536 }, (_, i) => Math.sin(i + 1));
const mode = process.env.MODE ?? 'hybrid';
const times = { runtime: [], superuser: [] }; // per run: [[planning, execution], …] per statement

async function once(role) {
  await new TenantDb(roles[role]).runFor(tenant.id, async (m) => {
    const statements = [];
    const query = m.query.bind(m);
    m.query = async (sql, params) => {
      statements.push([sql, params]);
      return query(sql, params);
    };
    await repo.search(m, { tenantId: tenant.id, vector, query: 'how do I reset my password', topK: 10, mode });
    m.query = query;
    const run = [];
    for (const [sql, params] of statements.filter(([sql]) => !/^\s*SELECT set_config/.test(sql))) {
      const plan = (await m.query(`EXPLAIN (ANALYZE, SUMMARY, TIMING OFF, COSTS OFF) ${sql}`, params))
        .map((r) => r['QUERY PLAN'])
        .join('\n');
      run.push([
        Number(/Planning Time: ([\d.]+)/.exec(plan)?.[1]),
        Number(/Execution Time: ([\d.]+)/.exec(plan)?.[1]),
        sql.replace(/\s+/g, ' ').slice(0, 60),
      ]);
    }
    times[role].push(run);
  });
}
const N = Number(process.env.N ?? 200);
for (let i = 0; i < 20; i++) for (const r of ['runtime', 'superuser']) await once(r);
times.runtime.length = times.superuser.length = 0;
for (let i = 0; i < N; i++) for (const r of i % 2 ? ['runtime', 'superuser'] : ['superuser', 'runtime']) await once(r);
const med = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const sum = { runtime: [0, 0], superuser: [0, 0] };
for (let k = 0; k < times.runtime[0].length; k++) {
  const cell = (role, j) => med(times[role].map((run) => run[k][j]));
  for (const role of ['runtime', 'superuser']) for (const j of [0, 1]) sum[role][j] += cell(role, j);
  console.log(
    `#${k} ${times.runtime[0][k][2]}: planning ${cell('runtime', 0).toFixed(3)} / ${cell('superuser', 0).toFixed(3)} ms, execution ${cell('runtime', 1).toFixed(3)} / ${cell('superuser', 1).toFixed(3)} ms (runtime / superuser)`,
  );
}
console.log(
  `${name} ${mode}, ${N} runs per role, sums of the medians: planning ${sum.runtime[0].toFixed(3)} / ${sum.superuser[0].toFixed(3)} ms, execution ${sum.runtime[1].toFixed(3)} / ${sum.superuser[1].toFixed(3)} ms`,
);
for (const ds of Object.values(roles)) await ds.destroy();
await s.end();
