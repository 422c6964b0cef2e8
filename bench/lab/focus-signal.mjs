// Which statistic of a question's distances to a set's centres tells on- from off-topic questions across embeddings
// (bench/LAYOUT.md, section 8)? Prints, for the set's registered centres (vector_indexes.centres), each question's
// statistics and its recall@10 reading the focused and the full share of the IVF lists.
//   DATA=bench   the search bench's database (BENCH_KEEP=1 … --only search; RANK, default 1): its vector space,
//                on-topic = near one of the tenant's topics, off-topic = near another
//   DATA=api     the API bench's database (BENCH_KEEP=1 … --only api): LocalEmbedder vectors of synthetic texts,
//                on-topic = topicQuery of a seeded topic (0–39), off-topic = of an unseeded one (40–79)
import pg from 'pg';
import { prng, topicQuery } from '../../dist/bench/support.js';
import { benchTenants } from './bench-tenants.mjs';
import { LocalEmbedder } from '../../dist/libs/ai/embedding/local.embedder.js';

const DATA = process.env.DATA ?? 'bench';
const NQ = Number(process.env.NQ ?? 40);
const SHARES = (process.env.SHARES ?? '7.5,15,35').split(',').map(Number);
const db = DATA === 'api' ? 'ragdocs_bench_api' : 'ragdocs_bench_search';
const c = new pg.Client({ connectionString: process.env.LAB_URL ?? `postgres://postgres@127.0.0.1:5432/${db}` });
await c.connect();

let reg;
const queries = [];
if (DATA === 'api') {
  reg = (
    await c.query(
      `SELECT tenant_id, set_id, watermark, lists, centres::text[] AS centres FROM vector_indexes WHERE method = 'ivfflat' LIMIT 1`,
    )
  ).rows[0];
  const e = new LocalEmbedder(1536);
  const rnd = prng(99);
  const on = Array.from({ length: NQ }, (_, i) => topicQuery(rnd, i % 40));
  const off = Array.from({ length: NQ }, (_, i) => topicQuery(rnd, 40 + (i % 40)));
  const [vo, vf] = [await e.embed(on), await e.embed(off)];
  vo.forEach((v) => queries.push({ kind: 'on', v: `[${v.join(',')}]` }));
  vf.forEach((v) => queries.push({ kind: 'off', v: `[${v.join(',')}]` }));
} else {
  const RANK = Number(process.env.RANK ?? 1);
  const { space, topicsOf } = benchTenants();
  const topics = topicsOf[RANK - 1];
  reg = (
    await c.query(
      `SELECT v.tenant_id, v.set_id, v.watermark, v.lists, v.centres::text[] AS centres FROM tenants t JOIN vector_indexes v ON v.tenant_id = t.id WHERE t.name = $1 AND v.method = 'ivfflat'`,
      [`Bench ${RANK}`],
    )
  ).rows[0];
  const qrnd = prng(4242 + RANK);
  const off = Array.from({ length: 80 }, (_, i) => i).filter((i) => !topics.includes(i));
  for (let k = 0; k < NQ; k++) {
    queries.push({ kind: 'on', v: `[${space.near(topics[k % topics.length], 0.7).join(',')}]` });
    queries.push({ kind: 'off', v: `[${space.near(off[qrnd.int(off.length)], 0.7).join(',')}]` });
  }
}
// K=<n>: n centres computed here as the worker computes them (ivf-centres.ts) instead of the registered ones.
if (process.env.K) {
  const { ivfCentres } = await import('../../dist/apps/worker/src/vector-index/ivf-centres.js');
  const t0 = Date.now();
  reg.centres = await ivfCentres(
    async (sql, params) => (await c.query(sql, params)).rows,
    { tenantId: reg.tenant_id, setId: reg.set_id, watermark: Number(reg.watermark) },
    1536,
    Number(process.env.K),
  );
  console.log(`${reg.centres.length} centres computed in ${Date.now() - t0} ms`);
}
if (!reg?.centres) throw new Error('no IVF index with centres registered');
const scope = `tenant_id = '${reg.tenant_id}' AND set_id = ${reg.set_id}`;
const indexed = `${scope} AND seq <= ${reg.watermark}`;
console.log(`${DATA}: ${reg.lists} lists, ${reg.centres.length} centres`);

