import type { MigrationInterface, QueryRunner } from 'typeorm';
import { TENANT_TABLES } from './1764000000000-init-schema.js';
import { migrationSettings } from './migration-settings.js';
import { databaseMode } from '../transaction-settings.js';

/** Every table with tenant_id, co-located with the first: a tenant's rows of every table live on one node. */
export const DISTRIBUTED_TABLES = [...TENANT_TABLES, 'embedding_sets', 'vector_indexes'] as const;

/** Is this database a Citus coordinator? The same probe as the app's (transaction-settings.ts). */
export async function isCitus(q: QueryRunner): Promise<boolean> {
  return (await databaseMode(q, q)) === 'citus';
}

/** A query's rows, typed (QueryRunner.query answers `any`). */
const select = async <T>(q: Pick<QueryRunner, 'query'>, sql: string, params?: unknown[]): Promise<T[]> =>
  (await q.query(sql, params)) as T[];

/**
 * On Citus, distributes the schema by tenant: every tenant table hash-distributed by
 * tenant_id and co-located (joins and foreign keys between a tenant's rows stay on one
 * node), `tenants` a reference table (a copy on every node: each node's foreign keys to it
 * are checked locally; it is small and written once per tenant). On plain PostgreSQL this
 * migration does nothing, so a single node's schema is exactly what it was.
 *
 * What Citus does not take, and what replaces it:
 * - an identity column (`embeddings.seq`) becomes a sequence default, which Citus
 *   distributes; every insert goes through the coordinator, which draws the values, so a
 *   tenant's rows are still numbered in write order (the per-tenant index watermark needs no more);
 * - a trigger that reads another table (`embeddings_default_set`, a convenience for
 *   hand-written SQL; the app always names the set) is dropped: on a shard it would not
 *   find that table;
 * - a unique key without tenant_id (`vector_indexes.index_name`) gets tenant_id in front:
 *   index names embed the tenant id, so nothing is lost;
 * - `ON DELETE SET NULL (col)` foreign keys become plain ones (Citus refuses SET NULL when the
 *   distribution column is in the key); the repositories clear those references themselves
 *   before deleting, on both kinds of database (users, folders, documents repositories).
 * Foreign keys are dropped while tables are distributed (Citus distributes a table only when
 * no local table references it) and put back afterwards, from their own definitions.
 * Row-Level Security, its policies and the grants travel with each table to its shards.
 */
export class CitusDistribution1764000020000 implements MigrationInterface {
  name = 'CitusDistribution1764000020000';
  async up(q: QueryRunner): Promise<void> {
    if (!(await isCitus(q))) return;
    await q.query(`ALTER TABLE embeddings ALTER COLUMN seq DROP IDENTITY IF EXISTS`);
    await q.query(`CREATE SEQUENCE IF NOT EXISTS embeddings_seq_seq AS bigint OWNED BY embeddings.seq`);
    await q.query(`SELECT setval('embeddings_seq_seq', COALESCE((SELECT max(seq) FROM embeddings), 0) + 1, false)`);
    await q.query(`ALTER TABLE embeddings ALTER COLUMN seq SET DEFAULT nextval('embeddings_seq_seq')`);
    // The runtime role writes chunks, so it draws the numbers (an identity column needed no grant).
    await q.query(`GRANT USAGE ON SEQUENCE embeddings_seq_seq TO ${migrationSettings().runtimeRole}`);
    await q.query(`DROP TRIGGER IF EXISTS embeddings_default_set ON embeddings`);
    await q.query(
      `ALTER TABLE vector_indexes DROP CONSTRAINT IF EXISTS vector_indexes_index_name_key,
         ADD CONSTRAINT vector_indexes_tenant_index_name_key UNIQUE (tenant_id, index_name)`,
    );

    const fks = await select<{ tbl: string; conname: string; def: string }>(
      q,
      `SELECT c.conrelid::regclass::text AS tbl, c.conname, pg_get_constraintdef(c.oid) AS def
       FROM pg_constraint c JOIN pg_namespace n ON n.oid = c.connamespace
       WHERE c.contype = 'f' AND n.nspname = 'public' ORDER BY c.conrelid::regclass::text, c.conname`,
    );
    for (const fk of fks) await q.query(`ALTER TABLE ${fk.tbl} DROP CONSTRAINT ${quoteIdent(fk.conname)}`);

    await q.query(`SELECT create_reference_table('tenants')`);
    const [first, ...rest] = DISTRIBUTED_TABLES;
    await q.query(`SELECT create_distributed_table($1, 'tenant_id', colocate_with => 'none')`, [first]);
    for (const table of rest) {
      await q.query(`SELECT create_distributed_table($1, 'tenant_id', colocate_with => $2)`, [table, first]);
    }

    for (const fk of fks) {
      const def = fk.def.replace(/\s+ON DELETE SET NULL(\s*\([^)]*\))?/i, '');
      await q.query(`ALTER TABLE ${fk.tbl} ADD CONSTRAINT ${quoteIdent(fk.conname)} ${def}`);
    }
    await sqlFunctionsToPlpgsql(q);
  }

  async down(q: QueryRunner): Promise<void> {
    if (!(await isCitus(q))) return;
    // Back to local tables (cascading through the foreign keys), then the single-node forms.
    await q.query(`SELECT undistribute_table('tenants', cascade_via_foreign_keys => true)`);
    for (const table of DISTRIBUTED_TABLES) {
      const [row] = await select<{ n: number }>(q, `SELECT count(*)::int AS n FROM pg_dist_partition WHERE logicalrelid = $1::regclass`, [
        table,
      ]);
      if (row && row.n > 0) await q.query(`SELECT undistribute_table($1, cascade_via_foreign_keys => true)`, [table]);
    }
    await q.query(
      `ALTER TABLE vector_indexes DROP CONSTRAINT IF EXISTS vector_indexes_tenant_index_name_key,
         ADD CONSTRAINT vector_indexes_index_name_key UNIQUE (index_name)`,
    );
    await q.query(`
      CREATE TRIGGER embeddings_default_set BEFORE INSERT ON embeddings
      FOR EACH ROW WHEN (NEW.set_id IS NULL) EXECUTE FUNCTION embeddings_default_set()`);
    await q.query(`ALTER TABLE embeddings ALTER COLUMN seq DROP DEFAULT`);
    await q.query(`DROP SEQUENCE IF EXISTS embeddings_seq_seq`);
    await q.query(`ALTER TABLE embeddings ALTER COLUMN seq ADD GENERATED ALWAYS AS IDENTITY`);
    await q.query(`SELECT setval(pg_get_serial_sequence('embeddings', 'seq'), COALESCE((SELECT max(seq) FROM embeddings), 0) + 1, false)`);
  }
}

