// What embedding sets cost search (README, "Embedding models"): the search layout before them
// (`embedding halfvec(1536)`, index (tenant_id, seq), a tenant's partial HNSW index on `embedding`)
// against the layout with them (`embedding halfvec` without a dimension, a set_id in the key and in
// (tenant_id, set_id, seq), the HNSW index on `embedding::halfvec(1536)` partial on the set too), with
// the statements search runs on each path (libs/retrieval/search.repository.ts), on the same rows.
// Then the same with a switch under way: the tenant's chunks a second time, as a 768-dimension set.
//
//   node bench/lab/embedding-sets.mjs        (scratch database lab_sets, dropped and created; superuser)
//
// ROWS (20000) rows of the measured tenant plus 4 × ROWS/4 of others, QUERIES (40) on-topic query
// vectors, each path PASSES (3) times after one unmeasured pass; p50/p95 of the query statement in ms.
import pg from 'pg';
import { randomUUID } from 'node:crypto';

const ROWS = Number(process.env.ROWS || 20000);
const QUERIES = Number(process.env.QUERIES || 40);
const PASSES = Number(process.env.PASSES || 3);
const D = 1536,
  D2 = 768,
  TOPICS = 16,
  K = 10;
const ADMIN = process.env.DATABASE_ADMIN_URL || 'postgres://postgres@127.0.0.1:5432/postgres';

function prng(seed) {
  let a = seed >>> 0;
  const next = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  return { next, gauss: () => Math.sqrt(-2 * Math.log(1 - next())) * Math.cos(2 * Math.PI * next()) };
}
const rnd = prng(12);
const unit = (v) => {
  const n = Math.hypot(...v);
  return v.map((x) => x / n);
};
const gaussVec = (d, norm) => unit(Array.from({ length: d }, () => rnd.gauss())).map((x) => x * norm);
const lit = (v) => `[${v.map((x) => x.toPrecision(8)).join(',')}]`;
const pct = (xs, p) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.ceil((p / 100) * s.length) - 1)];
};

const admin = new pg.Client({ connectionString: ADMIN });
await admin.connect();
await admin.query('DROP DATABASE IF EXISTS lab_sets');
await admin.query('CREATE DATABASE lab_sets');
const url = new URL(ADMIN);
url.pathname = '/lab_sets';
const s = new pg.Client({ connectionString: url.toString() });
await s.connect();
await s.query('SET client_min_messages = warning');
await s.query('CREATE EXTENSION vector');

// Topic centres with a shared component (vectors alike, as real embeddings are); rows: centre + noise, unit length.
const common = gaussVec(D, 0.35);
const bases = Array.from({ length: TOPICS }, () => gaussVec(D, 1).map((x, i) => x + common[i]));
await s.query(`CREATE TABLE topics (topic int PRIMARY KEY, base vector(${D}))`);
await s.query(`INSERT INTO topics SELECT * FROM unnest($1::int[], $2::vector[])`, [bases.map((_, i) => i), bases.map(lit)]);
await s.query(`SELECT setseed(0.4)`);
await s.query(`CREATE TABLE noise AS SELECT i, array_agg((random()::real - 0.5::real) * ${(0.9 / (Math.sqrt(2 / 12) * Math.sqrt(D))).toFixed(6)}::real)::vector(${D}) AS v
               FROM generate_series(0, 1999) i, generate_series(1, ${D}) d GROUP BY i`);

const target = randomUUID();
const tenants = [[target, ROWS], ...Array.from({ length: 4 }, () => [randomUUID(), Math.round(ROWS / 4)])];
const layout = (name, vectorType, key, seqIndex) => `
  CREATE TABLE ${name} (tenant_id uuid NOT NULL, id uuid NOT NULL, ${key === 'set' ? 'set_id int NOT NULL,' : ''} seq bigint GENERATED ALWAYS AS IDENTITY,
    content text NOT NULL, embedding ${vectorType} NOT NULL, PRIMARY KEY (tenant_id, id${key === 'set' ? ', set_id' : ''})) WITH (toast_tuple_target = 8160);
  ALTER TABLE ${name} ALTER COLUMN embedding SET STORAGE MAIN;
  CREATE INDEX ON ${name} ${seqIndex};`;
