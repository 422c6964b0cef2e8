import type { MigrationInterface, QueryRunner } from 'typeorm';
import { migrationSettings, quoteLiteral } from './migration-settings.js';

/** Columns of `users` the runtime role may read: every one but password_hash. A column added later must be granted here too. */
export const USERS_READABLE_COLUMNS = ['tenant_id', 'id', 'email', 'role', 'created_at'] as const;

/**
 * The runtime role (DATABASE_URL) gets exactly what its routes need, so that a
 * SQL injection on any route reaches no more (README, "What the runtime role
 * can reach"):
 *
 * - Tenants: SELECT only, and RLS shows only the current tenant's row. No route
 *   updates or deletes a tenant, so UPDATE (a tenant raising its own quota) and
 *   DELETE (a cascade through every table) are gone.
 * - Creating and listing tenants (platform admin only) move to their own LOGIN
 *   role, `rag_platform` (DATABASE_PLATFORM_URL), whose pool only the tenants
 *   module opens. `admin_list_tenants()` is executable by it alone.
 * - Password hashes are write-only: the runtime role may set `password_hash`
 *   but not read it. Login no longer fetches the hash: `auth_login_params()`
 *   returns the scrypt parameters and salt (not secret), Node derives the key
 *   (scrypt runs in Node), and `auth_login_verify()` compares it inside the
 *   database and returns the user only when it matches. No role the apps
 *   connect as can read a hash.
 */
export class LeastPrivilege1764000003000 implements MigrationInterface {
  name = 'LeastPrivilege1764000003000';

  async up(q: QueryRunner): Promise<void> {
    const { runtimeRole, platformRole, platformPassword } = migrationSettings();

    // Created here when the owner may (CREATEROLE), like the runtime role; otherwise it must exist (README, "Managed databases").
    await q.query(`
      DO $$ BEGIN
        IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = ${quoteLiteral(platformRole)}) THEN
          EXECUTE format('CREATE ROLE %I LOGIN NOSUPERUSER NOBYPASSRLS NOCREATEDB NOCREATEROLE PASSWORD %L', ${quoteLiteral(platformRole)}, ${quoteLiteral(platformPassword ?? '')});
        END IF;
      END $$`);
    await q.query(`GRANT USAGE ON SCHEMA public TO ${platformRole}`);

    // Tenants: the runtime role reads its own row (RLS); the platform role creates rows (RLS WITH CHECK as the new tenant).
    await q.query(`REVOKE INSERT, UPDATE, DELETE, TRUNCATE ON tenants FROM ${runtimeRole}`);
    await q.query(`GRANT SELECT, INSERT ON tenants TO ${platformRole}`);
    await q.query(`REVOKE EXECUTE ON FUNCTION admin_list_tenants() FROM ${runtimeRole}`);
    await q.query(`GRANT EXECUTE ON FUNCTION admin_list_tenants() TO ${platformRole}`);

    // Password hashes: writable (create user, change password), never readable by the runtime role.
    await q.query(`REVOKE SELECT ON users FROM ${runtimeRole}`);
    await q.query(`GRANT SELECT (${USERS_READABLE_COLUMNS.join(', ')}) ON users TO ${runtimeRole}`);

    // Login verifies instead of returning the hash.
    await q.query(`DROP FUNCTION auth_login_lookup(text, text)`);
    await q.query(`
      CREATE FUNCTION auth_login_params(p_slug text, p_email text)
      RETURNS text
      LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog, public AS $$
        -- "scrypt$N$r$p$salt": the stored hash without its derived key
        SELECT substring(u.password_hash FROM '^(scrypt\\$[0-9]+\\$[0-9]+\\$[0-9]+\\$[A-Za-z0-9_-]+)\\$[A-Za-z0-9_-]+$')
        FROM public.tenants t JOIN public.users u ON u.tenant_id = t.id
        WHERE t.slug = p_slug AND lower(u.email) = lower(p_email)
      $$`);
    await q.query(`
      CREATE FUNCTION auth_login_verify(p_slug text, p_email text, p_password_hash text)
      RETURNS TABLE (tenant_id uuid, user_id uuid, role text, email text)
      LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog, public AS $$
        SELECT u.tenant_id, u.id, u.role, u.email
        FROM public.tenants t JOIN public.users u ON u.tenant_id = t.id
        WHERE t.slug = p_slug AND lower(u.email) = lower(p_email)
          AND u.password_hash IS NOT NULL AND u.password_hash = p_password_hash
      $$`);
    await q.query(`GRANT CREATE ON SCHEMA public TO rag_auth`);
    for (const fn of ['auth_login_params(text, text)', 'auth_login_verify(text, text, text)']) {
      await q.query(`ALTER FUNCTION ${fn} OWNER TO rag_auth`);
      await q.query(`REVOKE ALL ON FUNCTION ${fn} FROM PUBLIC`);
      await q.query(`GRANT EXECUTE ON FUNCTION ${fn} TO ${runtimeRole}`);
    }
    await q.query(`REVOKE CREATE ON SCHEMA public FROM rag_auth`);
  }

  async down(q: QueryRunner): Promise<void> {
    const { runtimeRole, platformRole } = migrationSettings();
    await q.query(`DROP FUNCTION IF EXISTS auth_login_verify(text, text, text)`);
    await q.query(`DROP FUNCTION IF EXISTS auth_login_params(text, text)`);
    await q.query(`
      CREATE FUNCTION auth_login_lookup(p_slug text, p_email text)
      RETURNS TABLE (tenant_id uuid, user_id uuid, role text, email text, password_hash text)
      LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog, public AS $$
        SELECT u.tenant_id, u.id, u.role, u.email, u.password_hash
        FROM public.tenants t JOIN public.users u ON u.tenant_id = t.id
        WHERE t.slug = p_slug AND lower(u.email) = lower(p_email)
      $$`);
    await q.query(`GRANT CREATE ON SCHEMA public TO rag_auth`);
    await q.query(`ALTER FUNCTION auth_login_lookup(text, text) OWNER TO rag_auth`);
    await q.query(`REVOKE CREATE ON SCHEMA public FROM rag_auth`);
    await q.query(`REVOKE ALL ON FUNCTION auth_login_lookup(text, text) FROM PUBLIC`);
    await q.query(`GRANT EXECUTE ON FUNCTION auth_login_lookup(text, text) TO ${runtimeRole}`);
    await q.query(`GRANT SELECT ON users TO ${runtimeRole}`);
    await q.query(`GRANT SELECT, INSERT, UPDATE, DELETE ON tenants TO ${runtimeRole}`);
    await q.query(`GRANT EXECUTE ON FUNCTION admin_list_tenants() TO ${runtimeRole}`);
    await q.query(`REVOKE ALL ON FUNCTION admin_list_tenants() FROM ${platformRole}`);
    await q.query(`REVOKE ALL ON tenants FROM ${platformRole}`);
    await q.query(`REVOKE USAGE ON SCHEMA public FROM ${platformRole}`);
  }
}
