-- Citus only, as the superuser, after docker/postgres-init.sql and before the first migration:
-- the roles the migrations would otherwise create themselves. On Citus a role created by a
-- CREATEROLE owner is propagated to the workers as ALTER ROLE … NOSUPERUSER, which only a
-- superuser may run, so the roles are made here, on the coordinator (Citus propagates them to
-- every node, also to nodes added later). The passwords are the local set-up's, as in
-- postgres-init.sql; in production create them with your own (README, "Scaling out").
SET client_min_messages = warning;
DO $$
BEGIN
  IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'rag_app') THEN
    CREATE ROLE rag_app LOGIN PASSWORD 'rag_app' NOSUPERUSER NOBYPASSRLS NOCREATEDB NOCREATEROLE;
  END IF;
  IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'rag_platform') THEN
    CREATE ROLE rag_platform LOGIN PASSWORD 'rag_platform' NOSUPERUSER NOBYPASSRLS NOCREATEDB NOCREATEROLE;
  END IF;
  -- The owners of the SECURITY DEFINER functions. NOLOGIN on a single node; on Citus they must
  -- be able to log in, because the coordinator runs a function's statements on the workers over
  -- connections made as the function's owner. No password: connections as them between nodes are
  -- authenticated by the nodes' own pg_hba.conf (trust here, between local nodes; in production
  -- certificates or pg_dist_authinfo), and a client's pg_hba.conf line should reject them.
  IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'rag_auth') THEN
    CREATE ROLE rag_auth LOGIN NOSUPERUSER NOBYPASSRLS;
  END IF;
  IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'rag_search') THEN
    CREATE ROLE rag_search LOGIN NOSUPERUSER NOBYPASSRLS;
  END IF;
END
$$;
-- The migrations make these roles own the SECURITY DEFINER functions: the owner role needs membership.
GRANT rag_auth, rag_search TO rag_owner;
