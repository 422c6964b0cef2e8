import { platformDatabaseUrl } from '../../config/database-urls.js';
import { platformEmbeddingModel, type ProviderKind } from '../../config/embedding-default.js';

/**
 * What the schema migrations need from the environment. Read directly (not
 * through AppConfig) because migrations must run without the app's secrets.
 */
export interface MigrationSettings {
  embeddingDimensions: number;
  /** The platform's default embedding model: what existing chunks are marked with when embedding sets arrive. */
  embeddingModel: { provider: ProviderKind; model: string };
  runtimeRole: string;
  runtimePassword?: string;
  /** The platform-admin role (DATABASE_PLATFORM_URL's user): lists and creates tenants. */
  platformRole: string;
  platformPassword?: string;
}

export function migrationSettings(env: NodeJS.ProcessEnv = process.env): MigrationSettings {
  const dims = Number(env.EMBEDDING_DIMENSIONS || 1536);
  if (!Number.isInteger(dims) || dims < 1 || dims > 16000)
    throw new Error(`EMBEDDING_DIMENSIONS must be an integer 1..16000, got ${env.EMBEDDING_DIMENSIONS}`);
  const url = new URL(env.DATABASE_URL || 'postgres://rag_app:rag_app@127.0.0.1:5432/ragdocs');
  const runtimeRole = decodeURIComponent(url.username);
  if (!/^[a-z_][a-z0-9_]{0,62}$/.test(runtimeRole)) throw new Error(`DATABASE_URL's user must be a plain role name, got "${runtimeRole}"`);
  const platformUrl = new URL(platformDatabaseUrl(env));
  const platformRole = decodeURIComponent(platformUrl.username);
  if (!/^[a-z_][a-z0-9_]{0,62}$/.test(platformRole))
    throw new Error(`DATABASE_PLATFORM_URL's user must be a plain role name, got "${platformRole}"`);
  if (platformRole === runtimeRole)
    throw new Error('DATABASE_PLATFORM_URL must use a role of its own, not the runtime role of DATABASE_URL');
  const { provider, model } = platformEmbeddingModel(env);
  return {
    embeddingDimensions: dims,
    embeddingModel: { provider, model },
    runtimeRole,
    runtimePassword: url.password ? decodeURIComponent(url.password) : undefined,
    platformRole,
    platformPassword: platformUrl.password ? decodeURIComponent(platformUrl.password) : undefined,
  };
}

export const quoteLiteral = (s: string) => `'${s.replace(/'/g, "''")}'`;