await s.query(layout('e_before', `halfvec(${D})`, 'plain', '(tenant_id, seq)'));
await s.query(layout('e_after', 'halfvec', 'set', '(tenant_id, set_id, seq)'));
let t0 = Date.now();
for (const [tenant, n] of tenants) {
  // ~1,500 characters of text per chunk: the heap row is as wide as a real chunk's.
  await s.query(
    `INSERT INTO e_before (tenant_id, id, content, embedding)
    SELECT $1, gen_random_uuid(), 'topic ' || x.topic || ' ' || repeat(md5(random()::text), 46), l2_normalize(t.base + a.v + b.v)::halfvec
    FROM (SELECT i % ${TOPICS} AS topic, floor(random() * 2000)::int AS na, floor(random() * 2000)::int AS nb FROM generate_series(1, $2) i OFFSET 0) x
    JOIN topics t ON t.topic = x.topic JOIN noise a ON a.i = x.na JOIN noise b ON b.i = x.nb`,
    [tenant, n],
  );
}
await s.query(
  `INSERT INTO e_after (tenant_id, id, set_id, content, embedding) SELECT tenant_id, id, 1, content, embedding FROM e_before ORDER BY seq`,
);
await s.query('VACUUM ANALYZE e_before');
await s.query('VACUUM ANALYZE e_after');
console.log(`loaded ${ROWS * 2} rows per table in ${((Date.now() - t0) / 1000).toFixed(1)} s`);

const watermark = Number((await s.query(`SELECT max(seq) AS w FROM e_before WHERE tenant_id = $1`, [target])).rows[0].w);
t0 = Date.now();
await s.query(`CREATE INDEX before_hnsw ON e_before USING hnsw (embedding halfvec_cosine_ops) WITH (m = 16, ef_construction = 64)
               WHERE tenant_id = '${target}'::uuid AND seq <= ${watermark}`);
const buildBefore = Date.now() - t0;
t0 = Date.now();
await s.query(`CREATE INDEX after_hnsw ON e_after USING hnsw ((embedding::halfvec(${D})) halfvec_cosine_ops) WITH (m = 16, ef_construction = 64)
               WHERE tenant_id = '${target}'::uuid AND set_id = 1 AND seq <= ${watermark}`);
console.log(
  `HNSW builds (m 16, ef_construction 64, ${ROWS} rows): before ${(buildBefore / 1000).toFixed(1)} s, after ${((Date.now() - t0) / 1000).toFixed(1)} s`,
);

const queries = Array.from({ length: QUERIES }, (_, i) => lit(unit(gaussVec(D, 0.7).map((x, j) => x + bases[i % TOPICS][j]))));
const SETTINGS = `SELECT set_config('jit', 'off', true), set_config('enable_seqscan', 'off', true), set_config('enable_sort', 'off', true),
  set_config('hnsw.ef_search', '400', true), set_config('hnsw.iterative_scan', 'relaxed_order', true), set_config('hnsw.max_scan_tuples', '${Math.max(20000, ROWS)}', true)`;
const set = (after) => (after ? 'AND e.set_id = 1' : '');
const SQL = {
  exact: (
    table,
    after,
  ) => `WITH c AS MATERIALIZED (SELECT e.id, e.embedding <=> $1::halfvec AS distance FROM ${table} e WHERE e.tenant_id = $2 ${set(after)})
    SELECT id, distance FROM c ORDER BY distance, id LIMIT ${K}`,
  index: (table, after) => {
    const q = `$1::halfvec(${D})`;
    return `WITH ann AS MATERIALIZED (
        SELECT e.id, e.embedding <=> ${q} AS distance FROM ${table} e
        WHERE e.tenant_id = '${target}'::uuid ${set(after)} AND e.seq <= ${watermark}
        ORDER BY ${after ? `(e.embedding::halfvec(${D}))` : 'e.embedding'} <=> ${q} LIMIT ${K}),
      fresh AS MATERIALIZED (SELECT e.id, e.embedding <=> ${q} AS distance FROM ${table} e WHERE e.tenant_id = $2 ${set(after)} AND e.seq > ${watermark})
      SELECT id, distance FROM (SELECT * FROM ann UNION ALL SELECT * FROM fresh) u ORDER BY distance, id LIMIT ${K}`;
  },
};