async function inTx(sql, params, settings) {
  await c.query('BEGIN');
  for (const [k, v] of Object.entries(settings)) await c.query(`SELECT set_config($1, $2, true)`, [k, String(v)]);
  const r = await c.query(sql, params);
  await c.query('COMMIT');
  return r.rows;
}
const med = (a) => {
  const s = [...a].sort((x, y) => x - y);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};
const rows = [];
for (const q of queries) {
  const d = (
    await c.query(`SELECT (c::halfvec(1536) <=> $1::halfvec(1536))::float8 AS d FROM unnest($2::text[]) c`, [q.v, reg.centres])
  ).rows
    .map((r) => r.d)
    .sort((a, b) => a - b);
  const m = med(d);
  const mad = med(d.map((x) => Math.abs(x - m)));
  const ref = new Set(
    (
      await inTx(
        `SELECT id FROM (SELECT id, embedding <=> $1::halfvec(1536) AS d FROM embeddings WHERE ${scope} OFFSET 0) x ORDER BY d, id LIMIT 10`,
        [q.v],
        { jit: 'off' },
      )
    ).map((r) => r.id),
  );
  const recall = {};
  const ids = {};
  for (const share of SHARES) {
    const got = await inTx(
      `SELECT id FROM embeddings WHERE ${indexed} ORDER BY (embedding::halfvec(1536)) <=> $1::halfvec(1536) LIMIT 10`,
      [q.v],
      { jit: 'off', enable_seqscan: 'off', enable_sort: 'off', 'ivfflat.probes': Math.max(1, Math.ceil((reg.lists * share) / 100)) },
    );
    recall[share] = got.filter((r) => ref.has(r.id)).length / Math.max(1, ref.size);
    ids[share] = got.map((r) => r.id);
  }
  // Stability: the top 10 reading SHARES[0] and reading SHARES[1] share this many rows.
  const stable = ids[SHARES[1]].filter((id) => ids[SHARES[0]].includes(id)).length;
  rows.push({
    kind: q.kind,
    stable,
    ratio: d[0] / m,
    z: (m - d[0]) / (mad || 1e-9),
    gap: (d[1] - d[0]) / (m - d[0] || 1e-9),
    dmin: d[0],
    dmed: m,
    recall,
  });
}
const f = (x) => x.toFixed(3);
for (const kind of ['on', 'off']) {
  const xs = rows.filter((r) => r.kind === kind);
  const rng = (k) =>
    `${f(Math.min(...xs.map((r) => r[k])))}–${f(Math.max(...xs.map((r) => r[k])))} (median ${f(med(xs.map((r) => r[k])))})`;
  console.log(
    `${kind}-topic: dmin ${rng('dmin')}; dmed ${rng('dmed')}; ratio ${rng('ratio')}; z (MAD) ${rng('z')}; ` +
      SHARES.map((s) => `recall ${s} % ${f(xs.reduce((a, r) => a + r.recall[s], 0) / xs.length)}`).join(', '),
  );
}
// The two-step rule: read SHARES[1]; if its top 10 has at least S rows of SHARES[0]'s, stop, else read SHARES[2].
for (const S of [10, 9, 8]) {
  const pick = (r) => (r.stable >= S ? SHARES[1] : SHARES[2]);
  const cost = (r) => SHARES[0] + SHARES[1] + (r.stable >= S ? 0 : SHARES[2]);
  console.log(
    `stable at ${S}/10: ` +
      ['on', 'off']
        .map((kind) => {
          const xs = rows.filter((r) => r.kind === kind);
          return `${kind}: ${xs.filter((r) => r.stable >= S).length}/${xs.length} stop early, recall ${f(xs.reduce((a, r) => a + r.recall[pick(r)], 0) / xs.length)}, share read ${(xs.reduce((a, r) => a + cost(r), 0) / xs.length).toFixed(1)} %`;
        })
        .join('; '),
  );
}
await c.end();
