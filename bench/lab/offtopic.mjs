// Off-topic recall of the largest tenant: what more search effort buys (bench/LAYOUT.md, section 6).
// Runs on the database a search bench leaves behind (BENCH_KEEP=1 bash scripts/run.sh bench --only search),
// as the superuser, outside the project's code. It re-creates the bench's vector space and the tenant's topics
// (same seeds), makes NQ on- and NQ off-topic queries, takes the exact top 10 of each as the reference, and
// measures recall@10 and latency of each variant in VARIANTS (ef_search:rows read from the index, iterative
// scans continuing past ef_search when more rows are read; the 10 nearest of them are kept).
// SPLIT=seq|par searches two HNSW graphs over the two halves of the tenant's rows (seq % 2; the script builds
// them, lab_half0/1, and drops them at the end unless KEEP_HALVES=1), one after the other or at once on two
// connections (the wall time of the slower one counts).
//
//   node bench/lab/offtopic.mjs                         # single graph, the default variants
//   SPLIT=par VARIANTS=400:10,1000:10 node bench/lab/offtopic.mjs
import pg from 'pg';
import { prng } from '../../dist/bench/support.js';
import { benchTenants } from './bench-tenants.mjs';

const RANK = Number(process.env.RANK ?? 1);
const NQ = Number(process.env.NQ ?? 30);
const SPLIT = process.env.SPLIT ?? '';
// IVF=<lists>: a partial IVFFlat index over the tenant's rows instead of its HNSW graph; VARIANTS are then probes:rows.
const IVF = Number(process.env.IVF ?? 0);
const VARIANTS = (process.env.VARIANTS ?? '400:10,1000:10,200:1000,1000:1500,1000:2500').split(',').map((s) => s.split(':').map(Number));
const url = process.env.LAB_URL ?? 'postgres://postgres@127.0.0.1:5432/ragdocs_bench_search';
const clients = [new pg.Client({ connectionString: url }), new pg.Client({ connectionString: url })];
await Promise.all(clients.map((c) => c.connect()));
const [c] = clients;

// The bench's tenants (search.bench.ts).
const { space, sizes, topicsOf } = benchTenants();
const topics = topicsOf[RANK - 1];
const {
  rows: [t],
} = await c.query(`SELECT t.id, v.set_id, v.watermark FROM tenants t JOIN vector_indexes v ON v.tenant_id = t.id WHERE t.name = $1`, [
  `Bench ${RANK}`,
]);
console.log(`tenant #${RANK}: ${sizes[RANK - 1]} rows, ${topics.length} topics, index up to seq ${t.watermark}`);

const qrnd = prng(4242);
const off = Array.from({ length: 80 }, (_, i) => i).filter((i) => !topics.includes(i));
const queries = [];
for (let k = 0; k < NQ; k++) {
  queries.push({ kind: 'on', v: `[${space.near(topics[k % topics.length], 0.7).join(',')}]` });
  queries.push({ kind: 'off', v: `[${space.near(off[qrnd.int(off.length)], 0.7).join(',')}]` });
}

const scope = `tenant_id = '${t.id}' AND set_id = ${t.set_id}`;
const graph = (part, rows) =>
  `SELECT id, embedding <=> $1::halfvec(1536) AS d FROM embeddings WHERE ${scope} AND seq <= ${t.watermark}${part}
   ORDER BY (embedding::halfvec(1536)) <=> $1::halfvec(1536) LIMIT ${rows}`;
const top10 = (inner) => `SELECT id, d FROM (${inner}) x ORDER BY d LIMIT 10`;

async function begin(client, settings) {
  await client.query('BEGIN');
  for (const [k, v] of Object.entries(settings)) await client.query(`SELECT set_config($1, $2, true)`, [k, String(v)]);
}
const toRows = (r) => r.rows.map((x) => ({ id: x.id, d: Number(x.d) }));

/** One statement in a transaction with `settings`; only the statement is timed. */
async function timed(client, sql, q, settings) {
  await begin(client, settings);
  const start = process.hrtime.bigint();
  const r = await client.query(sql, [q]);
  const ms = Number(process.hrtime.bigint() - start) / 1e6;
  await client.query('COMMIT');
  return { ms, rows: toRows(r) };
}

/** The two halves at once on two connections: the wall time from sending both to having both. */
async function together(sqls, q, settings) {
  await Promise.all(clients.map((x) => begin(x, settings)));
  const start = process.hrtime.bigint();
  const rs = await Promise.all(sqls.map((sql, k) => clients[k].query(sql, [q])));
  const ms = Number(process.hrtime.bigint() - start) / 1e6;
  await Promise.all(clients.map((x) => x.query('COMMIT')));
  return {
    ms,
    rows: rs
      .flatMap(toRows)
      .sort((a, b) => a.d - b.d)
      .slice(0, 10),
  };
}

const pctl = (a, p) => [...a].sort((x, y) => x - y)[Math.min(a.length - 1, Math.ceil(p * a.length) - 1)];
const avg = (a) => a.reduce((x, y) => x + y, 0) / a.length;

