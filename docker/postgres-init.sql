-- Provisioning, as the superuser: the one script for every set-up. scripts/services.sh
-- runs it (`psql -v db=<name> -f docker/postgres-init.sql`) for `npm start` and
-- `npm test`; the compose stack's PostgreSQL (pgvector/pgvector:pg16) runs it from
-- /docker-entrypoint-initdb.d/ once, when its data volume is first initialised
-- (delete the volume - `docker compose -f docker/compose.yml down -v` - to run it again).
--
-- It makes what must exist before the first migration can run:
--   rag_owner  owns the database and its schema and runs the migrations. CREATEROLE,
--              so that the migrations create the roles the apps connect as, from the
--              users of DATABASE_URL (rag_app: no superuser, no BYPASSRLS, so Row-Level
--              Security always applies) and DATABASE_PLATFORM_URL (rag_platform: creates
--              and lists tenants), plus the NOLOGIN roles of the SECURITY DEFINER
--              functions. Those roles are made in one place only: the migrations
--              (libs/database/migrations; README, "Managed databases").
--   the database, owned by rag_owner;
--   vector     pgvector is not a trusted extension, so it is created here by the
--              superuser and not in a migration.
-- The password is for a local/dev set-up only: in production provision your own
-- roles and pass DATABASE_URL / DATABASE_MIGRATION_URL / DATABASE_PLATFORM_URL.

\set ON_ERROR_STOP on
\if :{?db}
\else
  \set db ragdocs
\endif
SET client_min_messages = warning;

DO $$
BEGIN
  IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'rag_owner') THEN
    CREATE ROLE rag_owner LOGIN PASSWORD 'rag_owner' NOSUPERUSER NOBYPASSRLS CREATEROLE;
  END IF;
END
$$;

-- CREATE DATABASE cannot run inside a DO block; \gexec runs it only if missing.
SELECT format('CREATE DATABASE %I OWNER rag_owner', :'db')
WHERE NOT EXISTS (SELECT 1 FROM pg_database WHERE datname = :'db')
\gexec

\connect :"db"
SET client_min_messages = warning;
CREATE EXTENSION IF NOT EXISTS vector;
CREATE EXTENSION IF NOT EXISTS btree_gin;
ALTER EXTENSION vector UPDATE;
