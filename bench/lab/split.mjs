// Would two half-size IVF indexes, searched at once on two connections, halve an off-topic search of the largest tenant
// (bench/LAYOUT.md, section 10)? Builds (BUILD=1) the same lab index as rowcost.mjs (lab_ivf, one list per 250 rows)
// and two partial ones over the even and odd seqs (lab_ivf_0, lab_ivf_1, half the lists each), then times 20 off-topic
// questions: the one index at SHARE % of its lists, and both halves at SHARE % of theirs, one connection each, their
// top 10s merged. Recall@10 of each against the exact top 10. On the search bench's kept database, as the superuser.
//
//   BUILD=1 node bench/lab/split.mjs
import pg from 'pg';
import { benchTenant, benchTenants, buildLabIvf, offTopicQuestions } from './bench-tenants.mjs';

const url = process.env.LAB_URL ?? 'postgres://postgres@127.0.0.1:5432/ragdocs_bench_search';
const cs = [new pg.Client(url), new pg.Client(url)];
for (const x of cs) await x.connect();
const c = cs[0];
const { space, sizes, topicsOf } = benchTenants();
const rank = Number(process.env.RANK ?? 1);
const { scope, indexed } = await benchTenant(c, rank);
const lists = Math.round(sizes[rank - 1] / 250);
const half = Math.round(lists / 2);
const V = `(embedding::halfvec(1536)) <=> $1::halfvec(1536)`;
if (process.env.BUILD) {
  await buildLabIvf(c, 'lab_ivf', lists, indexed);
  for (const k of [0, 1]) await buildLabIvf(c, `lab_ivf_${k}`, half, `${indexed} AND (seq % 2) = ${k}`);
}
const qs = offTopicQuestions(space, topicsOf[rank - 1], rank, 20);
const share = Number(process.env.SHARE ?? 35);
const one = `SELECT id, ${V} AS d FROM embeddings WHERE ${indexed} ORDER BY ${V} LIMIT 10`;
const part = (k) => `SELECT id, ${V} AS d FROM embeddings WHERE ${indexed} AND (seq % 2) = ${k} ORDER BY ${V} LIMIT 10`;
const exact = `SELECT id FROM (SELECT id, ${V} AS d FROM embeddings WHERE ${scope} OFFSET 0) x ORDER BY d, id LIMIT 10`;
async function tx(x, sql, q, probes, sort = 'off') {
  await x.query('BEGIN');
  await x.query(
    `SELECT set_config('jit', 'off', true), set_config('enable_seqscan', 'off', true), set_config('enable_sort', $2, true), set_config('ivfflat.probes', $1, true)`,
    [String(probes), sort],
  );
  const r = await x.query(sql, [q]);
  await x.query('COMMIT');
  return r.rows;
}
const refs = [];
for (const q of qs) refs.push(new Set((await tx(c, exact, q, 1, 'on')).map((r) => r.id)));
const res = { one: { ms: [], rec: [] }, halves: { ms: [], rec: [] } };
const R = Number(process.env.R ?? 5);
for (let r = 0; r < R; r++)
  for (const [i, q] of qs.entries()) {
    let s = performance.now();
    const a = await tx(c, one, q, Math.ceil((lists * share) / 100));
    res.one.ms.push(performance.now() - s);
    s = performance.now();
    const p = Math.ceil((half * share) / 100);
    const [h0, h1] = await Promise.all([tx(cs[0], part(0), q, p), tx(cs[1], part(1), q, p)]);
    const b = [...h0, ...h1].sort((x, y) => x.d - y.d).slice(0, 10);
    res.halves.ms.push(performance.now() - s);
    if (r === 0) {
      res.one.rec.push(a.filter((x) => refs[i].has(x.id)).length / 10);
      res.halves.rec.push(b.filter((x) => refs[i].has(x.id)).length / 10);
    }
  }
const pct = (a, p) => [...a].sort((x, y) => x - y)[Math.floor(a.length * p)];
for (const [k, v] of Object.entries(res))
  console.log(
    `${k}: p50 ${pct(v.ms, 0.5).toFixed(1)} ms, p95 ${pct(v.ms, 0.95).toFixed(1)} ms, recall@10 ${(v.rec.reduce((x, y) => x + y, 0) / v.rec.length).toFixed(3)}`,
  );
for (const x of cs) await x.end();
