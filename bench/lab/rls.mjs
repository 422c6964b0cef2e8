// The RLS cost of one tenant's searches outside the bench's interleaved runs (bench/RESULTS-search-runs.md): N pairs of
// the same search through the runtime role's pool and the superuser's (RLS bypassed), alternating which goes first, after
// 50 unrecorded pairs. On the search bench's kept database (BENCH_KEEP=1 bash scripts/run.sh bench --only search):
//   TENANT="Bench 201" MODE=vector N=400 node bench/lab/rls.mjs      (Bench 201: the one-chunk tenant created after ANALYZE)
// Needs the environment's ADMIN_API_KEY and JWT_SECRET (any values) for loadConfig().
import { rlsLab, statementLabel } from './rls-setup.mjs';

const lab = await rlsLab({ poolMax: 4, mode: 'vector' });
// STATEMENTS=1: also each statement's own time (client side, in the order the search sends them), to tell which one
// carries the difference.
const perStatement = { runtime: [], superuser: [] };
const once = async (role, record) => {
  const t0 = performance.now();
  const times = [];
  await lab.search(
    role,
    process.env.STATEMENTS === '1'
      ? {
          onStatement: async (sql, _params, run) => {
            const s0 = performance.now();
            try {
              return await run();
            } finally {
              times.push([statementLabel(sql, 70), performance.now() - s0]);
            }
          },
        }
      : {},
  );
  if (record) perStatement[role].push(times);
  return performance.now() - t0;
};
for (let i = 0; i < 50; i++) {
  await once('runtime');
  await once('superuser');
}
const r = [];
const b = [];
const ratios = [];
for (let i = 0; i < Number(process.env.N ?? 400); i++) {
  const ms = {};
  for (const role of i % 2 ? ['runtime', 'superuser'] : ['superuser', 'runtime']) ms[role] = await once(role, true);
  r.push(ms.runtime);
  b.push(ms.superuser);
  ratios.push(ms.runtime / ms.superuser);
}
const q = (xs, p) => [...xs].sort((x, y) => x - y)[Math.floor(xs.length * p)];
console.log(
  `${lab.name} ${lab.mode}, ${r.length} pairs: runtime p10 ${q(r, 0.1).toFixed(2)} / p50 ${q(r, 0.5).toFixed(2)} ms; superuser p10 ${q(b, 0.1).toFixed(2)} / p50 ${q(b, 0.5).toFixed(2)} ms; ` +
    `ratio of p50s ${(q(r, 0.5) / q(b, 0.5)).toFixed(3)}, paired ${q(ratios, 0.5).toFixed(3)}, ratio of p10s ${(q(r, 0.1) / q(b, 0.1)).toFixed(3)}`,
);
if (process.env.STATEMENTS === '1') {
  const med = (xs) => q(xs, 0.5);
  for (let k = 0; k < perStatement.runtime[0].length; k++) {
    const rk = perStatement.runtime.map((t) => t[k]?.[1] ?? NaN);
    const bk = perStatement.superuser.map((t) => t[k]?.[1] ?? NaN);
    console.log(`  #${k} ${perStatement.runtime[0][k][0]}: runtime p50 ${med(rk).toFixed(3)} ms, superuser ${med(bk).toFixed(3)} ms`);
  }
}
await lab.close();
