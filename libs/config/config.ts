import 'reflect-metadata';
import { tmpdir } from 'node:os';
import { plainToInstance } from 'class-transformer';
import { validateSync, type ValidationError } from 'class-validator';
import { platformDatabaseUrl } from './database-urls.js';
import { defaultProvider as providerFor, platformEmbeddingModel, type ProviderKind } from './embedding-default.js';
import { crossFieldProblems, EnvironmentDto } from './env.dto.js';

export type { ProviderKind } from './embedding-default.js';

/** The typed view of the environment that the rest of the code reads. */
export interface AppConfig {
  env: EnvironmentDto['NODE_ENV'];
  port: number;
  logLevel: EnvironmentDto['LOG_LEVEL'];
  trustProxy: boolean;
  database: {
    url: string;
    migrationUrl: string;
    poolMin: number;
    poolMax: number;
    connectTimeoutMs: number;
    statementTimeoutMs: number;
    idleTimeoutMs: number;
    maxLifetimeSeconds: number;
    /** Share of the pool one tenant may hold, and how long its further transactions wait for one of its slots. */
    tenantPoolPercent: number;
    tenantWaitMs: number;
    /** The platform-admin role's connection (DATABASE_PLATFORM_URL). */
    platformUrl: string;
  };
  redisUrl: string;
  queuePrefix: string;
  auth: { adminApiKey: string; jwtSecret: string; jwtExpiresInSeconds: number };
  ai: {
    openaiApiKey?: string;
    openaiBaseUrl?: string;
    embeddingProvider: ProviderKind;
    embeddingModel: string;
    embeddingDimensions: number;
    chatProvider: ProviderKind;
    chatModel: string;
    embeddingBatchSize: number;
    embeddingConcurrency: number;
    embeddingRpm: number;
    maxRetries: number;
    timeoutMs: number;
  };
  worker: {
    concurrency: number;
    lockDurationMs: number;
    shutdownGraceMs: number;
    heartbeatFile: string;
    heartbeatIntervalMs: number;
    /** undefined: no HTTP server in the worker. */
    metricsPort: number | undefined;
  };
  ingestion: {
    leaseSeconds: number;
    reconcileIntervalMs: number;
    parseTimeoutMs: number;
    parseMaxPages: number;
    parseMaxMemoryMb: number;
    chunkTokens: number;
    chunkOverlapTokens: number;
    // Fair ingestion: per-tenant caps on unfinished documents (tenant settings override them).
    maxQueuedDocuments: number;
    maxQueuedBytes: number;
  };
  limits: { uploadMaxBytes: number; jsonBodyMaxBytes: number };
  vectorIndex: VectorIndexSettings;
  admission: AdmissionSettings;
  /** Decompression-bomb limits of the parser (zip-bounds.ts). */
  parseBounds: { maxUncompressedMb: number; maxCompressionRatio: number };
  /** Streamed uploads: where the API keeps an upload on disk between receiving it and storing it. */
  uploads: { tmpDir: string; storeConcurrency: number };
}

/** Per-minute request budgets of a tenant; 0 = unlimited. A tenant's settings.limits overrides each. */
export interface RateBudgets {
  searchPerMinute: number;
  chatPerMinute: number;
  uploadPerMinute: number;
  openaiPerMinute: number;
}

/** Admission control: request rates, the pool share of one tenant, login throttling, password hashing. */
export interface AdmissionSettings {
  rates: RateBudgets;
  clientPercent: number;
  login: { perIpPerMinute: number; maxFailures: number; lockoutSeconds: number; lockoutMaxSeconds: number };
  passwordHash: { concurrency: number; queue: number };
}

