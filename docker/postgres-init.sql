-- Provisioning for the compose stack's PostgreSQL (pgvector/pgvector:pg16).
-- Mounted into /docker-entrypoint-initdb.d/, so the image's entrypoint runs it
-- once, as the superuser, when the data volume is first initialised (delete the
-- volume - `docker compose -f docker/compose.yml down -v` - to run it again).
-- It mirrors scripts/services.sh:
--   rag_owner  owns the database and its schema, runs the migrations;
--   rag_app    what the API and the workers connect as: owns nothing, no
--              superuser, no BYPASSRLS, so Row-Level Security always applies;
--   rag_platform  what the platform-admin routes connect as to create and list
--              tenants (the runtime role may do neither);
--   vector     pgvector is not a trusted extension, so it is created here by
--              the superuser and not in a migration.
-- The passwords are for a local/dev stack only: in production provision your
-- own roles and pass DATABASE_URL / DATABASE_MIGRATION_URL / DATABASE_PLATFORM_URL.

\set ON_ERROR_STOP on
SET client_min_messages = warning;

DO $$
BEGIN
  IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'rag_owner') THEN
    CREATE ROLE rag_owner LOGIN PASSWORD 'rag_owner' NOSUPERUSER NOBYPASSRLS CREATEROLE;
  END IF;
  IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'rag_app') THEN
    CREATE ROLE rag_app LOGIN PASSWORD 'rag_app' NOSUPERUSER NOBYPASSRLS NOCREATEDB NOCREATEROLE;
  END IF;
  IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'rag_platform') THEN
    CREATE ROLE rag_platform LOGIN PASSWORD 'rag_platform' NOSUPERUSER NOBYPASSRLS NOCREATEDB NOCREATEROLE;
  END IF;
END
$$;

-- CREATE DATABASE cannot run inside a DO block; \gexec runs it only if missing.
SELECT 'CREATE DATABASE ragdocs OWNER rag_owner'
WHERE NOT EXISTS (SELECT 1 FROM pg_database WHERE datname = 'ragdocs')
\gexec

GRANT CONNECT ON DATABASE ragdocs TO rag_app;
GRANT CONNECT ON DATABASE ragdocs TO rag_platform;

\connect ragdocs
SET client_min_messages = warning;
CREATE EXTENSION IF NOT EXISTS vector;
