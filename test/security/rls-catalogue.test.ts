import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type pg from 'pg';
import { loadConfig } from '../../libs/config/config.js';
import { superClient } from '../support/db.js';

let db: pg.Client;
const runtimeRole = decodeURIComponent(new URL(process.env.DATABASE_URL!).username);

before(async () => {
  db = await superClient();
});
after(async () => {
  await db.end();
});

test('every table with a tenant_id column has ENABLE + FORCE RLS and a tenant_isolation policy with USING and WITH CHECK', async () => {
  const { rows } = await db.query(`
    SELECT c.relname, c.relrowsecurity, c.relforcerowsecurity,
           p.polname, pg_get_expr(p.polqual, p.polrelid) AS using_expr, pg_get_expr(p.polwithcheck, p.polrelid) AS check_expr
    FROM pg_class c
    JOIN pg_namespace n ON n.oid = c.relnamespace AND n.nspname = 'public'
    JOIN pg_attribute a ON a.attrelid = c.oid AND a.attname = 'tenant_id' AND NOT a.attisdropped
    LEFT JOIN pg_policy p ON p.polrelid = c.oid AND p.polname = 'tenant_isolation'
    WHERE c.relkind IN ('r', 'p')`);
  assert.ok(rows.length >= 12, `expected the tenant tables, found ${rows.length}`);
  const problems: string[] = [];
  for (const r of rows) {
    if (!r.relrowsecurity) problems.push(`${r.relname}: RLS not enabled`);
    if (!r.relforcerowsecurity) problems.push(`${r.relname}: RLS not forced`);
    if (!r.polname) {
      problems.push(`${r.relname}: no tenant_isolation policy`);
      continue;
    }
    for (const [kind, expr] of [
      ['USING', r.using_expr],
      ['WITH CHECK', r.check_expr],
    ]) {
      if (!expr || !/tenant_id = \(?NULLIF\(current_setting\('app\.current_tenant_id'::text, true\), ''::text\)\)?::uuid/.test(expr)) {
        problems.push(`${r.relname}: ${kind} is ${expr}`);
      }
    }
  }
  assert.deepEqual(problems, []);
});

test('no policy other than the auth and search lookups grants rows without the tenant check, and those only SELECT, to roles without a password (NOLOGIN but on Citus)', async () => {
  // auth_lookup: the pre-tenant lookups (rag_auth). search_read: search_keyword() and the index
  // builder's sweep (rag_search), which read the tenant from the same setting the policies do.
  const allowed: Record<string, string> = { auth_lookup: 'rag_auth', search_read: 'rag_search' };
  const { rows } = await db.query(`
    SELECT c.relname, p.polname, p.polcmd, array(SELECT rolname::text FROM pg_roles WHERE oid = ANY(p.polroles)) AS roles
    FROM pg_policy p JOIN pg_class c ON c.oid = p.polrelid WHERE p.polname <> 'tenant_isolation'`);
  for (const r of rows) {
    assert.ok(r.polname in allowed, `unexpected policy ${r.polname} on ${r.relname}`);
    assert.equal(r.polcmd, 'r', `${r.polname} must be SELECT only`);
    assert.deepEqual(r.roles, [allowed[r.polname]]);
  }
  // On Citus the coordinator runs these functions' statements on the workers as the functions' owners, so
  // those roles must be able to log in there: still with no password, so no client can log in as them.
  const citus = (await db.query(`SELECT 1 FROM pg_extension WHERE extname = 'citus'`)).rows.length > 0;
  for (const role of Object.values(allowed)) {
    const {
      rows: [attrs],
    } = await db.query(
      `SELECT rolcanlogin, rolsuper, rolbypassrls, rolpassword IS NOT NULL AS password FROM pg_authid WHERE rolname = $1`,
      [role],
    );
    assert.deepEqual(attrs, { rolcanlogin: citus, rolsuper: false, rolbypassrls: false, password: false }, role);
  }
});

test('the runtime role is not superuser, has no BYPASSRLS and owns no table, function or schema', async () => {
  const {
    rows: [role],
  } = await db.query(`SELECT rolsuper, rolbypassrls, rolcreaterole, rolcreatedb FROM pg_roles WHERE rolname = $1`, [runtimeRole]);
  assert.ok(role, `runtime role ${runtimeRole} exists`);
  assert.deepEqual(role, { rolsuper: false, rolbypassrls: false, rolcreaterole: false, rolcreatedb: false });
  const { rows: owned } = await db.query(
    `
    SELECT 'table ' || relname AS what FROM pg_class WHERE relowner = (SELECT oid FROM pg_roles WHERE rolname = $1)
      AND relpersistence <> 't' -- a session's own temporary tables (the chunk staging table) belong to no schema of ours
    UNION ALL SELECT 'function ' || proname FROM pg_proc WHERE proowner = (SELECT oid FROM pg_roles WHERE rolname = $1)
    UNION ALL SELECT 'schema ' || nspname FROM pg_namespace WHERE nspowner = (SELECT oid FROM pg_roles WHERE rolname = $1)`,
    [runtimeRole],
  );
  assert.deepEqual(owned, []);
});

/**
 * Who may run each SECURITY DEFINER function. The runtime role gets the pre-tenant lookups and the
 * tenant-scoped search; listing every tenant is the platform role's alone (least-privilege migration).
 */
const platformRole = decodeURIComponent(new URL(loadConfig().database.platformUrl).username);
const DEFINER_FUNCTIONS: Record<string, 'runtime' | 'platform'> = {
  auth_api_key: 'runtime',
  auth_login_params: 'runtime',
  auth_login_verify: 'runtime',
  stale_ingestion_documents: 'runtime',
  search_keyword: 'runtime',
  vector_index_candidates: 'runtime',
  admin_list_tenants: 'platform',
};

