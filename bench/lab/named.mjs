// Named statements (plans kept per connection, SEARCH_NAMED_STATEMENTS=true) against unnamed ones (planned on every
// search), by role: one tenant's search N times in each of the four variants, their order rotating, after 50 unrecorded
// rounds. Reports each variant's p10/p50 and the paired ratios: RLS cost (runtime / superuser) with and without named
// statements, and named / unnamed for each role. On the search bench's kept database
// (BENCH_KEEP=1 bash scripts/run.sh bench --only search):
//   ADMIN_API_KEY=x JWT_SECRET=y TENANT="Bench 201" MODE=hybrid N=300 node bench/lab/named.mjs
// Needs the environment's ADMIN_API_KEY and JWT_SECRET (any values) for loadConfig().
import { rlsLab } from './rls-setup.mjs';

const lab = await rlsLab({ poolMax: 4, mode: 'hybrid' });
const variants = [
  ['runtime', 'named'],
  ['superuser', 'named'],
  ['runtime', 'unnamed'],
  ['superuser', 'unnamed'],
];
const key = ([role, kind]) => `${role}/${kind}`;
const once = async ([role, kind]) => {
  const t0 = performance.now();
  await lab.search(role, { statements: kind });
  return performance.now() - t0;
};
for (let i = 0; i < 50; i++) for (const v of variants) await once(v);
const ms = Object.fromEntries(variants.map((v) => [key(v), []]));
const N = Number(process.env.N ?? 300);
for (let i = 0; i < N; i++)
  for (let j = 0; j < variants.length; j++) {
    const v = variants[(i + j) % variants.length];
    ms[key(v)].push(await once(v));
  }
const q = (xs, p) => [...xs].sort((x, y) => x - y)[Math.floor(xs.length * p)];
const paired = (a, b) =>
  q(
    ms[a].map((x, i) => x / ms[b][i]),
    0.5,
  ).toFixed(3);
console.log(`${lab.name} ${lab.mode}, ${N} rounds of the four variants:`);
for (const v of variants)
  console.log(`  ${key(v).padEnd(18)} p10 ${q(ms[key(v)], 0.1).toFixed(2)} / p50 ${q(ms[key(v)], 0.5).toFixed(2)} ms`);
console.log(
  `  RLS cost (runtime / superuser, paired): named ${paired('runtime/named', 'superuser/named')}, unnamed ${paired('runtime/unnamed', 'superuser/unnamed')}`,
);
console.log(
  `  named / unnamed (paired): runtime ${paired('runtime/named', 'runtime/unnamed')}, superuser ${paired('superuser/named', 'superuser/unnamed')}`,
);
// What the kept statements cost a connection: their number and the memory of their plan-cache contexts (the statement's
// source, its query trees and its generic plan), read on whichever pooled connection of the superuser the last search
// had (pg_backend_memory_contexts is the superuser's; its statements are the runtime role's).
await lab.search('superuser', {
  statements: 'named',
  after: async (m) => {
    const [kept] = await m.query(
      `SELECT count(*)::int AS n,
              (SELECT COALESCE(sum(c.total_bytes), 0)::bigint FROM pg_backend_memory_contexts c
               WHERE c.name IN ('CachedPlanSource', 'CachedPlanQuery', 'CachedPlan')
                 AND EXISTS (SELECT 1 FROM pg_prepared_statements p WHERE p.name LIKE 'rag\\_%' AND left(p.statement, 200) = left(c.ident, 200))) AS bytes
       FROM pg_prepared_statements WHERE name LIKE 'rag\\_%'`,
    );
    console.log(`  kept on one connection: ${kept.n} named statements, ${(Number(kept.bytes) / 1024).toFixed(0)} kB of plan cache`);
  },
});
await lab.close();
