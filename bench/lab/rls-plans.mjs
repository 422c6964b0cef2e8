// Where a small search's RLS cost goes: planning or execution. Each statement of one tenant's search (as the search sends
// it, in its own transaction and settings) run again under EXPLAIN (ANALYZE, SUMMARY) N times per role, the runtime
// role's pool and the superuser's (RLS bypassed) alternating; medians of the server's planning and execution times.
// On the search bench's kept database (BENCH_KEEP=1 bash scripts/run.sh bench --only search):
//   ADMIN_API_KEY=x JWT_SECRET=y TENANT="Bench 201" MODE=hybrid N=200 node bench/lab/rls-plans.mjs
import { rlsLab, statementLabel } from './rls-setup.mjs';

const lab = await rlsLab({ poolMax: 2, mode: 'hybrid' });
const times = { runtime: [], superuser: [] }; // per run: [planning, execution, label] per statement

async function once(role) {
  // Unnamed statements: each passes through m.query, where this sees it (and plans it as the search did before named ones).
  await lab.search(role, {
    statements: 'unnamed',
    after: async (m, statements) => {
      const run = [];
      for (const [sql, params] of statements.filter(([sql]) => !/^\s*SELECT set_config/.test(sql))) {
        const plan = (await m.query(`EXPLAIN (ANALYZE, SUMMARY, TIMING OFF, COSTS OFF) ${sql}`, params))
          .map((r) => r['QUERY PLAN'])
          .join('\n');
        run.push([
          Number(/Planning Time: ([\d.]+)/.exec(plan)?.[1]),
          Number(/Execution Time: ([\d.]+)/.exec(plan)?.[1]),
          statementLabel(sql, 60),
        ]);
      }
      times[role].push(run);
    },
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
  `${lab.name} ${lab.mode}, ${N} runs per role, sums of the medians: planning ${sum.runtime[0].toFixed(3)} / ${sum.superuser[0].toFixed(3)} ms, execution ${sum.runtime[1].toFixed(3)} / ${sum.superuser[1].toFixed(3)} ms`,
);
await lab.close();