async function measure(path, table, after, isolation = '') {
  const times = [];
  for (let pass = 0; pass <= PASSES; pass++) {
    for (const q of queries) {
      await s.query(`BEGIN ${isolation}`);
      await s.query(SETTINGS);
      const start = performance.now();
      const r = await s.query(SQL[path](table, after), [q, target]);
      const ms = performance.now() - start;
      await s.query('COMMIT');
      if (r.rows.length !== K) throw new Error(`${path} ${table}: ${r.rows.length} rows`);
      if (pass > 0) times.push(ms); // the first pass warms the cache
    }
  }
  return `p50 ${pct(times, 50).toFixed(1)} p95 ${pct(times, 95).toFixed(1)}`;
}

/** The plan must be the one search counts on: the tenant's HNSW index on the index path, no sequential scan anywhere. */
async function plan(path, table, after) {
  await s.query('BEGIN');
  await s.query(SETTINGS);
  const { rows } = await s.query(`EXPLAIN (FORMAT JSON) ${SQL[path](table, after)}`, [queries[0], target]);
  await s.query('COMMIT');
  const text = JSON.stringify(rows[0]['QUERY PLAN']);
  if (text.includes('Seq Scan')) throw new Error(`${path} ${table}: a sequential scan`);
  if (path === 'index' && !text.includes(after ? 'after_hnsw' : 'before_hnsw'))
    throw new Error(`${path} ${table}: not through the tenant's index`);
}

const results = [];
for (const path of ['exact', 'index']) {
  for (const [table, after] of [
    ['e_before', false],
    ['e_after', true],
  ]) {
    await plan(path, table, after);
    results.push(`${path.padEnd(5)} ${table.padEnd(8)}            ${await measure(path, table, after)}`);
  }
}
results.push(`exact e_after  REPEATABLE READ ${await measure('exact', 'e_after', true, 'ISOLATION LEVEL REPEATABLE READ')}`);

// What one snapshot costs a search transaction as TypeORM opens it: START TRANSACTION, then SET TRANSACTION (one more round trip).
const roundTrips = async (isolation) => {
  const start = performance.now();
  for (let i = 0; i < 2000; i++) {
    await s.query('START TRANSACTION');
    if (isolation) await s.query('SET TRANSACTION ISOLATION LEVEL REPEATABLE READ');
    await s.query('COMMIT');
  }
  return (performance.now() - start) / 2000;
};
const [rc, rr] = [await roundTrips(false), await roundTrips(true)];
results.push(
  `an empty transaction: READ COMMITTED ${(rc * 1000).toFixed(0)} µs, REPEATABLE READ as TypeORM opens it ${(rr * 1000).toFixed(0)} µs`,
);

// A switch under way: every chunk of the tenant a second time, in a 768-dimension set, written after the index.
const heap = async (t) => Number((await s.query(`SELECT pg_relation_size('${t}') AS b`)).rows[0].b) / 2 ** 20;
const heapBefore = await heap('e_after');
t0 = Date.now();
await s.query(
  `INSERT INTO e_after (tenant_id, id, set_id, content, embedding)
  SELECT tenant_id, id, 2, content, l2_normalize(subvector(embedding::vector, 1, ${D2}))::halfvec FROM e_after WHERE tenant_id = $1 AND set_id = 1 ORDER BY seq`,
  [target],
);
await s.query('VACUUM ANALYZE e_after');
console.log(`a second set of ${ROWS} rows (${D2} dimensions) written in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
for (const path of ['exact', 'index']) {
  await plan(path, 'e_after', true);
  results.push(`${path.padEnd(5)} e_after, switch under way ${await measure(path, 'e_after', true)}`);
}
console.log(`heap of e_after: ${heapBefore.toFixed(0)} MB, with the second set ${(await heap('e_after')).toFixed(0)} MB`);
console.log(results.join('\n'));
await s.end();
await admin.query('DROP DATABASE lab_sets');
await admin.end();
