// What an off-topic search of the largest tenant costs the backend that runs it (bench/LAYOUT.md, section 10): the IVF
// statement alone, reading SHARE % of a lab index's lists (one list per 250 rows, as the worker builds it), as the
// superuser, on the database the search bench keeps (BENCH_KEEP=1 bash scripts/run.sh bench --only search). Prints the
// first statement of a fresh backend, then over N statements (20 questions in turn): the backend's user and system CPU
// per statement (from /proc, so run it on the database's machine), the median of each question's fastest run, p50, p95.
//
//   BUILD=1 node bench/lab/rowcost.mjs      # once: builds the lab index lab_ivf
//   N=200 node bench/lab/rowcost.mjs
import { readFileSync } from 'node:fs';
import pg from 'pg';
import { benchTenant, benchTenants, buildLabIvf, offTopicQuestions } from './bench-tenants.mjs';

const url = process.env.LAB_URL ?? 'postgres://postgres@127.0.0.1:5432/ragdocs_bench_search';
const c = new pg.Client({ connectionString: url });
await c.connect();
const { space, sizes, topicsOf } = benchTenants();
const rank = Number(process.env.RANK ?? 1);
const { indexed } = await benchTenant(c, rank);
const lists = Math.round(sizes[rank - 1] / 250);
if (process.env.BUILD) await buildLabIvf(c, 'lab_ivf', lists, indexed);
const qs = offTopicQuestions(space, topicsOf[rank - 1], rank, 20);
const probes = Math.ceil((lists * Number(process.env.SHARE ?? 35)) / 100);
await c.query(`SET jit = off; SET enable_seqscan = off; SET enable_sort = off; SET ivfflat.probes = ${probes}`);
const sql = `SELECT id FROM embeddings WHERE ${indexed} ORDER BY (embedding::halfvec(1536)) <=> $1::halfvec(1536) LIMIT 10`;
const pid = (await c.query('SELECT pg_backend_pid() AS p')).rows[0].p;
// utime and stime, in clock ticks (fields 14 and 15 of /proc/<pid>/stat).
const cpu = () => readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ').slice(11, 13).map(Number);
let s = performance.now();
await c.query(sql, [qs[0]]);
const first = performance.now() - s;
const N = Number(process.env.N ?? 200);
const ms = [];
const best = qs.map(() => Infinity);
const c0 = cpu();
for (let i = 0; i < N; i++) {
  s = performance.now();
  await c.query(sql, [qs[i % qs.length]]);
  const d = performance.now() - s;
  ms.push(d);
  best[i % qs.length] = Math.min(best[i % qs.length], d);
}
const c1 = cpu();
const pct = (a, p) => [...a].sort((x, y) => x - y)[Math.floor(a.length * p)];
const tick = 1000 / 100; // ms per clock tick (USER_HZ 100)
console.log(
  JSON.stringify({
    lists,
    probes,
    firstMs: +first.toFixed(1),
    userMs: +(((c1[0] - c0[0]) * tick) / N).toFixed(2),
    sysMs: +(((c1[1] - c0[1]) * tick) / N).toFixed(2),
    bestMedian: +pct(best, 0.5).toFixed(1),
    p50: +pct(ms, 0.5).toFixed(1),
    p95: +pct(ms, 0.95).toFixed(1),
  }),
);
await c.end();