/** Where search switches from exact scans to a tenant's own index (IVFFlat, or HNSW for the largest sets), and how those indexes are kept. */
export interface VectorIndexSettings {
  minRows: number;
  rebuildRows: number;
  rebuildPercent: number;
  m: number;
  efConstruction: number;
  /** Sets up to this many rows get IVFFlat, larger ones HNSW (0: HNSW always). */
  ivfMaxRows: number;
  ivfListRows: number;
  /** IVF sets of this many rows or more get two half indexes, read at once (0: never). */
  ivfSplitRows: number;
  ivfProbePercent: number;
  /** 0: no focused probes (libs/retrieval/vector-index.ts). */
  ivfFocusedProbePercent: number;
  ivfFocusRatio: number;
  buildMemoryMb: number;
  sweepIntervalMs: number;
  /** 0 = the measured default */
  efSearch: number;
  /** statement_timeout of search statements */
  searchTimeoutMs: number;
  /** Statements without a tenant in their text as named statements, plans kept (SEARCH_NAMED_STATEMENTS). */
  namedStatements: boolean;
}

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid configuration (${problems.length} problem${problems.length === 1 ? '' : 's'}):\n  - ${problems.join('\n  - ')}`);
    this.name = 'ConfigError';
  }
}

function flatten(errors: ValidationError[]): string[] {
  return errors.flatMap((e) => [
    // A missing variable fails every constraint; saying "required" once is clearer.
    ...(e.value === undefined && e.constraints
      ? [`${e.property} is required`]
      : Object.values(e.constraints ?? {}).map((m) => (m.startsWith(e.property) ? m : `${e.property}: ${m}`))),
    ...flatten(e.children ?? []),
  ]);
}

/** Validates the whole environment and throws one error naming every problem. */
export function loadConfig(source: NodeJS.ProcessEnv = process.env): AppConfig {
  // Empty strings mean "unset" so that `FOO=` in a .env file falls back to the default.
  const plain = Object.fromEntries(Object.entries(source).filter(([, v]) => v !== undefined && v !== ''));
  const env = plainToInstance(EnvironmentDto, plain, { exposeDefaultValues: true });
  const problems = [...flatten(validateSync(env, { whitelist: false, forbidUnknownValues: false })), ...crossFieldProblems(env)];
  if (problems.length) throw new ConfigError(problems);

  const defaultProvider = providerFor(env);
  const embedding = platformEmbeddingModel(plain);
  return {
    env: env.NODE_ENV,
    port: env.PORT,
    logLevel: env.LOG_LEVEL,
    trustProxy: env.TRUST_PROXY ?? false,
    database: {
      url: env.DATABASE_URL,
      migrationUrl: env.DATABASE_MIGRATION_URL,
      poolMin: env.DB_POOL_MIN,
      poolMax: env.DB_POOL_MAX,
      connectTimeoutMs: env.DB_CONNECT_TIMEOUT_MS,
      statementTimeoutMs: env.DB_STATEMENT_TIMEOUT_MS,
      idleTimeoutMs: env.DB_IDLE_TIMEOUT_MS,
      maxLifetimeSeconds: env.DB_MAX_LIFETIME_SECONDS,
      tenantPoolPercent: env.DB_TENANT_POOL_PERCENT,
      tenantWaitMs: env.DB_TENANT_WAIT_MS,
      platformUrl: platformDatabaseUrl({ DATABASE_URL: env.DATABASE_URL, DATABASE_PLATFORM_URL: env.DATABASE_PLATFORM_URL }),
    },
    redisUrl: env.REDIS_URL,
    queuePrefix: env.QUEUE_PREFIX,
    auth: { adminApiKey: env.ADMIN_API_KEY, jwtSecret: env.JWT_SECRET, jwtExpiresInSeconds: env.JWT_EXPIRES_IN_SECONDS },
    ai: {
      openaiApiKey: env.OPENAI_API_KEY,
      openaiBaseUrl: env.OPENAI_BASE_URL,
      embeddingProvider: embedding.provider,
      embeddingModel: embedding.model,
      embeddingDimensions: env.EMBEDDING_DIMENSIONS,
      chatProvider: env.CHAT_PROVIDER ?? defaultProvider,
      chatModel: (env.CHAT_PROVIDER ?? defaultProvider) === 'local' && !source.CHAT_MODEL ? 'local-extractive' : env.CHAT_MODEL,
      embeddingBatchSize: env.EMBEDDING_BATCH_SIZE,
      embeddingConcurrency: env.EMBEDDING_CONCURRENCY,
      embeddingRpm: env.EMBEDDING_RPM,
      maxRetries: env.OPENAI_MAX_RETRIES,
      timeoutMs: env.OPENAI_TIMEOUT_MS,
    },
    worker: {
      concurrency: env.WORKER_CONCURRENCY,
      lockDurationMs: env.QUEUE_LOCK_DURATION_MS,
      shutdownGraceMs: env.WORKER_SHUTDOWN_GRACE_MS,
      heartbeatFile: env.WORKER_HEARTBEAT_FILE,
      heartbeatIntervalMs: env.WORKER_HEARTBEAT_INTERVAL_MS,
      metricsPort: env.WORKER_METRICS_PORT,
    },
    ingestion: {
      leaseSeconds: env.INGESTION_LEASE_SECONDS,
      reconcileIntervalMs: env.RECONCILE_INTERVAL_MS,
      parseTimeoutMs: env.PARSE_TIMEOUT_MS,
      parseMaxPages: env.PARSE_MAX_PAGES,
      parseMaxMemoryMb: env.PARSE_MAX_MEMORY_MB,
      chunkTokens: env.CHUNK_TOKENS,
      chunkOverlapTokens: env.CHUNK_OVERLAP_TOKENS,
      // Fair ingestion
      maxQueuedDocuments: env.INGESTION_MAX_QUEUED_DOCUMENTS,
      maxQueuedBytes: env.INGESTION_MAX_QUEUED_BYTES,
    },
    limits: { uploadMaxBytes: env.UPLOAD_MAX_BYTES, jsonBodyMaxBytes: env.JSON_BODY_MAX_BYTES },
    vectorIndex: {
      minRows: env.VECTOR_INDEX_MIN_ROWS,
      rebuildRows: env.VECTOR_INDEX_REBUILD_ROWS,
      rebuildPercent: env.VECTOR_INDEX_REBUILD_PERCENT,
      m: env.VECTOR_INDEX_M,
      efConstruction: env.VECTOR_INDEX_EF_CONSTRUCTION,
      ivfMaxRows: env.VECTOR_IVF_MAX_ROWS,
      ivfListRows: env.VECTOR_IVF_LIST_ROWS,
      ivfSplitRows: env.VECTOR_IVF_SPLIT_ROWS,
      ivfProbePercent: env.VECTOR_IVF_PROBE_PERCENT,
      ivfFocusedProbePercent: env.VECTOR_IVF_FOCUSED_PROBE_PERCENT,
      ivfFocusRatio: env.VECTOR_IVF_FOCUS_RATIO,
      buildMemoryMb: env.VECTOR_INDEX_BUILD_MEMORY_MB,
      sweepIntervalMs: env.VECTOR_INDEX_SWEEP_MS,
      efSearch: env.VECTOR_SEARCH_EF,
      searchTimeoutMs: env.SEARCH_TIMEOUT_MS,
      namedStatements: env.SEARCH_NAMED_STATEMENTS,
    },
    admission: {
      rates: {
        searchPerMinute: env.RATE_LIMIT_SEARCH_PER_MINUTE,
        chatPerMinute: env.RATE_LIMIT_CHAT_PER_MINUTE,
        uploadPerMinute: env.RATE_LIMIT_UPLOAD_PER_MINUTE,
        openaiPerMinute: env.RATE_LIMIT_OPENAI_PER_MINUTE,
      },
      clientPercent: env.RATE_LIMIT_CLIENT_PERCENT,
      login: {
        perIpPerMinute: env.LOGIN_PER_IP_PER_MINUTE,
        maxFailures: env.LOGIN_MAX_FAILURES,
        lockoutSeconds: env.LOGIN_LOCKOUT_SECONDS,
        lockoutMaxSeconds: env.LOGIN_LOCKOUT_MAX_SECONDS,
      },
      passwordHash: { concurrency: env.PASSWORD_HASH_CONCURRENCY, queue: env.PASSWORD_HASH_QUEUE },
    },
    parseBounds: { maxUncompressedMb: env.PARSE_MAX_UNCOMPRESSED_MB, maxCompressionRatio: env.PARSE_MAX_COMPRESSION_RATIO },
    uploads: { tmpDir: env.UPLOAD_TMP_DIR ?? tmpdir(), storeConcurrency: env.UPLOAD_STORE_CONCURRENCY },
  };
}

/** For main.ts: a bad configuration prints one message naming every problem and exits 1. */
export function loadConfigOrExit(source: NodeJS.ProcessEnv = process.env): AppConfig {
  try {
    return loadConfig(source);
  } catch (e) {
    if (e instanceof ConfigError) {
      console.error(e.message);
      process.exit(1);
    }
    throw e;
  }
}
