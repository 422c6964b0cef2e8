// The custom and the generic plan of each statement of one tenant's search whose text matches PAT (a regular expression;
// default the exact scan), as EXPLAIN ANALYZE EXECUTE shows them: what a named statement's kept plan (named-statement.ts)
// reads against the plan made for the values. On the search bench's kept database:
//   ADMIN_API_KEY=x JWT_SECRET=y TENANT="Bench 4" MODE=vector node bench/lab/generic-plans.mjs
//   ADMIN_API_KEY=x JWT_SECRET=y TENANT="Bench 4" MODE=hybrid PAT='unnest\(\$3' node bench/lab/generic-plans.mjs
import { planOf } from '../../dist/test/support/statement-plans.js';
import { rlsLab } from './rls-setup.mjs';

const lab = await rlsLab({ poolMax: 1, mode: process.env.MODE ?? 'vector' });
await lab.search('runtime', {
  statements: 'unnamed',
  after: async (m, statements) => {
    for (const [i, [text, values]] of statements.entries()) {
      if (!new RegExp(process.env.PAT ?? 'WITH c AS').test(text)) continue;
      for (const mode of ['force_custom_plan', 'force_generic_plan']) {
        await m.query(`SELECT set_config('plan_cache_mode', $1, true)`, [mode]);
        // Prepared under its own name on this connection, then shown through EXECUTE: the plan plan_cache_mode picks.
        const name = `lab_${mode}_${i}`;
        await m.queryRunner.databaseConnection.query({ name, text, values });
        console.log(`${mode}\n${await planOf(m, { text, values, name })}`);
      }
    }
  },
});
await lab.close();
