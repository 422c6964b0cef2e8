// Can a search tell an on-topic question from an off-topic one before it reads its IVF lists (bench/LAYOUT.md,
// section 8)? On-topic questions reach recall@10 1.00 reading 13 % of the lists, off-topic ones need 35 %. The signal
// tried here: the question's distances to a fixed sample of the set's rows (SAMPLE rows, chosen at random once per
// set). An on-topic question has a few sampled rows much nearer than the rest; an off-topic one is about as far from
// all of them. Runs on the database a search bench leaves behind (BENCH_KEEP=1 bash scripts/run.sh bench --only
// search), on an IVF index it builds for each tenant of RANKS, as the superuser, outside the project's code.
//
//   RANKS=1,2,3 SAMPLE=64 SHARES=10,13,20,35 NQ=40 node bench/lab/focus.mjs
import pg from 'pg';
import { prng } from '../../dist/bench/support.js';
import { benchTenant, benchTenants, buildLabIvf } from './bench-tenants.mjs';
import { ivfCentres } from '../../dist/apps/worker/src/vector-index/ivf-centres.js';

const RANKS = (process.env.RANKS ?? '1,2,3').split(',').map(Number);
const NQ = Number(process.env.NQ ?? 40);
const SAMPLE = Number(process.env.SAMPLE ?? 64);
const SHARES = (process.env.SHARES ?? '10,13,20,35').split(',').map(Number);
// Rows per IVF list (VECTOR_IVF_LIST_ROWS; 1 000 as shipped): do finer lists let an on-topic question read less?
const LIST_ROWS = Number(process.env.LIST_ROWS ?? 1000);
const url = process.env.LAB_URL ?? 'postgres://postgres@127.0.0.1:5432/ragdocs_bench_search';
const c = new pg.Client({ connectionString: url });
await c.connect();

// The bench's tenants (search.bench.ts).
const { space, sizes, topicsOf } = benchTenants();

const settings = { jit: 'off', enable_seqscan: 'off', enable_sort: 'off', 'ivfflat.iterative_scan': 'relaxed_order' };
async function inTx(sql, params, extra = {}) {
  await c.query('BEGIN');
  for (const [k, v] of Object.entries({ ...settings, ...extra })) await c.query(`SELECT set_config($1, $2, true)`, [k, String(v)]);
  const start = process.hrtime.bigint();
  const r = await c.query(sql, params);
  const ms = Number(process.hrtime.bigint() - start) / 1e6;
  await c.query('COMMIT');
  return { ms, rows: r.rows };
}
const avg = (a) => (a.length ? a.reduce((x, y) => x + y, 0) / a.length : NaN);
const median = (a) => [...a].sort((x, y) => x - y)[Math.floor(a.length / 2)];

