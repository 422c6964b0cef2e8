import type { MigrationInterface, QueryRunner } from 'typeorm';
import { migrationSettings, quoteLiteral } from './migration-settings.js';

/** Tables that carry tenant_id; each gets ENABLE + FORCE RLS and the tenant_isolation policy. */
export const TENANT_TABLES = [
  'users',
  'api_keys',
  'folders',
  'documents',
  'document_files',
  'embeddings',
  'ingestion_events',
  'conversations',
  'messages',
  'message_citations',
  'usage_records',
  'audit_logs',
] as const;

const CURRENT_TENANT = `NULLIF(current_setting('app.current_tenant_id', true), '')::uuid`;

/**
 * The whole initial schema. Every tenant table has PRIMARY KEY (tenant_id, id)
 * and foreign keys that include tenant_id, so a row can never point into
 * another tenant and the schema can be distributed by tenant_id (Citus).
 */
export class InitSchema1764000000000 implements MigrationInterface {
  name = 'InitSchema1764000000000';

  async up(q: QueryRunner): Promise<void> {
    const { embeddingDimensions: dims, runtimeRole, runtimePassword } = migrationSettings();

    // Roles: created here when the migration owner may (CREATEROLE), otherwise
    // they must exist already (README, "Managed databases").
    await q.query(`
      DO $$ BEGIN
        IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = ${quoteLiteral(runtimeRole)}) THEN
          EXECUTE format('CREATE ROLE %I LOGIN NOSUPERUSER NOBYPASSRLS NOCREATEDB NOCREATEROLE PASSWORD %L', ${quoteLiteral(runtimeRole)}, ${quoteLiteral(runtimePassword ?? '')});
        END IF;
        IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'rag_auth') THEN
          CREATE ROLE rag_auth NOLOGIN NOSUPERUSER NOBYPASSRLS;
        END IF;
      END $$`);
    await q.query(`GRANT rag_auth TO CURRENT_USER`);
    // Provisioning creates pgvector (a superuser's act); this fails clearly when it did not. Not `CREATE EXTENSION
    // IF NOT EXISTS`: on a Citus coordinator that statement is propagated even when it does nothing, and only the
    // extension's owner may do that.
    await q.query(
      `DO $$ BEGIN IF NOT EXISTS (SELECT 1 FROM pg_extension WHERE extname = 'vector') THEN CREATE EXTENSION vector; END IF; END $$`,
    );

    await q.query(`
      CREATE TABLE tenants (
        id uuid PRIMARY KEY,
        name text NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
        slug text NOT NULL UNIQUE CHECK (slug ~ '^[a-z0-9][a-z0-9-]{1,62}$'),
        settings jsonb NOT NULL DEFAULT '{}'::jsonb,
        created_at timestamptz NOT NULL DEFAULT now()
      )`);
    await q.query(`
      CREATE TABLE users (
        tenant_id uuid NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
        id uuid NOT NULL,
        email text NOT NULL CHECK (length(email) <= 320),
        role text NOT NULL CHECK (role IN ('admin', 'member')),
        password_hash text,
        created_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (tenant_id, id)
      )`);
    await q.query(`CREATE UNIQUE INDEX users_tenant_email_uq ON users (tenant_id, lower(email))`);
    await q.query(`CREATE INDEX users_tenant_created_idx ON users (tenant_id, created_at, id)`);

    await q.query(`
      CREATE TABLE api_keys (
        tenant_id uuid NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
        id uuid NOT NULL,
        user_id uuid NOT NULL,
        name text NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
        prefix text NOT NULL,
        key_hash text NOT NULL,
        last_used_at timestamptz,
        revoked_at timestamptz,
        created_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (tenant_id, id),
        UNIQUE (tenant_id, key_hash),
        FOREIGN KEY (tenant_id, user_id) REFERENCES users (tenant_id, id) ON DELETE CASCADE
      )`);
    await q.query(`CREATE INDEX api_keys_key_hash_idx ON api_keys (key_hash)`); // pre-tenant lookup
    await q.query(`CREATE INDEX api_keys_user_idx ON api_keys (tenant_id, user_id)`);
    await q.query(`CREATE INDEX api_keys_tenant_created_idx ON api_keys (tenant_id, created_at, id)`);

    await q.query(`
      CREATE TABLE folders (
        tenant_id uuid NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
        id uuid NOT NULL,
        user_id uuid,
        parent_id uuid,
        name text NOT NULL CHECK (length(name) BETWEEN 1 AND 255),
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (tenant_id, id),
        UNIQUE NULLS NOT DISTINCT (tenant_id, parent_id, name),
        FOREIGN KEY (tenant_id, user_id) REFERENCES users (tenant_id, id) ON DELETE SET NULL (user_id),
        FOREIGN KEY (tenant_id, parent_id) REFERENCES folders (tenant_id, id) ON DELETE CASCADE
      )`);
    await q.query(`CREATE INDEX folders_user_idx ON folders (tenant_id, user_id)`);
    await q.query(`CREATE INDEX folders_parent_idx ON folders (tenant_id, parent_id)`);

    await q.query(`
      CREATE TABLE documents (
        tenant_id uuid NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
        id uuid NOT NULL,
        user_id uuid,
        folder_id uuid,
        filename text NOT NULL CHECK (length(filename) BETWEEN 1 AND 255),
        mime_type text NOT NULL,
        size_bytes bigint NOT NULL CHECK (size_bytes >= 0),
        content_hash text NOT NULL,
        status text NOT NULL CHECK (status IN ('queued', 'processing', 'ready', 'failed')),
        error text,
        progress smallint NOT NULL DEFAULT 0 CHECK (progress BETWEEN 0 AND 100),
        page_count int,
        chunk_count int,
        attempts int NOT NULL DEFAULT 0,
        lease_expires_at timestamptz,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (tenant_id, id),
        UNIQUE (tenant_id, content_hash),
        FOREIGN KEY (tenant_id, user_id) REFERENCES users (tenant_id, id) ON DELETE SET NULL (user_id),
        FOREIGN KEY (tenant_id, folder_id) REFERENCES folders (tenant_id, id) ON DELETE SET NULL (folder_id)
      )`);
    await q.query(`CREATE INDEX documents_list_idx ON documents (tenant_id, created_at DESC, id DESC)`);
    await q.query(`CREATE INDEX documents_folder_idx ON documents (tenant_id, folder_id)`);
    await q.query(`CREATE INDEX documents_user_idx ON documents (tenant_id, user_id)`);
    // The reconciler's scan: only unfinished documents, by lease expiry.
    await q.query(`CREATE INDEX documents_lease_idx ON documents (lease_expires_at) WHERE status IN ('queued', 'processing')`);

    await q.query(`
      CREATE TABLE document_files (
        tenant_id uuid NOT NULL,
        document_id uuid NOT NULL,
        data bytea NOT NULL,
        PRIMARY KEY (tenant_id, document_id),
        FOREIGN KEY (tenant_id, document_id) REFERENCES documents (tenant_id, id) ON DELETE CASCADE
      )`);
    // Uploads are mostly compressed formats (PDF, DOCX): don't spend CPU compressing them again.
    await q.query(`ALTER TABLE document_files ALTER COLUMN data SET STORAGE EXTERNAL`);

    await q.query(`
      CREATE TABLE embeddings (
        tenant_id uuid NOT NULL,
        id uuid NOT NULL,
        document_id uuid NOT NULL,
        chunk_index int NOT NULL CHECK (chunk_index >= 0),
        content text NOT NULL,
        embedding vector(${dims}) NOT NULL,
        page_from int NOT NULL,
        page_to int NOT NULL,
        char_start int NOT NULL,
        char_end int NOT NULL,
        token_count int NOT NULL,
        model text NOT NULL,
        search_config regconfig NOT NULL DEFAULT 'simple',
        tsv tsvector GENERATED ALWAYS AS (to_tsvector(search_config, content)) STORED,
        created_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (tenant_id, id),
        UNIQUE (tenant_id, document_id, chunk_index),
        FOREIGN KEY (tenant_id, document_id) REFERENCES documents (tenant_id, id) ON DELETE CASCADE
      )`);
    await q.query(`CREATE INDEX embeddings_tsv_idx ON embeddings USING gin (tsv)`);
    if (dims <= 2000) {
      // HNSW handles up to 2000 dimensions; tenant-filtered queries rely on iterative scans (pgvector 0.8).
      await q.query(`CREATE INDEX embeddings_hnsw_idx ON embeddings USING hnsw (embedding vector_cosine_ops)`);
    }

    await q.query(`
      CREATE TABLE ingestion_events (
        tenant_id uuid NOT NULL,
        id uuid NOT NULL,
        document_id uuid NOT NULL,
        attempt int NOT NULL,
        stage text NOT NULL,
        message text,
        details jsonb NOT NULL DEFAULT '{}'::jsonb,
        created_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (tenant_id, id),
        FOREIGN KEY (tenant_id, document_id) REFERENCES documents (tenant_id, id) ON DELETE CASCADE
      )`);
    await q.query(`CREATE INDEX ingestion_events_document_idx ON ingestion_events (tenant_id, document_id, created_at)`);

    await q.query(`
      CREATE TABLE conversations (
        tenant_id uuid NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
        id uuid NOT NULL,
        user_id uuid NOT NULL,
        title text CHECK (length(title) <= 500),
        system_prompt text,
        folder_ids uuid[] NOT NULL DEFAULT '{}',
        document_ids uuid[] NOT NULL DEFAULT '{}',
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (tenant_id, id),
        FOREIGN KEY (tenant_id, user_id) REFERENCES users (tenant_id, id) ON DELETE CASCADE
      )`);
    await q.query(`CREATE INDEX conversations_user_list_idx ON conversations (tenant_id, user_id, updated_at DESC, id DESC)`);
    await q.query(`CREATE INDEX conversations_list_idx ON conversations (tenant_id, updated_at DESC, id DESC)`);

    await q.query(`
      CREATE TABLE messages (
        tenant_id uuid NOT NULL,
        id uuid NOT NULL,
        conversation_id uuid NOT NULL,
        role text NOT NULL CHECK (role IN ('user', 'assistant', 'system')),
        content text NOT NULL,
        metadata jsonb NOT NULL DEFAULT '{}'::jsonb,
        created_at timestamptz NOT NULL DEFAULT clock_timestamp(),
        PRIMARY KEY (tenant_id, id),
        FOREIGN KEY (tenant_id, conversation_id) REFERENCES conversations (tenant_id, id) ON DELETE CASCADE
      )`);
    await q.query(`CREATE INDEX messages_conversation_idx ON messages (tenant_id, conversation_id, created_at, id)`);

    await q.query(`
      CREATE TABLE message_citations (
        tenant_id uuid NOT NULL,
        message_id uuid NOT NULL,
        rank int NOT NULL,
        chunk_id uuid NOT NULL,
        document_id uuid,
        similarity real NOT NULL,
        PRIMARY KEY (tenant_id, message_id, rank),
        FOREIGN KEY (tenant_id, message_id) REFERENCES messages (tenant_id, id) ON DELETE CASCADE,
        FOREIGN KEY (tenant_id, document_id) REFERENCES documents (tenant_id, id) ON DELETE SET NULL (document_id)
      )`);
    await q.query(`CREATE INDEX message_citations_document_idx ON message_citations (tenant_id, document_id)`);

    await q.query(`
      CREATE TABLE usage_records (
        tenant_id uuid NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
        day date NOT NULL,
        kind text NOT NULL CHECK (kind IN ('chat', 'embedding')),
        model text NOT NULL,
        prompt_tokens bigint NOT NULL DEFAULT 0,
        completion_tokens bigint NOT NULL DEFAULT 0,
        requests int NOT NULL DEFAULT 0,
        PRIMARY KEY (tenant_id, day, kind, model)
      )`);

    await q.query(`
      CREATE TABLE audit_logs (
        tenant_id uuid NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
        id uuid NOT NULL,
        actor_user_id uuid,
        action text NOT NULL,
        target_type text,
        target_id uuid,
        details jsonb NOT NULL DEFAULT '{}'::jsonb,
        created_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (tenant_id, id),
        FOREIGN KEY (tenant_id, actor_user_id) REFERENCES users (tenant_id, id) ON DELETE SET NULL (actor_user_id)
      )`);
    await q.query(`CREATE INDEX audit_logs_list_idx ON audit_logs (tenant_id, created_at DESC, id DESC)`);
    await q.query(`CREATE INDEX audit_logs_actor_idx ON audit_logs (tenant_id, actor_user_id)`);

    // Row-Level Security: no tenant set -> NULL -> no row matches, never all rows.
    for (const table of TENANT_TABLES) {
      await q.query(`ALTER TABLE ${table} ENABLE ROW LEVEL SECURITY`);
      await q.query(`ALTER TABLE ${table} FORCE ROW LEVEL SECURITY`);
      await q.query(
        `CREATE POLICY tenant_isolation ON ${table} USING (tenant_id = ${CURRENT_TENANT}) WITH CHECK (tenant_id = ${CURRENT_TENANT})`,
      );
    }
    // A tenant sees (and may create, for provisioning) only its own tenants row.
    await q.query(`ALTER TABLE tenants ENABLE ROW LEVEL SECURITY`);
    await q.query(`ALTER TABLE tenants FORCE ROW LEVEL SECURITY`);
    await q.query(`CREATE POLICY tenant_isolation ON tenants USING (id = ${CURRENT_TENANT}) WITH CHECK (id = ${CURRENT_TENANT})`);

    // Pre-tenant lookups. They run as rag_auth (NOLOGIN, owns no table), whose
    // only extra right is to read the few columns these functions return.
    for (const table of ['tenants', 'users', 'api_keys']) {
      await q.query(`CREATE POLICY auth_lookup ON ${table} FOR SELECT TO rag_auth USING (true)`);
    }
    await q.query(`GRANT USAGE ON SCHEMA public TO rag_auth`);
    await q.query(`GRANT SELECT ON tenants, users, api_keys TO rag_auth`);
    await q.query(`
      CREATE FUNCTION auth_api_key(p_key_hash text)
      RETURNS TABLE (tenant_id uuid, user_id uuid, role text, email text, key_id uuid)
      LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog, public AS $$
        SELECT k.tenant_id, k.user_id, u.role, u.email, k.id
        FROM public.api_keys k JOIN public.users u ON u.tenant_id = k.tenant_id AND u.id = k.user_id
        WHERE k.key_hash = p_key_hash AND k.revoked_at IS NULL
      $$`);
    await q.query(`
      CREATE FUNCTION auth_login_lookup(p_slug text, p_email text)
      RETURNS TABLE (tenant_id uuid, user_id uuid, role text, email text, password_hash text)
      LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog, public AS $$
        SELECT u.tenant_id, u.id, u.role, u.email, u.password_hash
        FROM public.tenants t JOIN public.users u ON u.tenant_id = t.id
        WHERE t.slug = p_slug AND lower(u.email) = lower(p_email)
      $$`);
    // Platform administration across tenants: listing them is the one cross-tenant read.
    await q.query(`
      CREATE FUNCTION admin_list_tenants()
      RETURNS SETOF public.tenants
      LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog, public AS $$
        SELECT * FROM public.tenants ORDER BY created_at, id
      $$`);
    // A new owner needs CREATE on the schema at the moment of the change only.
    await q.query(`GRANT CREATE ON SCHEMA public TO rag_auth`);
    for (const fn of ['auth_api_key(text)', 'auth_login_lookup(text, text)', 'admin_list_tenants()']) {
      await q.query(`ALTER FUNCTION ${fn} OWNER TO rag_auth`);
      await q.query(`REVOKE ALL ON FUNCTION ${fn} FROM PUBLIC`);
      await q.query(`GRANT EXECUTE ON FUNCTION ${fn} TO ${runtimeRole}`);
    }

    await q.query(`REVOKE CREATE ON SCHEMA public FROM rag_auth`);

    // The runtime role reads and writes rows; it owns nothing and cannot change the schema.
    await q.query(`GRANT USAGE ON SCHEMA public TO ${runtimeRole}`);
    await q.query(`REVOKE CREATE ON SCHEMA public FROM PUBLIC`);
    await q.query(`GRANT SELECT, INSERT, UPDATE, DELETE ON tenants, ${TENANT_TABLES.join(', ')} TO ${runtimeRole}`);
    await q.query(`GRANT SELECT ON migrations TO ${runtimeRole}`); // /health/ready checks migrations are applied
  }

  async down(q: QueryRunner): Promise<void> {
    for (const fn of ['auth_api_key(text)', 'auth_login_lookup(text, text)', 'admin_list_tenants()']) {
      await q.query(`DROP FUNCTION IF EXISTS ${fn}`);
    }
    for (const table of [...TENANT_TABLES].reverse()) await q.query(`DROP TABLE IF EXISTS ${table} CASCADE`);
    await q.query(`DROP TABLE IF EXISTS tenants CASCADE`);
  }
}