// The reference: every row of the tenant compared (the partial indexes cannot serve a query without their predicate).
const exact = [];
for (const q of queries)
  exact.push(await timed(c, top10(`SELECT id, embedding <=> $1::halfvec(1536) AS d FROM embeddings WHERE ${scope}`), q.v, { jit: 'off' }));
for (const kind of ['on', 'off']) {
  const of = exact.filter((_, i) => queries[i].kind === kind);
  const d1 = of.map((r) => r.rows[0].d);
  const spread = of.map((r) => r.rows[9].d - r.rows[0].d);
  console.log(
    `${kind}-topic exact scan: p50 ${pctl(
      of.map((r) => r.ms),
      0.5,
    ).toFixed(
      1,
    )} ms; top-1 distance ${Math.min(...d1).toFixed(3)}–${Math.max(...d1).toFixed(3)}; 10th − 1st ≤ ${Math.max(...spread).toFixed(3)}`,
  );
}

// The IVF index's predicate (seq < watermark + 1) is one the HNSW graph's (seq <= watermark) cannot be proved from,
// so a query written with it can only take the IVF index or an exact scan (off here).
const ivfScope = `${scope} AND seq < ${Number(t.watermark) + 1}`;
if (IVF) {
  await c.query(`SET maintenance_work_mem = '1GB'`);
  await c.query(`DROP INDEX IF EXISTS lab_ivf`);
  const start = Date.now();
  await c.query(
    `CREATE INDEX lab_ivf ON embeddings USING ivfflat ((embedding::halfvec(1536)) halfvec_cosine_ops) WITH (lists = ${IVF}) WHERE ${ivfScope}`,
  );
  console.log(`lab_ivf (lists ${IVF}) ready in ${((Date.now() - start) / 1000).toFixed(1)} s`);
}
if (SPLIT) {
  await c.query(`SET maintenance_work_mem = '1GB'`);
  for (const k of [0, 1]) {
    const start = Date.now();
    await c.query(
      `CREATE INDEX IF NOT EXISTS lab_half${k} ON embeddings USING hnsw ((embedding::halfvec(1536)) halfvec_cosine_ops)
       WITH (m = 32, ef_construction = 200) WHERE ${scope} AND seq <= ${t.watermark} AND seq % 2 = ${k}`,
    );
    console.log(`lab_half${k} ready in ${((Date.now() - start) / 1000).toFixed(1)} s`);
  }
}

const base = {
  jit: 'off',
  enable_seqscan: 'off',
  enable_sort: 'off',
  'hnsw.iterative_scan': 'relaxed_order',
  'hnsw.max_scan_tuples': 100000,
};
for (const [ef, rows] of VARIANTS) {
  const settings = IVF ? { ...base, 'ivfflat.probes': ef } : { ...base, 'hnsw.ef_search': ef };
  const res = { on: { ms: [], recall: [] }, off: { ms: [], recall: [] } };
  for (let i = 0; i < queries.length; i++) {
    const q = queries[i];
    let found;
    if (IVF)
      found = await timed(
        c,
        top10(`SELECT id, embedding <=> $1::halfvec(1536) AS d FROM embeddings WHERE ${ivfScope}
               ORDER BY (embedding::halfvec(1536)) <=> $1::halfvec(1536) LIMIT ${rows}`),
        q.v,
        settings,
      );
    else if (!SPLIT) found = await timed(c, top10(graph('', rows)), q.v, settings);
    else if (SPLIT === 'seq')
      found = await timed(c, top10(`(${graph(' AND seq % 2 = 0', rows)}) UNION ALL (${graph(' AND seq % 2 = 1', rows)})`), q.v, settings);
    else
      found = await together(
        [0, 1].map((k) => top10(graph(` AND seq % 2 = ${k}`, rows))),
        q.v,
        settings,
      );
    const ref = new Set(exact[i].rows.map((r) => r.id));
    res[q.kind].ms.push(found.ms);
    res[q.kind].recall.push(found.rows.filter((r) => ref.has(r.id)).length / ref.size);
  }
  const all = [...res.on.ms, ...res.off.ms];
  console.log(
    `${SPLIT ? `two halves (${SPLIT}), ` : ''}${IVF ? `ivfflat lists ${IVF}, probes` : 'ef'} ${ef}, ${rows} rows read: recall on ${avg(res.on.recall).toFixed(3)} / off ${avg(res.off.recall).toFixed(3)}; ` +
      `p50 on ${pctl(res.on.ms, 0.5).toFixed(1)} / off ${pctl(res.off.ms, 0.5).toFixed(1)} ms; p95 of all ${pctl(all, 0.95).toFixed(1)} ms`,
  );
}
if (IVF && !process.env.KEEP_HALVES) await c.query(`DROP INDEX IF EXISTS lab_ivf`);
if (SPLIT && !process.env.KEEP_HALVES) await c.query(`DROP INDEX IF EXISTS lab_half0, lab_half1`);
await Promise.all(clients.map((x) => x.end()));
