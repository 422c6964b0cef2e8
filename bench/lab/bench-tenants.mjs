// The search bench's tenants as the lab scripts re-create them (search.bench.ts, default sizes): the vector space,
// each tenant's Zipf size, then each tenant's topics, drawn from the same generator in the same order.
import { prng, vectorSpace } from '../../dist/bench/support.js';

export function benchTenants() {
  const rnd = prng(200_000);
  const space = vectorSpace(rnd, 1536, 80);
  const weights = Array.from({ length: 200 }, (_, i) => 1 / Math.pow(i + 1, 1.1));
  const sum = weights.reduce((a, b) => a + b, 0);
  const sizes = weights.map((x) => Math.max(20, Math.round((x / sum) * 200_000)));
  sizes[0] += 200_000 - sizes.reduce((a, b) => a + b, 0);
  const topicsOf = sizes.map((size) => {
    const n = Math.max(2, Math.min(12, Math.round(size / 1000)));
    const t = new Set();
    while (t.size < n) t.add(rnd.int(80));
    return [...t];
  });
  return { space, sizes, topicsOf };
}

/**
 * A bench tenant of the kept database by its rank, with its set and registered watermark, and the predicates of a lab
 * index over it: `scope` (its set's rows) and `indexed` (those up to the watermark, written `seq < watermark + 1`, which
 * the registered index's `seq <= watermark` cannot be proved from, so a query written with it takes the lab index).
 */
export async function benchTenant(c, rank) {
  const {
    rows: [t],
  } = await c.query(`SELECT t.id, v.set_id, v.watermark FROM tenants t JOIN vector_indexes v ON v.tenant_id = t.id WHERE t.name = $1`, [
    `Bench ${rank}`,
  ]);
  const scope = `tenant_id = '${t.id}' AND set_id = ${t.set_id}`;
  return { ...t, scope, indexed: `${scope} AND seq < ${Number(t.watermark) + 1}` };
}

/** A lab IVF index over `where`, built as the worker builds one (halfvec cosine, `lists` lists), replacing one of the name. */
export async function buildLabIvf(c, name, lists, where) {
  await c.query(`SET maintenance_work_mem = '1GB'`);
  await c.query(`DROP INDEX IF EXISTS ${name}`);
  await c.query(
    `CREATE INDEX ${name} ON embeddings USING ivfflat ((embedding::halfvec(1536)) halfvec_cosine_ops) WITH (lists = ${lists}) WHERE ${where}`,
  );
}

/** `n` off-topic questions for the tenant of `rank` (about topics it does not have), as vector literals; the same each run. */
export function offTopicQuestions(space, topics, rank, n) {
  const rnd = prng(4242 + rank);
  const off = Array.from({ length: 80 }, (_, i) => i).filter((i) => !topics.includes(i));
  return Array.from({ length: n }, () => `[${space.near(off[rnd.int(off.length)], 0.7).join(',')}]`);
}
