// What the second half's round trips cost (bench/LAYOUT.md, section 12): the largest bench tenant's split index searched
// through SearchRepository as shipped (on the helper connection three round trips: BEGIN and the settings, the statement
// with bound values, COMMIT) and through a subclass whose readOnHelper sends all of it as one simple query, the values
// inlined as literals (pg's escapeLiteral). Pairs of the same question, alternating which goes first, after 40
// unrecorded pairs; on- and off-topic questions of the bench's vector space. On the search bench's kept database
// (BENCH_KEEP=1 bash scripts/run.sh bench --only search), runtime role, a warm pool of 4:
//   BUILD=1 N=300 MODE=vector node bench/lab/helper-trips.mjs
// The bench leaves its largest tenants on HNSW (its last comparison): BUILD=1 has the worker's maintain() rebuild Bench 1
// as shipped first (IVFFlat in two halves).
// Needs the environment's ADMIN_API_KEY and JWT_SECRET (any values) for loadConfig().
import pg from 'pg';
import { benchUrls, vectorIndexService } from '../../dist/bench/support.js';
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
if (process.env.BUILD) {
  const service = vectorIndexService(tdb, config);
  console.log(`Bench 1: ${await service.maintain(tenant.id)}`);
  await service.onApplicationShutdown();
}

/** A value as an SQL literal: integers, strings, arrays of strings (each such value is cast where it is used). */
function literal(v) {
  if (typeof v === 'number' && Number.isSafeInteger(v)) return String(v);
  if (typeof v === 'string') return pg.escapeLiteral(v);
  if (Array.isArray(v) && v.every((x) => typeof x === 'string')) return `ARRAY[${v.map((x) => pg.escapeLiteral(x)).join(', ')}]`;
  throw new Error(`no literal for ${typeof v}`);
}

/** readOnHelper in one round trip: runNearest's statement (captured, not run) with its values inlined, in the transaction. */
class OneTrip extends SearchRepository {
  async readOnHelper(helper, read, extras) {
    const { p, set, vec, n, index, indexSettings } = read;
    const { client } = helper;
    try {
      const st = this.indexStatement(p, set, vec, n, index, [1], false);
      let statement;
      const capture = {
        query: async (sql, params) => {
          statement = sql.replace(/\$(\d+)/g, (_, i) => literal(params[Number(i) - 1]));
          return rows;
        },
      };
      let rows = [];
      await this.runNearest(capture, st.ctes, st.params, st.bind, st.tenant, extras.kind === 'none' ? '' : st.setId(), extras);
      const results = await client.query(
        `BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY; SET TRANSACTION SNAPSHOT '${indexSettings.snapshot}'; ${setLocalStatements({
          ...tenantSetting(p.tenantId),
          ...this.searchSettings(indexSettings.ef),
          'ivfflat.probes': String(indexSettings.probes),
        })}; ${statement}; COMMIT`,
      );
      rows = results.find((r) => r.command === 'SELECT').rows;
      helper.done();
      return this.runNearest(capture, st.ctes, st.params, st.bind, st.tenant, extras.kind === 'none' ? '' : st.setId(), extras);
    } catch (e) {
      await client.query('ROLLBACK').then(
        () => helper.done(),
        (err) => helper.done(err),
      );
      throw e;
    }
  }
}

const repos = { one: new OneTrip(config.vectorIndex), three: new SearchRepository(config.vectorIndex) };
const { space, topicsOf } = benchTenants();
const off = offTopicQuestions(space, topicsOf[0], 1, 20).map((literal) => JSON.parse(literal));
const on = topicsOf[0].slice(0, 10).map((t) => space.near(t, 0.7));
const questions = [...on, ...off];
const mode = process.env.MODE ?? 'vector';
const once = async (kind, vector, measured = true) => {
  const t0 = performance.now();
  await tdb.runFor(tenant.id, async (m) => {
    await repos[kind].search(m, { tenantId: tenant.id, vector, query: 'how do I reset my password', topK: 10, mode });
    if (measured && repos[kind].lastSplitRead !== 'parallel') throw new Error(`not read at once: ${repos[kind].lastSplitRead}`);
  });
  return performance.now() - t0;
};
for (let i = 0; i < 40; i++) for (const k of ['one', 'three']) await once(k, questions[i % questions.length], false);
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
