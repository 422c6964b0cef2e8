import { Transform } from 'class-transformer';
import { IsBoolean, IsIn, IsInt, IsNumber, IsOptional, IsString, IsUrl, Matches, Max, Min, MinLength } from 'class-validator';

const toInt = ({ value }: { value: unknown }) => (value === undefined || value === '' ? undefined : Number(value));
const toBool = ({ value }: { value: unknown }) =>
  value === undefined || value === '' ? undefined : typeof value === 'string' && ['1', 'true', 'yes', 'on'].includes(value.toLowerCase());

/**
 * Every environment variable the apps read, validated once at start-up.
 * Defaults work on a developer machine; see .env.example for what each means.
 */
export class EnvironmentDto {
  @IsOptional()
  @IsIn(['development', 'production', 'test'])
  NODE_ENV: 'development' | 'production' | 'test' = 'development';

  @Transform(toInt)
  @IsInt()
  @Min(0)
  @Max(65535)
  PORT = 3000;

  @IsString()
  @Matches(/^postgres(ql)?:\/\//, { message: 'DATABASE_URL must be a postgres:// URL' })
  DATABASE_URL = 'postgres://rag_app:rag_app@127.0.0.1:5432/ragdocs';

  @IsString()
  @Matches(/^postgres(ql)?:\/\//, { message: 'DATABASE_MIGRATION_URL must be a postgres:// URL' })
  DATABASE_MIGRATION_URL = 'postgres://rag_owner:rag_owner@127.0.0.1:5432/ragdocs';

  // Pool sizing from the seed design: 20 kept, bursts to 60.
  @Transform(toInt)
  @IsInt()
  @Min(0)
  @Max(1000)
  DB_POOL_MIN = 20;

  @Transform(toInt)
  @IsInt()
  @Min(1)
  @Max(1000)
  DB_POOL_MAX = 60;

  @Transform(toInt)
  @IsInt()
  @Min(100)
  DB_CONNECT_TIMEOUT_MS = 5000;

  @Transform(toInt)
  @IsInt()
  @Min(100)
  DB_STATEMENT_TIMEOUT_MS = 30000;

  @Transform(toInt)
  @IsInt()
  @Min(1000)
  DB_IDLE_TIMEOUT_MS = 30000;

  // Connections are recycled after this long, so a failed-over or restarted
  // server never leaves stale sockets in the pool.
  @Transform(toInt)
  @IsInt()
  @Min(0)
  DB_MAX_LIFETIME_SECONDS = 1800;

  @IsString()
  @Matches(/^rediss?:\/\//, { message: 'REDIS_URL must be a redis:// URL' })
  REDIS_URL = 'redis://127.0.0.1:6379';

  @IsString()
  @MinLength(24, { message: 'ADMIN_API_KEY must be at least 24 characters' })
  ADMIN_API_KEY: string;

  @IsString()
  @MinLength(32, { message: 'JWT_SECRET must be at least 32 characters' })
  JWT_SECRET: string;

  @Transform(toInt)
  @IsInt()
  @Min(60)
  JWT_EXPIRES_IN_SECONDS = 3600;

  @IsOptional()
  @IsString()
  OPENAI_API_KEY?: string;

  @IsOptional()
  @IsUrl({ require_tld: false, require_protocol: true }, { message: 'OPENAI_BASE_URL must be an http(s) URL' })
  OPENAI_BASE_URL?: string;

  @IsOptional()
  @IsIn(['openai', 'openai-compatible', 'local'])
  EMBEDDING_PROVIDER?: 'openai' | 'openai-compatible' | 'local';

  @IsString()
  EMBEDDING_MODEL = 'text-embedding-3-small';

  @Transform(toInt)
  @IsInt()
  @Min(1)
  @Max(16000)
  EMBEDDING_DIMENSIONS = 1536;

  @IsOptional()
  @IsIn(['openai', 'openai-compatible', 'local'])
  CHAT_PROVIDER?: 'openai' | 'openai-compatible' | 'local';

  @IsString()
  CHAT_MODEL = 'gpt-4o-mini';

  @Transform(toInt)
  @IsInt()
  @Min(1)
  @Max(64)
  WORKER_CONCURRENCY = 2;

  /** Redis key prefix of the queues (separates deployments or test runs sharing one Redis). */
  @IsString()
  @Matches(/^[\w:-]{1,64}$/, { message: 'QUEUE_PREFIX must be 1-64 letters, digits, _ : or -' })
  QUEUE_PREFIX = 'bull';

  /** A queued/processing document whose lease expired is re-enqueued by the reconciler. */
  @Transform(toInt)
  @IsInt()
  @Min(1)
  INGESTION_LEASE_SECONDS = 120;

  @Transform(toInt)
  @IsInt()
  @Min(100)
  RECONCILE_INTERVAL_MS = 30_000;

  /** How long a running job's lock lives; a killed worker's job is taken back after it. */
  @Transform(toInt)
  @IsInt()
  @Min(1000)
  QUEUE_LOCK_DURATION_MS = 30_000;

  /** How long a stopping worker waits for its running jobs before handing them back. */
  @Transform(toInt)
  @IsInt()
  @Min(0)
  WORKER_SHUTDOWN_GRACE_MS = 25_000;

  /** The file the worker touches while it is live (Redis answers, its processors run); the container health check reads its age. */
  @IsString()
  @MinLength(1)
  WORKER_HEARTBEAT_FILE = '/tmp/worker-heartbeat';

  /** How often the worker checks its liveness and, when live, touches the heartbeat file. */
  @Transform(toInt)
  @IsInt()
  @Min(100)
  WORKER_HEARTBEAT_INTERVAL_MS = 15_000;

  /** The worker's own HTTP port for /metrics and /health/live, /health/ready (unset: none; 0: any free port, logged). */
  @IsOptional()
  @Transform(toInt)
  @IsInt()
  @Min(0)
  @Max(65535)
  WORKER_METRICS_PORT?: number;

  @Transform(toInt)
  @IsInt()
  @Min(100)
  PARSE_TIMEOUT_MS = 60_000;

  @Transform(toInt)
  @IsInt()
  @Min(1)
  PARSE_MAX_PAGES = 2000;

  /**
   * Cap on the whole parser process (its resident memory, not only the JS heap): past
   * it the process is killed and the document fails. One process per running job, so
   * a worker's parsers together stay under WORKER_CONCURRENCY × this: 200 keeps two
   * bombs at once under 512 MB. Measured needs: a 2000-page PDF 160 MB, 8 MB of plain
   * text 167 MB; a 10 MB text file needs about 215 MB.
   */
  @Transform(toInt)
  @IsInt()
  @Min(128)
  PARSE_MAX_MEMORY_MB = 200;

  @Transform(toInt)
  @IsInt()
  @Min(50)
  @Max(8000)
  CHUNK_TOKENS = 500;

  @Transform(toInt)
  @IsInt()
  @Min(0)
  @Max(4000)
  CHUNK_OVERLAP_TOKENS = 50;

  /** Texts per embedding request. */
  @Transform(toInt)
  @IsInt()
  @Min(1)
  @Max(2048)
  EMBEDDING_BATCH_SIZE = 64;

  /** Embedding requests in flight per job. */
  @Transform(toInt)
  @IsInt()
  @Min(1)
  @Max(64)
  EMBEDDING_CONCURRENCY = 2;

  /** Embedding requests per minute across all worker processes (shared through Redis); 0 = unlimited. */
  @Transform(toInt)
  @IsInt()
  @Min(0)
  EMBEDDING_RPM = 3000;

  @Transform(toInt)
  @IsInt()
  @Min(0)
  @Max(20)
  OPENAI_MAX_RETRIES = 5;

  @Transform(toInt)
  @IsInt()
  @Min(1000)
  OPENAI_TIMEOUT_MS = 60_000;

  @Transform(toInt)
  @IsInt()
  @Min(1)
  UPLOAD_MAX_BYTES = 50 * 1024 * 1024;

  @Transform(toInt)
  @IsInt()
  @Min(1024)
  JSON_BODY_MAX_BYTES = 1024 * 1024;

  @Transform(toBool)
  @IsOptional()
  TRUST_PROXY?: boolean;

  /**
   * Tenants (or search scopes) with fewer chunks than this are searched by an
   * exact scan; a tenant that reaches it gets its own HNSW index (and its own
   * full-text index: TenantKeywordIndex migration), built in the background by
   * the worker (bench/RESULTS.md shows why 10,000).
   */
  @Transform(toInt)
  @IsInt()
  @Min(100)
  VECTOR_INDEX_MIN_ROWS = 10_000;

  /** Rows written since a tenant's index was built are searched exactly; past this many (and VECTOR_INDEX_REBUILD_PERCENT of the index) it is rebuilt. */
  @Transform(toInt)
  @IsInt()
  @Min(1)
  VECTOR_INDEX_REBUILD_ROWS = 2_000;

  @Transform(toInt)
  @IsInt()
  @Min(0)
  @Max(1000)
  VECTOR_INDEX_REBUILD_PERCENT = 10;

  /** HNSW graph degree and build-time candidate list of the per-tenant indexes (sets above VECTOR_IVF_MAX_ROWS). */
  @Transform(toInt)
  @IsInt()
  @Min(4)
  @Max(100)
  VECTOR_INDEX_M = 32;

  @Transform(toInt)
  @IsInt()
  @Min(8)
  @Max(1000)
  VECTOR_INDEX_EF_CONSTRUCTION = 200;

  /** maintenance_work_mem of an index build: the whole graph should fit, or the build slows down a lot. */
  @Transform(toInt)
  @IsInt()
  @Min(64)
  VECTOR_INDEX_BUILD_MEMORY_MB = 1024;

  /** How often the worker looks for tenants whose index is missing or stale. */
  @Transform(toInt)
  @IsInt()
  @Min(1000)
  VECTOR_INDEX_SWEEP_MS = 60_000;

  /**
   * A set's own index is IVFFlat up to this many rows, HNSW above (bench/LAYOUT.md, section 7): IVF reads a share of the
   * set's rows, so its time grows with the set, and past ~100 000 rows it would leave the latency budget. 0 = HNSW always.
   */
  @Transform(toInt)
  @IsInt()
  @Min(0)
  VECTOR_IVF_MAX_ROWS = 100_000;

  /**
   * Rows per IVF list: lists = rows / this. 250, not pgvector's guidance of 1 000: with finer lists the rows nearest a
   * question sit in fewer of them, so a share of the lists holds more of them (bench/LAYOUT.md, section 9).
   */
  @Transform(toInt)
  @IsInt()
  @Min(10)
  VECTOR_IVF_LIST_ROWS = 250;

  /**
   * An IVF set of this many rows or more gets two half indexes (even and odd seqs), which a search reads at once on two
   * pooled connections when the pool has one idle: 0.65× the time of one index for the same rows (bench/LAYOUT.md,
   * section 11). Below it the second connection's round trips cost more than they save. 0 = never split.
   */
  @Transform(toInt)
  @IsInt()
  @Min(0)
  VECTOR_IVF_SPLIT_ROWS = 30_000;

  /** The share of an IVF index's lists a search reads, in % (ivfflat.probes = lists × this / 100, at least 1). */
  @Transform(toInt)
  @IsInt()
  @Min(1)
  @Max(100)
  VECTOR_IVF_PROBE_PERCENT = 35;

  /**
   * The share read for a question near one of the set's topics (its focus ratio below VECTOR_IVF_FOCUS_RATIO), in %;
   * 0: every search reads VECTOR_IVF_PROBE_PERCENT (libs/retrieval/vector-index.ts, focused probes).
   */
  @Transform(toInt)
  @IsInt()
  @Min(0)
  @Max(100)
  VECTOR_IVF_FOCUSED_PROBE_PERCENT = 10;

  /** A question whose nearest centre of the set is nearer than this share of its median centre's distance reads the focused share. */
  @Transform(toInt)
  @IsNumber()
  @Min(0)
  @Max(1)
  VECTOR_IVF_FOCUS_RATIO = 0.86;

  /** hnsw.ef_search of index searches; 0 = the measured default (400, or more when a search needs more candidates). */
  @Transform(toInt)
  @IsInt()
  @Min(0)
  @Max(1000)
  VECTOR_SEARCH_EF = 0;

  /** statement_timeout of each search statement (search and chat retrieval): past it, 503. */
  @Transform(toInt)
  @IsInt()
  @Min(100)
  SEARCH_TIMEOUT_MS = 5_000;

  /**
   * Search statements whose text holds no tenant run as named (server-side prepared) statements with their plans kept
   * per connection (libs/database/named-statement.ts). Off for a pooler that cannot keep them: PgBouncer in transaction
   * mode before 1.21, or without max_prepared_statements.
   */
  @Transform(toBool)
  @IsBoolean()
  SEARCH_NAMED_STATEMENTS = true;

  // ── Admission control (README, "Capacity isolation") ─────────────────────
  // Requests per minute per tenant, per kind of request; a tenant's
  // settings.limits overrides them. 0 = unlimited. Counted in Redis, so every
  // API process shares one budget.
  @Transform(toInt)
  @IsInt()
  @Min(0)
  RATE_LIMIT_SEARCH_PER_MINUTE = 1200;

  @Transform(toInt)
  @IsInt()
  @Min(0)
  RATE_LIMIT_CHAT_PER_MINUTE = 120;

  @Transform(toInt)
  @IsInt()
  @Min(0)
  RATE_LIMIT_UPLOAD_PER_MINUTE = 600;

  @Transform(toInt)
  @IsInt()
  @Min(0)
  RATE_LIMIT_OPENAI_PER_MINUTE = 300;

  /** One client (API key, user, or IP address) may use this share of its tenant's budget. */
  @Transform(toInt)
  @IsInt()
  @Min(1)
  @Max(100)
  RATE_LIMIT_CLIENT_PERCENT = 50;

  /** At most this share of the connection pool serves one tenant; its further requests wait DB_TENANT_WAIT_MS, then 429. */
  @Transform(toInt)
  @IsInt()
  @Min(1)
  @Max(100)
  DB_TENANT_POOL_PERCENT = 50;

  @Transform(toInt)
  @IsInt()
  @Min(0)
  DB_TENANT_WAIT_MS = 2_000;

  /** Login attempts per minute from one IP address (0 = unlimited). */
  @Transform(toInt)
  @IsInt()
  @Min(0)
  LOGIN_PER_IP_PER_MINUTE = 30;

  /** Failed logins of one account (tenant + email) before it is locked; each further failure doubles the lock. */
  @Transform(toInt)
  @IsInt()
  @Min(1)
  LOGIN_MAX_FAILURES = 5;

  @Transform(toInt)
  @IsInt()
  @Min(1)
  LOGIN_LOCKOUT_SECONDS = 30;

  @Transform(toInt)
  @IsInt()
  @Min(1)
  LOGIN_LOCKOUT_MAX_SECONDS = 900;

  /** Password hashes computed at once (each scrypt takes 32 MiB and a core for ~100 ms), and how many may wait. */
  @Transform(toInt)
  @IsInt()
  @Min(1)
  @Max(64)
  PASSWORD_HASH_CONCURRENCY = 2;

  @Transform(toInt)
  @IsInt()
  @Min(0)
  PASSWORD_HASH_QUEUE = 32;

  @IsIn(['fatal', 'error', 'warn', 'log', 'debug', 'verbose'])
  LOG_LEVEL: 'fatal' | 'error' | 'warn' | 'log' | 'debug' | 'verbose' = 'log';

  // --- Least privilege ---------------------------------------------------------
  /**
   * The platform-admin routes' own role (create and list tenants), so the
   * runtime role cannot. Unset: DATABASE_URL's server and database as
   * rag_platform (libs/config/database-urls.ts).
   */
  @IsOptional()
  @IsString()
  @Matches(/^postgres(ql)?:\/\//, { message: 'DATABASE_PLATFORM_URL must be a postgres:// URL' })
  DATABASE_PLATFORM_URL?: string;

  // --- Decompression bombs (archives: DOCX), checked while inflating ---

  /** All entries of an archive together, decompressed. */
  @Transform(toInt)
  @IsInt()
  @Min(1)
  @Max(4096)
  PARSE_MAX_UNCOMPRESSED_MB = 200;

  /** Largest decompressed/compressed ratio of an archive entry over 1 MB. */
  @Transform(toInt)
  @IsInt()
  @Min(2)
  @Max(100_000)
  PARSE_MAX_COMPRESSION_RATIO = 100;

  // --- Streamed uploads (issue 8) ---
  /** Where the API writes uploads while they arrive (each process in its own 0700 directory); default the OS temp dir. Not a tmpfs: that is memory. */
  @Transform(({ value }: { value: unknown }) => (value === '' ? undefined : value))
  @IsOptional()
  @IsString()
  UPLOAD_TMP_DIR?: string;

  /** Uploads one API process writes into PostgreSQL at once (each holds a pooled connection meanwhile); the rest wait without one. */
  @Transform(toInt)
  @IsInt()
  @Min(1)
  @Max(1000)
  UPLOAD_STORE_CONCURRENCY = 4;

  // --- Fair ingestion: per-tenant caps on unfinished (queued/processing) documents ---
  /**
   * Past it an upload answers 429 with Retry-After; a tenant's `settings.maxQueuedDocuments`
   * overrides it. At most BullMQ's priority limit: a document's rank in its tenant's backlog is its priority.
   */
  @Transform(toInt)
  @IsInt()
  @Min(1)
  @Max(2_097_151)
  INGESTION_MAX_QUEUED_DOCUMENTS = 1000;

  /** Total size of a tenant's unfinished documents; `settings.maxQueuedBytes` overrides it. */
  @Transform(toInt)
  @IsInt()
  @Min(1)
  INGESTION_MAX_QUEUED_BYTES = 2 * 1024 * 1024 * 1024;
}

/** The provider-dependent checks class-validator cannot express per field. */
export function crossFieldProblems(env: EnvironmentDto): string[] {
  const problems: string[] = [];
  for (const [name, provider] of [
    ['EMBEDDING_PROVIDER', env.EMBEDDING_PROVIDER],
    ['CHAT_PROVIDER', env.CHAT_PROVIDER],
  ] as const) {
    if (provider === 'openai' && !env.OPENAI_API_KEY) problems.push(`${name}=openai needs OPENAI_API_KEY`);
    if (provider === 'openai-compatible' && !env.OPENAI_BASE_URL) problems.push(`${name}=openai-compatible needs OPENAI_BASE_URL`);
  }
  if (env.CHUNK_OVERLAP_TOKENS >= env.CHUNK_TOKENS) problems.push('CHUNK_OVERLAP_TOKENS must be smaller than CHUNK_TOKENS');
  if (!env.DATABASE_PLATFORM_URL && !URL.canParse(env.DATABASE_URL))
    problems.push('DATABASE_URL is not a valid URL (DATABASE_PLATFORM_URL is derived from it)');
  if (env.DB_POOL_MIN > env.DB_POOL_MAX) problems.push(`DB_POOL_MIN (${env.DB_POOL_MIN}) must not exceed DB_POOL_MAX (${env.DB_POOL_MAX})`);
  return problems;
}
