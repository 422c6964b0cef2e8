// What rls.mjs and rls-plans.mjs share: the search bench's kept database seen by the runtime role and by the superuser
// (RLS bypassed), one tenant by name (TENANT, default the one-chunk tenant created after ANALYZE), and its search (MODE).
// Needs the environment's ADMIN_API_KEY and JWT_SECRET (any values) for loadConfig().
import pg from 'pg';
import { benchUrls } from '../../dist/bench/support.js';
import { loadConfig } from '../../dist/libs/config/config.js';
import { createRuntimeDataSource } from '../../dist/libs/database/data-source.js';
import { TenantDb } from '../../dist/libs/database/tenant-db.js';
import { SearchRepository } from '../../dist/libs/retrieval/search.repository.js';

export async function rlsLab({ poolMax, mode: defaultMode }) {
  const urls = benchUrls('ragdocs_bench_search');
  const config = loadConfig({ ...process.env, DATABASE_URL: urls.runtimeUrl, DATABASE_MIGRATION_URL: urls.migrationUrl });
  const pool = { poolMax, poolMin: 0 };
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
  await s.end();
  const repos = {
    named: new SearchRepository({ ...config.vectorIndex, namedStatements: true }),
    unnamed: new SearchRepository({ ...config.vectorIndex, namedStatements: false }),
  };
  const repo = repos[process.env.SEARCH_NAMED_STATEMENTS === 'false' ? 'unnamed' : 'named'];
  const vector = Array.from({ length: 1536 }, (_, i) => Math.sin(i + 1));
  const mode = process.env.MODE ?? defaultMode;
  return {
    name,
    mode,
    roles,
    /**
     * One search by `role` in its tenant transaction; `onStatement(sql, params, run)` (optional) sees each statement the
     * search sends through `m.query` and runs it (`run()`; named statements do not pass there), and `after(m, statements)`
     * runs in the same transaction once the search is done. `statements`: 'named' or 'unnamed' (default: as
     * SEARCH_NAMED_STATEMENTS says).
     */
    async search(role, { onStatement, after, statements: kind } = {}) {
      const searcher = kind ? repos[kind] : repo;
      return new TenantDb(roles[role]).runFor(tenant.id, async (m) => {
        const statements = [];
        const query = m.query.bind(m);
        m.query = async (sql, params) => {
          statements.push([sql, params]);
          return onStatement ? onStatement(sql, params, () => query(sql, params)) : query(sql, params);
        };
        await searcher.search(m, { tenantId: tenant.id, vector, query: 'how do I reset my password', topK: 10, mode });
        m.query = query;
        if (after) await after(m, statements);
      });
    },
    async close() {
      for (const ds of Object.values(roles)) await ds.destroy();
    },
  };
}

/** A statement's text on one line, cut to `n` characters, to label it in a report. */
export const statementLabel = (sql, n) => sql.replace(/\s+/g, ' ').slice(0, n);
