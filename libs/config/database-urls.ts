/** The role the platform-admin routes connect as when DATABASE_PLATFORM_URL is not given. */
export const DEFAULT_PLATFORM_ROLE = 'rag_platform';

const DEFAULT_DATABASE_URL = 'postgres://rag_app:rag_app@127.0.0.1:5432/ragdocs';

/**
 * The platform-admin connection (list and create tenants). Not the runtime
 * role: what only the platform admin may do must not be reachable from a SQL
 * injection on a tenant route. Unset, it is DATABASE_URL's server and database
 * as rag_platform (password rag_platform), the way the local set-up creates it.
 */
export function platformDatabaseUrl(env: NodeJS.ProcessEnv): string {
  if (env.DATABASE_PLATFORM_URL) return env.DATABASE_PLATFORM_URL;
  const url = new URL(env.DATABASE_URL || DEFAULT_DATABASE_URL);
  url.username = DEFAULT_PLATFORM_ROLE;
  url.password = DEFAULT_PLATFORM_ROLE;
  return url.toString();
}
