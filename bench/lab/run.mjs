import pg from 'pg';
import fs from 'node:fs';
const LAB = process.env.LAB_DIR || '/tmp/ragdocs-lab';
fs.mkdirSync(LAB, { recursive: true });

const { qs } = JSON.parse(fs.readFileSync(`${LAB}/queries.json`));
const K = 10;
const table = process.env.T || 'ev';
const col = process.env.COL || 'embedding';
const S = {
  exact: () => [
    `WITH c AS MATERIALIZED (SELECT id, ${col} <=> $2::vector AS d FROM ${table} WHERE tenant_id=$1) SELECT id FROM c ORDER BY d LIMIT ${K}`,
  ],
  exacthalf: () => [
    `WITH c AS MATERIALIZED (SELECT id, ${col} <=> $2::halfvec AS d FROM ${table} WHERE tenant_id=$1) SELECT id FROM c ORDER BY d LIMIT ${K}`,
  ],
  hnsw: (q, ef) => [
    `SET LOCAL hnsw.iterative_scan=relaxed_order`,
    `SET LOCAL hnsw.ef_search=${ef}`,
    `SET LOCAL hnsw.max_scan_tuples=${process.env.MST || 20000}`,
    `WITH c AS MATERIALIZED (SELECT id, ${col} <=> $2::vector AS d FROM ${table} WHERE tenant_id=$1 ORDER BY ${col} <=> $2::vector LIMIT ${K}) SELECT id FROM c ORDER BY d`,
  ],
  hnswhalf: (q, ef) => [
    `SET LOCAL hnsw.iterative_scan=relaxed_order`,
    `SET LOCAL hnsw.ef_search=${ef}`,
    `SET LOCAL hnsw.max_scan_tuples=${process.env.MST || 20000}`,
    `WITH c AS MATERIALIZED (SELECT id, ${col} AS v FROM ${table} WHERE tenant_id=$1 ORDER BY ${col} <=> $2::halfvec(1536) LIMIT ${process.env.CAND || K}) SELECT id FROM c ORDER BY v <=> $2::halfvec LIMIT ${K}`,
  ],
  bq: (q, ef) => [
    `SET LOCAL hnsw.iterative_scan=relaxed_order`,
    `SET LOCAL hnsw.ef_search=${ef}`,
    `SET LOCAL hnsw.max_scan_tuples=${process.env.MST || 20000}`,
    `WITH c AS MATERIALIZED (SELECT id, ${col} AS v FROM ${table} WHERE tenant_id=$1 ORDER BY binary_quantize(${col})::bit(1536) <~> binary_quantize($2::vector) LIMIT ${process.env.CAND || 100}) SELECT id FROM c ORDER BY v <=> $2::vector LIMIT ${K}`,
  ],
  bqflat: () => [
    `WITH c AS MATERIALIZED (SELECT id, bq <~> binary_quantize($2::vector) AS h FROM ${table} WHERE tenant_id=$1), top AS (SELECT id FROM c ORDER BY h LIMIT ${process.env.CAND || 100}) SELECT t.id FROM top t JOIN ${table} e ON e.tenant_id=$1 AND e.id=t.id ORDER BY e.${col} <=> $2::vector LIMIT ${K}`,
  ],
};
const strat = process.argv[2],
  efs = (process.argv[3] || '40').split(',').map(Number);
const ranks = (process.env.RANKS || '1,2,3,5,10,20,50,100,199').split(',').map(Number);
const c = new pg.Client({ connectionString: 'postgres://postgres@127.0.0.1:5432/lab' });
await c.connect();
await c.query(`SET jit=off`);
let ref = {};
if (fs.existsSync(`${LAB}/ref.json`)) ref = JSON.parse(fs.readFileSync(`${LAB}/ref.json`));
const pct = (xs, p) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.ceil((p / 100) * s.length) - 1)];
};
for (const ef of efs) {
  const out = {};
  for (const [i, q] of qs.entries()) {
    if (!ranks.includes(q.rank)) continue;
    const v = `[${q.vec.join(',')}]`;
    await c.query('BEGIN');
    const stmts = S[strat](q, ef);
    let r;
    const t0 = performance.now();
    for (const st of stmts) {
      r = st.includes('$1') ? await c.query(st, [q.tenant, v]) : await c.query(st);
    }
    const ms = performance.now() - t0;
    await c.query('COMMIT');
    const ids = r.rows.map((x) => x.id);
    if (strat === 'exact' && !process.env.NOREF) ref[i] = ids;
    const rr = ref[i];
    const rec = rr ? ids.filter((x) => rr.includes(x)).length / rr.length : NaN;
    const key = `${q.rank}(${q.size}) ${q.kind}`;
    (out[key] ??= []).push({ ms, rec, n: ids.length });
  }
  for (const [k, xs] of Object.entries(out))
    console.log(
      `${strat} ef=${ef} ${k.padEnd(14)} p50 ${pct(
        xs.map((x) => x.ms),
        50,
      ).toFixed(1)} p95 ${pct(
        xs.map((x) => x.ms),
        95,
      ).toFixed(
        1,
      )} recall ${(xs.reduce((a, x) => a + x.rec, 0) / xs.length).toFixed(3)} min ${Math.min(...xs.map((x) => x.rec)).toFixed(2)} short ${xs.filter((x) => x.n < 10).length}`,
    );
}
if (strat === 'exact' && !process.env.NOREF) fs.writeFileSync(`${LAB}/ref.json`, JSON.stringify(ref));
await c.end();