const all = []; // per query: kind, rank, signals, recall per share
for (const rank of RANKS) {
  // A lab IVF index as the worker builds one (one list per LIST_ROWS rows), over benchTenant()'s `indexed` rows.
  const t = await benchTenant(c, rank);
  const { scope, indexed } = t;
  t.lists = Math.max(1, Math.round(sizes[rank - 1] / LIST_ROWS));
  await buildLabIvf(c, 'lab_ivf', t.lists, indexed);
  const sample = (await c.query(`SELECT id FROM embeddings WHERE ${indexed} ORDER BY md5(id::text) LIMIT ${SAMPLE}`)).rows.map((r) => r.id);
  // The worker's centres (ivf-centres.ts), k as it chooses them.
  const cStart = Date.now();
  const centres = await ivfCentres(
    async (sql, params) => (await c.query(sql, params)).rows,
    { tenantId: t.id, setId: t.set_id, watermark: Number(t.watermark) },
    1536,
    Number(process.env.K ?? Math.min(64, t.lists)),
  );
  console.log(`  ${centres.length} centres in ${Date.now() - cStart} ms`);
  const topics = topicsOf[rank - 1];
  const qrnd = prng(4242 + rank);
  const off = Array.from({ length: 80 }, (_, i) => i).filter((i) => !topics.includes(i));
  const queries = [];
  for (let k = 0; k < NQ; k++) {
    queries.push({ kind: 'on', v: `[${space.near(topics[k % topics.length], 0.7).join(',')}]` });
    queries.push({ kind: 'off', v: `[${space.near(off[qrnd.int(off.length)], 0.7).join(',')}]` });
  }
  console.log(`tenant #${rank}: ${sizes[rank - 1]} rows, ${topics.length} topics, ${t.lists} lists`);
  for (const q of queries) {
    const exact = await inTx(
      `SELECT id FROM (SELECT id, embedding <=> $1::halfvec(1536) AS d FROM embeddings WHERE ${scope} OFFSET 0) x ORDER BY d, id LIMIT 10`,
      [q.v],
      { enable_sort: 'on', enable_seqscan: 'on' },
    );
    const ref = new Set(exact.rows.map((r) => r.id));
    const s = await inTx(
      `SELECT (e.embedding <=> $1::halfvec(1536))::float8 AS d FROM unnest($2::uuid[]) u(id)
       JOIN embeddings e ON e.tenant_id = '${t.id}' AND e.id = u.id AND e.set_id = ${t.set_id}`,
      [q.v, sample],
      { enable_sort: 'on' },
    );
    const d = s.rows.map((r) => r.d).sort((x, y) => x - y);
    const cs = await inTx(`SELECT (c <=> $1::halfvec)::float8 AS d FROM unnest($2::halfvec(1536)[]) c`, [q.v, centres]);
    const cd = cs.rows.map((r) => r.d).sort((x, y) => x - y);
    const cm = median(cd);
    const mad = median(cd.map((x) => Math.abs(x - cm)));
    const rec = {
      rank,
      kind: q.kind,
      dmin: d[0],
      d2: d[1],
      dmed: median(d),
      sampleMs: s.ms,
      focus: cd[0] / cm,
      z: (cm - cd[0]) / mad,
      focusMs: cs.ms,
      recall: {},
      ms: {},
    };
    for (const share of SHARES) {
      const probes = Math.max(1, Math.ceil((t.lists * share) / 100));
      const r = await inTx(
        `SELECT id FROM embeddings WHERE ${indexed} ORDER BY (embedding::halfvec(1536)) <=> $1::halfvec(1536) LIMIT 10`,
        [q.v],
        { 'ivfflat.probes': probes },
      );
      rec.recall[share] = r.rows.filter((x) => ref.has(x.id)).length / 10;
      rec.ms[share] = r.ms;
    }
    all.push(rec);
  }
  await c.query(`DROP INDEX lab_ivf`);
}

const f = (x) => x.toFixed(3);
for (const kind of ['on', 'off']) {
  const of = all.filter((r) => r.kind === kind);
  const ratio = of.map((r) => r.dmin / r.dmed);
  console.log(
    `${kind}-topic: dmin/dmed ${f(Math.min(...ratio))}–${f(Math.max(...ratio))} (median ${f(median(ratio))}); ` +
      SHARES.map((s) => `${s} %: recall ${f(avg(of.map((r) => r.recall[s])))} p50 ${median(of.map((r) => r.ms[s])).toFixed(1)} ms`).join(
        '; ',
      ) +
      `; sample read p50 ${median(of.map((r) => r.sampleMs)).toFixed(2)} ms` +
      `; centres: min/median ${f(Math.min(...of.map((r) => r.focus)))}–${f(Math.max(...of.map((r) => r.focus)))} (median ${f(median(of.map((r) => r.focus)))}), ` +
      `z (MAD) ${f(Math.min(...of.map((r) => r.z)))}–${f(Math.max(...of.map((r) => r.z)))} (median ${f(median(of.map((r) => r.z)))}), ${median(of.map((r) => r.focusMs)).toFixed(2)} ms`,
  );
}
// The rule: the low share when dmin/dmed < tau, else the high one (the last of SHARES).
const high = SHARES[SHARES.length - 1];
console.log(`\n| tau | low share | on-topic sent low | recall on / off | off-topic sent low | mean share read on / off |`);
console.log(`|---:|---:|---:|---:|---:|---:|`);
for (const low of SHARES.slice(0, -1))
  for (const tau of [0.5, 0.6, 0.7, 0.75, 0.8, 0.85, 0.9]) {
    const pick = (r) => ((process.env.SIGNAL === 'sample' ? r.dmin / r.dmed : r.focus) < tau ? low : high);
    const on = all.filter((r) => r.kind === 'on');
    const off = all.filter((r) => r.kind === 'off');
    const sentLow = (xs) => xs.filter((r) => pick(r) === low).length / xs.length;
    console.log(
      `| ${tau} | ${low} | ${f(sentLow(on))} | ${f(avg(on.map((r) => r.recall[pick(r)])))} / ${f(avg(off.map((r) => r.recall[pick(r)])))} | ${f(sentLow(off))} | ${avg(on.map(pick)).toFixed(1)} / ${avg(off.map(pick)).toFixed(1)} |`,
    );
  }
await c.end();
