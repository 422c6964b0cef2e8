// The custom and the generic plan of each statement of one tenant's search whose text matches PAT (a regular expression;
// default the exact scan), as EXPLAIN ANALYZE EXECUTE shows them: what a named statement's kept plan (named-statement.ts)
// reads against the plan made for the values. On the search bench's kept database:
//   ADMIN_API_KEY=x JWT_SECRET=y TENANT="Bench 4" MODE=vector node bench/lab/generic-plans.mjs
//   ADMIN_API_KEY=x JWT_SECRET=y TENANT="Bench 4" MODE=hybrid PAT='unnest\(\$3' node bench/lab/generic-plans.mjs
import { rlsLab } from './rls-setup.mjs';
const lab = await rlsLab({ poolMax: 1, mode: process.env.MODE ?? 'vector' });
const lit = (v) => (v === null ? 'NULL' : Array.isArray(v) ? `'{${v.join(',')}}'` : `'${String(v).replace(/'/g, "''")}'`);
await lab.search('runtime', {
  statements: 'unnamed',
  after: async (m, statements) => {
    for (const [sql, params] of statements) {
      if (!new RegExp(process.env.PAT ?? 'WITH c AS').test(sql)) continue;
      const c = m.queryRunner.databaseConnection;
      for (const mode of ['force_custom_plan', 'force_generic_plan']) {
        await m.query(`SELECT set_config('plan_cache_mode', $1, true)`, [mode]);
        const name = 'x' + mode + statements.indexOf(statements.find(([s]) => s === sql));
        await c.query({ name, text: sql, values: params });
        const r = await c.query(`EXPLAIN (ANALYZE, COSTS ${process.env.COSTS ?? 'OFF'}) EXECUTE ${name}(${params.map(lit).join(',')})`);
        console.log(mode + '\n' + r.rows.map((x) => x['QUERY PLAN']).join('\n'));
      }
    }
  },
});
await lab.close();
