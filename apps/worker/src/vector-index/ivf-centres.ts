import { indexedVector, vectorIndexPredicate, type IndexedRows } from '#libs/retrieval/vector-index.js';

/** Runs one statement and returns its rows (TypeORM's EntityManager.query, or a pg client's query wrapped). */
export type RowsOf = <T>(sql: string, params: unknown[]) => Promise<T[]>;

/** Sampled rows per centre: enough for a topic of a few per cent of the set to own a centre (pgvector samples 50 per list). */
const SAMPLE_PER_CENTRE = 32;

/** Rounds of k-means (at least one: the first centres are rows): they only have to tell a topic's neighbourhood from the rest. */
const ROUNDS = 6;

/** The fewest rows a centre is the mean of. */
const MIN_ROWS = 3;

/**
 * The centres a search compares a question with to choose how many IVF lists to read (libs/retrieval/vector-index.ts,
 * ivfFocusSql): k-means on a random sample of the set's indexed rows, run by PostgreSQL (pgvector's avg and
 * l2_normalize; the vectors never leave the database but as the `k` centres). Means of at least MIN_ROWS rows, never one
 * row's alone: a deleted chunk's vector does not stay in the registry. Returns the centres as halfvec literals (fewer than `k`
 * when the set has fewer rows, or when a centre kept fewer than MIN_ROWS rows in a round; none for a set that small).
 */
export async function ivfCentres(rowsOf: RowsOf, rows: IndexedRows, dimensions: number, k: number): Promise<string[]> {
  const v = indexedVector(dimensions, 'e'); // checks the dimensions: they go into the SQL
  const n = Math.max(1, Math.floor(k));
  const ids = (
    await rowsOf<{ id: string }>(`SELECT e.id FROM embeddings e WHERE ${vectorIndexPredicate(rows, 'e')} ORDER BY random() LIMIT $1`, [
      n * SAMPLE_PER_CENTRE,
    ])
  ).map((r) => r.id);
  // Joined by key, not read with `id = ANY (…)`: under RLS that cannot be an index condition (search.repository.ts).
  const sample = `unnest($1::uuid[]) u(id) JOIN embeddings e ON e.tenant_id = $2 AND e.set_id = $3 AND e.id = u.id`;
  let centres = (await rowsOf<{ c: string }>(`SELECT ${v}::text AS c FROM ${sample} LIMIT $4`, [ids, rows.tenantId, rows.setId, n])).map(
    (r) => r.c,
  );
  for (let round = 0; round < ROUNDS && centres.length > 0; round++) {
    // Each sampled row to its nearest centre (cosine, as the index), each centre to the normalised mean of its rows. A
    // centre of fewer than MIN_ROWS rows goes: it would be (nearly) a row's own vector, kept in the registry after the
    // chunk is deleted. Every round replaces every centre, so none of the rows the first ones were is returned.
    centres = (
      await rowsOf<{ c: string }>(
        `SELECT l2_normalize(avg(${v}::vector))::halfvec(${dimensions})::text AS c
         FROM ${sample}
         CROSS JOIN LATERAL (SELECT c.i FROM unnest($4::halfvec(${dimensions})[]) WITH ORDINALITY c(v, i) ORDER BY c.v <=> ${v}, c.i LIMIT 1) n
         GROUP BY n.i HAVING count(*) >= ${MIN_ROWS} ORDER BY n.i`,
        [ids, rows.tenantId, rows.setId, centres],
      )
    ).map((r) => r.c);
  }
  return centres;
}
