// What the second half's round trips cost (bench/LAYOUT.md, section 12): the largest bench tenant's split index searched
// through SearchRepository as shipped (the helper connection's transaction, settings, statement and COMMIT in one simple
// query) and through a subclass whose readOnHelper is the one before it (three round trips: BEGIN and the settings, the
// statement with bound values, COMMIT). Pairs of the same question, alternating which goes first, after 40 unrecorded
// pairs; on- and off-topic questions of the bench's vector space. On the search bench's kept database
// (BENCH_KEEP=1 bash scripts/run.sh bench --only search), runtime role, a warm pool of 4:
//   N=300 MODE=vector node bench/lab/helper-trips.mjs
// Needs the environment's ADMIN_API_KEY and JWT_SECRET (any values) for loadConfig().
import pg from 'pg';
import { benchUrls } from '../../dist/bench/support.js';
import { loadConfig } from '../../dist/libs/config/config.js';
import { createRuntimeDataSource } from '../../dist/libs/database/data-source.js';
import { TenantDb } from '../../dist/libs/database/tenant-db.js';
import { setLocalStatements, tenantSetting } from '../../dist/libs/database/transaction-settings.js';
import { SearchRepository } from '../../dist/libs/retrieval/search.repository.js';
import { benchTenants, offTopicQuestions } from './bench-tenants.mjs';

const urls = benchUrls('ragdocs_bench_search');
const config = loadConfig({ ...process.env, DATABASE_URL: urls.runtimeUrl, DATABASE_MIGRATION_URL: urls.migrationUrl });
const ds = await createRuntimeDataSource({ ...config.database, url: urls.runtimeUrl }, { poolMax: 4, poolMin: 4 }).initialize();
const tdb = new TenantDb(ds);
const s = new pg.Client({ connectionString: urls.superUrl });
await s.connect();
const {
  rows: [tenant],
} = await s.query(`SELECT id FROM tenants WHERE name = 'Bench 1'`);

/** The readOnHelper of commit 34d3196: three round trips. */
class ThreeTrips extends SearchRepository {
  async readOnHelper(helper, read, extras) {
    const { p, set, vec, n, index, indexSettings } = read;
    const { client } = helper;
    try {
      await client.query(
        `BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY; SET TRANSACTION SNAPSHOT '${indexSettings.snapshot}'; ${setLocalStatements({
          ...tenantSetting(p.tenantId),
          ...this.searchSettings(indexSettings.ef),
          'ivfflat.probes': String(indexSettings.probes),
        })}`,
      );
      const st = this.indexStatement(p, set, vec, n, index, [1], false);
      const found = await this.runNearest(
        { query: async (sql, params) => (await client.query(sql, params)).rows },
        st.ctes,
        st.params,
        st.bind,
        st.tenant,
        extras.kind === 'none' ? '' : st.setId(),
        extras,
      );
      await client.query('COMMIT');
      helper.done();
      return found;
    } catch (e) {
      await client.query('ROLLBACK').then(
        () => helper.done(),
        (err) => helper.done(err),
      );
      throw e;
    }
  }
}

const repos = { one: new SearchRepository(config.vectorIndex), three: new ThreeTrips(config.vectorIndex) };
const { space, topicsOf } = benchTenants();
const off = offTopicQuestions(space, topicsOf[0], 1, 20).map((literal) => JSON.parse(literal));
const on = topicsOf[0].slice(0, 10).map((t) => space.near(t, 0.7));
const questions = [...on, ...off];
const mode = process.env.MODE ?? 'vector';
const once = async (kind, vector) => {
  const t0 = performance.now();
  await tdb.runFor(tenant.id, async (m) => {
    await repos[kind].search(m, { tenantId: tenant.id, vector, query: 'how do I reset my password', topK: 10, mode });
    if (repos[kind].lastSplitRead !== 'parallel') throw new Error(`not read at once: ${repos[kind].lastSplitRead}`);
  });
  return performance.now() - t0;
};
for (let i = 0; i < 40; i++) for (const k of ['one', 'three']) await once(k, questions[i % questions.length]);
const ms = { one: [], three: [] };
const ratios = [];
for (let i = 0; i < Number(process.env.N ?? 300); i++) {
  const v = questions[i % questions.length];
  const t = {};
  for (const k of i % 2 ? ['one', 'three'] : ['three', 'one']) t[k] = await once(k, v);
  ms.one.push(t.one);
  ms.three.push(t.three);
  ratios.push(t.one / t.three);
}
const q = (xs, p) => [...xs].sort((x, y) => x - y)[Math.floor(xs.length * p)];
const psi = (await import('node:fs')).readFileSync('/proc/pressure/cpu', 'utf8').split('\n')[0];
console.log(
  `Bench 1 ${mode}, ${ratios.length} pairs: one round trip p50 ${q(ms.one, 0.5).toFixed(2)} / p95 ${q(ms.one, 0.95).toFixed(2)} ms; ` +
    `three p50 ${q(ms.three, 0.5).toFixed(2)} / p95 ${q(ms.three, 0.95).toFixed(2)} ms; paired ratio (one / three) ${q(ratios, 0.5).toFixed(3)}; ` +
    `ratio of p95s ${(q(ms.one, 0.95) / q(ms.three, 0.95)).toFixed(3)}; CPU pressure ${psi}`,
);
await ds.destroy();
await s.end();