const quoteIdent = (name: string) => `"${name.replace(/"/g, '""')}"`;

/**
 * Citus cannot plan a statement of a LANGUAGE sql function that uses the function's parameters
 * against distributed tables ("could not create distributed plan"); the same statement in
 * PL/pgSQL is planned with the values bound. So each of our SQL functions (the SECURITY DEFINER
 * look-ups) is redefined, unchanged otherwise, as `RETURN QUERY <its statement>` (or `RETURN (<it>)` for one value): same name,
 * arguments, result, owner, grants and settings (CREATE OR REPLACE keeps them).
 * `#variable_conflict use_column`: a bare column name means the column, as it did in SQL.
 * A later migration that defines such a function on a Citus database writes it in PL/pgSQL.
 */
export async function sqlFunctionsToPlpgsql(q: Pick<QueryRunner, 'query'>): Promise<void> {
  const fns = await select<{ name: string; def: string; body: string; setof: boolean }>(
    q,
    `SELECT p.oid::regprocedure::text AS name, pg_get_functiondef(p.oid) AS def, p.prosrc AS body, p.proretset AS setof
     FROM pg_proc p JOIN pg_language l ON l.oid = p.prolang JOIN pg_namespace n ON n.oid = p.pronamespace
     WHERE n.nspname = 'public' AND l.lanname = 'sql'
       AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.classid = 'pg_proc'::regclass AND d.objid = p.oid AND d.deptype = 'e')`,
  );
  const owners = await select<{ owner: string }>(
    q,
    `SELECT DISTINCT pg_get_userbyid(p.proowner) AS owner FROM pg_proc p JOIN pg_language l ON l.oid = p.prolang
     WHERE p.pronamespace = 'public'::regnamespace AND l.lanname = 'sql' AND p.proowner <> (SELECT oid FROM pg_roles WHERE rolname = current_user)`,
  );
  // Replacing a function its owner role holds needs that role's CREATE on the schema, for the moment of the change (as in earlier migrations).
  for (const { owner } of owners) await q.query(`GRANT CREATE ON SCHEMA public TO ${quoteIdent(owner)}`);
  for (const fn of fns) {
    const statement = fn.body.trim().replace(/;\s*$/, '');
    if (statement.includes(';')) throw new Error(`${fn.name}: more than one statement; rewrite it in PL/pgSQL by hand`);
    const head = fn.def.slice(0, fn.def.indexOf('AS $function$'));
    if (!/\bLANGUAGE sql\b/.test(head)) throw new Error(`${fn.name}: unexpected definition`);
    const plpgsql = `${head.replace(/\bLANGUAGE sql\b/, 'LANGUAGE plpgsql')}AS $fn$
#variable_conflict use_column
BEGIN
  ${fn.setof ? `RETURN QUERY ${statement}` : `RETURN (${statement}\n  )`};
END $fn$`;
    await q.query(plpgsql);
  }
  for (const { owner } of owners) await q.query(`REVOKE CREATE ON SCHEMA public FROM ${quoteIdent(owner)}`);
}