test('SECURITY DEFINER functions have a fixed search_path, are not executable by PUBLIC, and each by exactly its role', async () => {
  const { rows } = await db.query(
    `
    SELECT p.proname, p.proconfig, has_function_privilege($1, p.oid, 'EXECUTE') AS runtime_exec,
           has_function_privilege($2, p.oid, 'EXECUTE') AS platform_exec
    FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace AND n.nspname = 'public' WHERE p.prosecdef`,
    [runtimeRole, platformRole],
  );
  assert.deepEqual(
    rows.map((r) => r.proname).sort(),
    Object.keys(DEFINER_FUNCTIONS).sort(),
    'every SECURITY DEFINER function is listed here on purpose',
  );
  for (const r of rows) {
    assert.ok(
      (r.proconfig ?? []).some((c: string) => c.startsWith('search_path=')),
      `${r.proname} has no fixed search_path`,
    );
    const who = DEFINER_FUNCTIONS[r.proname];
    assert.equal(r.runtime_exec, who === 'runtime', `${r.proname} executable by the runtime role: ${r.runtime_exec}`);
    assert.equal(r.platform_exec, who === 'platform', `${r.proname} executable by the platform role: ${r.platform_exec}`);
  }
  // PUBLIC is not a role has_function_privilege accepts by name; check the ACL instead.
  const { rows: acl } = await db.query(`
    SELECT p.proname FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace AND n.nspname = 'public'
    WHERE p.prosecdef AND (p.proacl IS NULL OR EXISTS (SELECT 1 FROM aclexplode(p.proacl) a WHERE a.grantee = 0))`);
  assert.deepEqual(acl, [], 'SECURITY DEFINER functions must not be executable by PUBLIC');
});

test('no function the runtime role may run returns a password hash or whole tenants rows', async () => {
  const { rows } = await db.query(
    `
    SELECT p.proname, p.proargnames, pg_get_function_result(p.oid) AS result
    FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace AND n.nspname = 'public'
    WHERE has_function_privilege($1, p.oid, 'EXECUTE') AND p.prosecdef`,
    [runtimeRole],
  );
  for (const r of rows) {
    assert.doesNotMatch(r.result, /password_hash|SETOF tenants/, `${r.proname} returns ${r.result}`);
  }
});

test('the runtime role reads tenants but cannot change them, and cannot read password hashes', async () => {
  const {
    rows: [t],
  } = await db.query(
    `
    SELECT has_table_privilege($1, 'tenants', 'SELECT') AS sel, has_table_privilege($1, 'tenants', 'INSERT') AS ins,
           has_table_privilege($1, 'tenants', 'UPDATE') AS upd, has_table_privilege($1, 'tenants', 'DELETE') AS del,
           has_table_privilege($1, 'tenants', 'TRUNCATE') AS trunc,
           has_column_privilege($1, 'users', 'password_hash', 'SELECT') AS hash_read,
           has_column_privilege($1, 'users', 'password_hash', 'UPDATE') AS hash_write,
           has_column_privilege($1, 'users', 'email', 'SELECT') AS email_read`,
    [runtimeRole],
  );
  assert.deepEqual(t, {
    sel: true,
    ins: false,
    upd: false,
    del: false,
    trunc: false,
    hash_read: false,
    hash_write: true,
    email_read: true,
  });
  // Every users column but password_hash stays readable (a new column must be granted on purpose).
  const { rows: cols } = await db.query(
    `
    SELECT attname FROM pg_attribute WHERE attrelid = 'users'::regclass AND attnum > 0 AND NOT attisdropped
      AND NOT has_column_privilege($1, 'users', attname, 'SELECT') ORDER BY attname`,
    [runtimeRole],
  );
  assert.deepEqual(
    cols.map((c) => c.attname),
    ['password_hash'],
  );
});

test('the platform role is a plain LOGIN role: not superuser, no BYPASSRLS, owns nothing, only SELECT and INSERT on tenants and UPDATE of their name and settings', async () => {
  const {
    rows: [role],
  } = await db.query(`SELECT rolcanlogin, rolsuper, rolbypassrls, rolcreaterole, rolcreatedb FROM pg_roles WHERE rolname = $1`, [
    platformRole,
  ]);
  assert.deepEqual(role, { rolcanlogin: true, rolsuper: false, rolbypassrls: false, rolcreaterole: false, rolcreatedb: false });
  const { rows: grants } = await db.query(
    `
    SELECT c.relname || ':' || a.privilege_type AS g
    FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace AND n.nspname = 'public', aclexplode(c.relacl) a
    WHERE a.grantee = (SELECT oid FROM pg_roles WHERE rolname = $1) ORDER BY 1`,
    [platformRole],
  );
  assert.deepEqual(
    grants.map((r) => r.g),
    ['tenants:INSERT', 'tenants:SELECT'],
  );
  // Column grants (PATCH /admin/tenants/:id): the name and the settings, never the id or the slug users sign in with.
  const { rows: columns } = await db.query(
    `
    SELECT attname FROM pg_attribute WHERE attrelid = 'tenants'::regclass AND attnum > 0 AND NOT attisdropped
      AND has_column_privilege($1, 'tenants', attname, 'UPDATE') ORDER BY attname`,
    [platformRole],
  );
  assert.deepEqual(
    columns.map((c) => c.attname),
    ['name', 'settings'],
  );
  const { rows: owned } = await db.query(
    `
    SELECT relname FROM pg_class WHERE relowner = (SELECT oid FROM pg_roles WHERE rolname = $1)
    UNION ALL SELECT proname FROM pg_proc WHERE proowner = (SELECT oid FROM pg_roles WHERE rolname = $1)`,
    [platformRole],
  );
  assert.deepEqual(owned, []);
});
