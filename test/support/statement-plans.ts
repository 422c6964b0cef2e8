import type pg from 'pg';
import type { EntityManager } from 'typeorm';

/** One statement a search sent: its text, its parameters, and its name when it ran as a named statement. */
export interface SentStatement {
  text: string;
  values: unknown[];
  name?: string;
}

/**
 * Runs `work` in `m`'s transaction and returns what it returned with every statement it sent on the transaction's
 * connection (TypeORM's unnamed ones and queryNamed()'s named ones alike: both reach the pg client).
 */
export async function recordStatements<T>(m: EntityManager, work: () => Promise<T>): Promise<{ result: T; sent: SentStatement[] }> {
  const client = (await m.queryRunner!.connect()) as pg.PoolClient;
  const sent: SentStatement[] = [];
  const send = client.query.bind(client) as (...args: unknown[]) => unknown;
  // An own property over the prototype's method for the duration; deleting it restores the method.
  (client as unknown as { query: (...args: unknown[]) => unknown }).query = (...args: unknown[]) => {
    const [first, second] = args;
    if (typeof first === 'string') sent.push({ text: first, values: (second as unknown[] | undefined) ?? [] });
    else if (first && typeof first === 'object' && 'text' in first) {
      const c = first as { text: string; values?: unknown[]; name?: string };
      sent.push({ text: c.text, values: c.values ?? (second as unknown[] | undefined) ?? [], name: c.name });
    }
    return send(...args);
  };
  try {
    return { result: await work(), sent };
  } finally {
    delete (client as unknown as { query?: unknown }).query;
  }
}

/**
 * The plan a statement ran with, with actual rows (EXPLAIN ANALYZE, in `m`'s transaction and settings): an unnamed one
 * planned again for its values, as the search's Bind did; a named one through EXECUTE of the same statement, so its kept
 * plan (generic or custom, as plan_cache_mode then decides) is the one shown.
 */
export async function planOf(m: EntityManager, s: SentStatement): Promise<string> {
  const rows: { 'QUERY PLAN': string }[] = s.name
    ? await m.query(
        `EXPLAIN (ANALYZE, COSTS OFF) EXECUTE "${s.name}"(${s.values.map((v) => (v === null || v === undefined ? 'NULL' : literal(v))).join(', ')})`,
      )
    : await m.query(`EXPLAIN (ANALYZE, COSTS OFF) ${s.text}`, s.values);
  return rows.map((r) => r['QUERY PLAN']).join('\n');
}

/** A parameter as an SQL literal, in the text form the driver sends it in (an array as an array literal). */
type Scalar = string | number | boolean;
const literal = (v: unknown): string => {
  const element = (e: Scalar | null) => (e === null ? 'NULL' : `"${String(e).replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`);
  const text = Array.isArray(v) ? `{${(v as (Scalar | null)[]).map(element).join(',')}}` : String(v);
  return `'${text.replace(/'/g, "''")}'`;
};

/** Rows each node of an EXPLAIN ANALYZE plan produced over all its loops (rows × loops), with the node's line. */
export const nodeRows = (plan: string) =>
  [...plan.matchAll(/^\s*(?:->\s*)?(.*?)\s+\(actual time=[\d.]+\.\.[\d.]+ rows=(\d+) loops=(\d+)\)/gm)].map((x) => ({
    node: x[1]!,
    rows: Number(x[2]) * Number(x[3]),
  }));
