/**
 * Shared pieces of the bench modules (writes.bench.ts, api.bench.ts, run.ts):
 * logging, knobs, the bench databases, vector-index bookkeeping, COPY BINARY
 * rows, synthetic text and percentiles. Nothing here runs on import.
 */
import { Logger } from '@nestjs/common';
import { spawn, type ChildProcess } from 'node:child_process';
import net from 'node:net';
import { randomUUID } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { Redis } from 'ioredis';
import pg from 'pg';
import copyStreams from 'pg-copy-streams';
import { VectorIndexRepository } from '../apps/worker/src/vector-index/vector-index.repository.js';
import { VectorIndexService } from '../apps/worker/src/vector-index/vector-index.service.js';
import type { AppConfig } from '../libs/config/config.js';
import { platformEmbeddingModel } from '../libs/config/embedding-default.js';
import { createMigrationDataSource } from '../libs/database/data-source.js';
import type { TenantDb } from '../libs/database/tenant-db.js';
import { EmbeddingSetsRepository } from '../libs/embedding-sets/embedding-sets.repository.js';
import type { EmbeddingSwitchQueue } from '../libs/queue/embedding-switch.queue.js';
import type { VectorIndexQueue } from '../libs/queue/vector-index.queue.js';
import { prng } from '../test/support/prng.js';

// ---------------------------------------------------------------- logging and knobs
const started = Date.now();

/** Nest's Logger writes to stdout, which the bench modules keep for their Markdown: send its lines to `log` (stderr). */
export function nestLogsToStderr(log: (m: string) => void): void {
  const line = (prefix: string) => (m: unknown, ctx?: string) =>
    log(`${prefix}${ctx ? `[${ctx}] ` : ''}${typeof m === 'string' ? m : JSON.stringify(m)}`);
  Logger.overrideLogger({ log: line(''), warn: line('warn '), error: line('error '), debug: () => undefined, verbose: () => undefined });
}
/** Progress goes to stderr; stdout is kept for the Markdown section. */
export const logger = (name: string) => (msg: string) => console.error(`[${name} +${((Date.now() - started) / 1000).toFixed(0)}s] ${msg}`);

export function intEnv(name: string, fallback: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 0) throw new Error(`${name} must be a non-negative integer, got "${raw}"`);
  return n;
}

export function listEnv(name: string, fallback: number[]): number[] {
  const raw = process.env[name];
  if (!raw) return fallback;
  return raw.split(',').map((s) => {
    const n = Number(s.trim());
    if (!Number.isInteger(n) || n < 1) throw new Error(`${name} must be a comma-separated list of positive integers, got "${raw}"`);
    return n;
  });
}

/** 12 345 (thin-space thousands), as bench/RESULTS.md writes figures. */
export const num = (n: number, digits = 0) =>
  n.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits }).replace(/,/g, ' ');

/** The installed version of a package (from its package.json, found next to its entry point when `exports` hides it), or "?". */
export function pkgVersion(name: string): string {
  const require = createRequire(import.meta.url);
  try {
    return (require(`${name}/package.json`) as { version: string }).version;
  } catch {
    try {
      let dir = dirname(require.resolve(name));
      for (;;) {
        const manifest = join(dir, 'package.json');
        if (existsSync(manifest)) {
          const pkg = JSON.parse(readFileSync(manifest, 'utf8')) as { name?: string; version?: string };
          if (pkg.name === name && pkg.version) return pkg.version;
        }
        if (dirname(dir) === dir) return '?';
        dir = dirname(dir);
      }
    } catch {
      return '?';
    }
  }
}

/** Nearest-rank percentile. */
export function pct(xs: readonly number[], p: number): number {
  if (!xs.length) return NaN;
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.max(0, Math.ceil((p / 100) * s.length) - 1))]!;
}

export const median = (xs: readonly number[]) => pct(xs, 50);

// ---------------------------------------------------------------- databases
/** The bench modules drop and re-create their own database on every run: only names of this form are accepted. */
const OWN_DB = /^ragdocs_bench_[a-z0-9_]+$/;

export interface BenchUrls {
  db: string;
  superUrl: string;
  maintUrl: string;
  migrationUrl: string;
  runtimeUrl: string;
  owner: string;
  runtimeRole: string;
}

function withDb(url: string, db: string): string {
  const u = new URL(url);
  u.pathname = `/${db}`;
  return u.toString();
}

/** Connection strings for database `db`, from the same variables the apps and scripts/services.sh use. */
export function benchUrls(db: string): BenchUrls {
  const admin = process.env.DATABASE_ADMIN_URL || 'postgres://postgres@127.0.0.1:5432/postgres';
  const migration = process.env.DATABASE_MIGRATION_URL || 'postgres://rag_owner:rag_owner@127.0.0.1:5432/ragdocs';
  const runtime = process.env.DATABASE_URL || 'postgres://rag_app:rag_app@127.0.0.1:5432/ragdocs';
  return {
    db,
    superUrl: withDb(admin, db),
    maintUrl: withDb(admin, 'postgres'),
    migrationUrl: withDb(migration, db),
    runtimeUrl: withDb(runtime, db),
    owner: decodeURIComponent(new URL(migration).username),
    runtimeRole: decodeURIComponent(new URL(runtime).username),
  };
}

function assertOwnDb(db: string): void {
  if (!OWN_DB.test(db)) {
    throw new Error(`refusing to drop/re-create database "${db}": a bench module's own database must be named ragdocs_bench_<something>`);
  }
}

/**
 * Drops and re-creates the bench module's own database, adds the vector
 * extension (superuser) and runs the project's migrations as the owner role:
 * the schema (and the roles) are exactly what the migrations make.
 */
export async function freshDatabase(urls: BenchUrls, log: (m: string) => void): Promise<void> {
  assertOwnDb(urls.db);
  const c = new pg.Client({ connectionString: urls.maintUrl });
  await c.connect();
  try {
    await c.query(`DROP DATABASE IF EXISTS ${pg.escapeIdentifier(urls.db)} WITH (FORCE)`);
    await c.query(`CREATE DATABASE ${pg.escapeIdentifier(urls.db)} OWNER ${pg.escapeIdentifier(urls.owner)}`);
  } finally {
    await c.end();
  }
  const s = new pg.Client({ connectionString: urls.superUrl });
  await s.connect();
  try {
    await s.query(`SET client_min_messages = warning`);
    await s.query(`CREATE EXTENSION IF NOT EXISTS vector`);
  } finally {
    await s.end();
  }
  await migrate(urls);
  log(`database ${urls.db} created and migrated`);
}

/** The project's migrations, as the owner role, on the bench's database (on Citus they also distribute it). */
export async function migrate(urls: BenchUrls): Promise<void> {
  const m = createMigrationDataSource({ migrationUrl: urls.migrationUrl, connectTimeoutMs: 5000 });
  await m.initialize();
  try {
    await m.runMigrations({ transaction: 'all' });
  } finally {
    await m.destroy();
  }
}

export async function dropDatabase(urls: BenchUrls): Promise<void> {
  assertOwnDb(urls.db);
  const c = new pg.Client({ connectionString: urls.maintUrl });
  await c.connect();
  try {
    await c.query(`DROP DATABASE IF EXISTS ${pg.escapeIdentifier(urls.db)} WITH (FORCE)`);
  } finally {
    await c.end();
  }
}

/** At the end of a bench module: its database goes, unless BENCH_KEEP=1 asked to keep it for a look. */
export async function releaseDatabase(urls: BenchUrls, log: (m: string) => void): Promise<void> {
  if (process.env.BENCH_KEEP === '1') {
    log(`database ${urls.db} kept (BENCH_KEEP=1)`);
    return;
  }
  await dropDatabase(urls).then(
    () => log(`database ${urls.db} dropped`),
    (e) => log(`could not drop ${urls.db}: ${e}`),
  );
}

export type VectorType = 'vector' | 'halfvec';

/**
 * Type of embeddings.embedding, and the dimension of the bench's vectors: the column's own
 * when it has one, else the platform default model's (EMBEDDING_DIMENSIONS), which the
 * bench's tenants get as their embedding set (firstEmbeddingSets).
 */
export async function embeddingColumn(s: pg.Client): Promise<{ type: VectorType; dims: number }> {
  const { rows } = await s.query(
    `SELECT t.typname AS type, a.atttypmod AS dims FROM pg_attribute a JOIN pg_type t ON t.oid = a.atttypid
     WHERE a.attrelid = 'public.embeddings'::regclass AND a.attname = 'embedding'`,
  );
  const { type, dims } = rows[0];
  if (type !== 'vector' && type !== 'halfvec') throw new Error(`embeddings.embedding is ${type}: the bench knows vector and halfvec`);
  return { type, dims: dims > 0 ? dims : platformEmbeddingModel(process.env).dimensions };
}

/** Tenants written in SQL get the set the API would give them: set 1, the platform default model (the chunks' set_id comes from it). */
export async function firstEmbeddingSets(s: pg.Client, tenantIds: string[], dims: number): Promise<void> {
  const { provider, model } = platformEmbeddingModel(process.env);
  await s.query(
    `INSERT INTO embedding_sets (tenant_id, id, provider, model, dimensions, state, activated_at)
     SELECT t, 1, $2, $3, $4, 'active', now() FROM unnest($1::uuid[]) t`,
    [tenantIds, provider, model, dims],
  );
}

/** The worker's index builder, for a bench that builds the indexes itself (no queues: nothing is asked of other jobs). */
export function vectorIndexService(db: TenantDb, config: AppConfig): VectorIndexService {
  const noQueue = { request: async () => true };
  return new VectorIndexService(
    db,
    new VectorIndexRepository(),
    new EmbeddingSetsRepository(),
    noQueue as unknown as VectorIndexQueue,
    noQueue as unknown as EmbeddingSwitchQueue,
    config,
  );
}

export interface VectorIndex {
  name: string;
  table: string;
  am: string;
  def: string;
}

/**
 * The vector indexes (hnsw, ivfflat) on a table and, when it is partitioned,
 * on its partitions; only top-level ones (an index attached to a partitioned
 * parent index is dropped and re-created with its parent).
 */
export async function vectorIndexes(s: pg.Client, table = 'public.embeddings'): Promise<VectorIndex[]> {
  const { rows } = await s.query(
    `SELECT ic.oid::regclass::text AS name, i.indrelid::regclass::text AS "table", am.amname AS am, pg_get_indexdef(i.indexrelid) AS def
     FROM pg_index i
     JOIN pg_class ic ON ic.oid = i.indexrelid
     JOIN pg_am am ON am.oid = ic.relam
     WHERE am.amname IN ('hnsw', 'ivfflat')
       AND (i.indrelid = $1::regclass OR i.indrelid IN (SELECT relid FROM pg_partition_tree($1::regclass)))
       AND NOT EXISTS (SELECT 1 FROM pg_inherits h WHERE h.inhrelid = i.indexrelid)
     ORDER BY (i.indrelid = $1::regclass) DESC, 1`,
    [table],
  );
  return rows;
}

export async function dropIndexes(s: pg.Client, indexes: readonly VectorIndex[]): Promise<void> {
  for (const ix of indexes) await s.query(`DROP INDEX IF EXISTS ${ix.name}`);
}

/** Re-creates indexes from their definitions with a generous maintenance_work_mem (build time is not what is measured). */
export async function createIndexes(s: pg.Client, indexes: readonly VectorIndex[], buildMem = '1GB'): Promise<number> {
  const start = Date.now();
  await s.query(`SET maintenance_work_mem = '${buildMem}'`);
  try {
    for (const ix of indexes) await s.query(ix.def);
  } finally {
    await s.query(`RESET maintenance_work_mem`);
  }
  return Date.now() - start;
}

// ---------------------------------------------------------------- COPY BINARY
const uuidBytes = (u: string) => Buffer.from(u.replace(/-/g, ''), 'hex');

/** Field writer for one row of COPY BINARY. */
class RowWriter {
  private parts: Buffer[] = [];
  constructor(fields: number) {
    const b = Buffer.allocUnsafe(2);
    b.writeInt16BE(fields);
    this.parts.push(b);
  }
  private raw(payload: Buffer): this {
    const len = Buffer.allocUnsafe(4);
    len.writeInt32BE(payload.length);
    this.parts.push(len, payload);
    return this;
  }
  uuid(u: string) {
    return this.raw(uuidBytes(u));
  }
  text(t: string) {
    return this.raw(Buffer.from(t.replace(/\u0000/g, ''), 'utf8'));
  }
  int(n: number) {
    const b = Buffer.allocUnsafe(4);
    b.writeInt32BE(n);
    return this.raw(b);
  }
  /** jsonb binary: version 1, then the JSON text. */
  jsonb(v: unknown) {
    return this.raw(Buffer.concat([Buffer.from([1]), Buffer.from(JSON.stringify(v), 'utf8')]));
  }
  /** pgvector binary: int16 dims, int16 unused, then float4 (vector) or float2 (halfvec) big-endian. */
  vector(v: ArrayLike<number>, type: VectorType = 'vector') {
    const size = type === 'halfvec' ? 2 : 4;
    const b = Buffer.allocUnsafe(4 + size * v.length);
    b.writeInt16BE(v.length, 0);
    b.writeInt16BE(0, 2);
    if (type === 'halfvec') {
      const view = new DataView(b.buffer, b.byteOffset, b.byteLength);
      for (let i = 0; i < v.length; i++) view.setFloat16(4 + 2 * i, v[i]!);
    } else {
      for (let i = 0; i < v.length; i++) b.writeFloatBE(v[i]!, 4 + 4 * i);
    }
    return this.raw(b);
  }
  done(): Buffer {
    return Buffer.concat(this.parts);
  }
}

export interface EmbeddingRow {
  tenantId: string;
  documentId: string;
  index: number;
  content: string;
  vector: ArrayLike<number>;
  tokenCount: number;
  model: string;
}

export const EMBEDDINGS_COPY_COLUMNS =
  'tenant_id, id, document_id, chunk_index, content, embedding, page_from, page_to, char_start, char_end, token_count, model';

/** One embeddings row for COPY BINARY, the columns search.bench.ts loads (EMBEDDINGS_COPY_COLUMNS); `type` from embeddingColumn(). */
export function embeddingCopyRow(r: EmbeddingRow, type: VectorType): Buffer {
  return new RowWriter(12)
    .uuid(r.tenantId)
    .uuid(randomUUID())
    .uuid(r.documentId)
    .int(r.index)
    .text(r.content)
    .vector(r.vector, type)
    .int(1)
    .int(1)
    .int(r.index * 10_000)
    .int(r.index * 10_000 + r.content.length)
    .int(r.tokenCount)
    .text(r.model)
    .done();
}

/** One row of a LangChain PGVectorStore table (id, text, metadata, embedding) for COPY BINARY. */
export function langchainCopyRow(content: string, metadata: unknown, vector: ArrayLike<number>): Buffer {
  return new RowWriter(4).uuid(randomUUID()).text(content).jsonb(metadata).vector(vector).done();
}

/** COPY … FROM STDIN (FORMAT binary) of prepared rows; returns the elapsed ms. */
export async function copyBinary(c: pg.Client, copySql: string, rows: Iterable<Buffer>): Promise<number> {
  const header = Buffer.concat([Buffer.from('PGCOPY\n\xff\r\n\0', 'latin1'), Buffer.alloc(8)]);
  const trailer = Buffer.alloc(2);
  trailer.writeInt16BE(-1);
  const start = Date.now();
  await pipeline(
    Readable.from(
      (function* () {
        yield header;
        yield* rows;
        yield trailer;
      })(),
    ),
    c.query(copyStreams.from(copySql)),
  );
  return Date.now() - start;
}

// ---------------------------------------------------------------- synthetic data
export type Rng = ReturnType<typeof prng>;
export { prng };

export function unitInPlace(v: Float64Array): Float64Array {
  let s = 0;
  for (const x of v) s += x * x;
  const n = Math.sqrt(s) || 1;
  for (let i = 0; i < v.length; i++) v[i]! /= n;
  return v;
}

/** Clustered unit vectors: topic centres sharing a common component, plus Gaussian noise (cosine ~0.7 to the centre). */
export function vectorSpace(rnd: Rng, dims: number, topics: number) {
  const gauss = (norm: number) => {
    const v = unitInPlace(Float64Array.from({ length: dims }, () => rnd.gauss()));
    for (let i = 0; i < dims; i++) v[i]! *= norm;
    return v;
  };
  const common = gauss(0.35);
  const centres = Array.from({ length: topics }, () => {
    const v = gauss(1);
    for (let i = 0; i < dims; i++) v[i]! += common[i]!;
    return v;
  });
  return {
    near(topic: number, noise = 0.9): number[] {
      const v = gauss(noise);
      const c = centres[topic % topics]!;
      for (let i = 0; i < dims; i++) v[i]! += c[i]!;
      return Array.from(unitInPlace(v));
    },
  };
}

const FILLER = (
  'the a of to and in is for that with on as by this be are from at or it an was which can when if not all ' +
  'each before after during between about into over under then also only more most other such these those ' +
  'system device user service value step section page table figure note order report record process check ' +
  'set use run start stop open close press hold turn select enter change keep make take show need allow ' +
  'first second new old high low main small large full empty same different current default manual ' +
  'information support settings control access level status time date number name type list data result'
).split(' ');
const SYLLABLES = ['ka', 'lo', 'mi', 'ne', 'ru', 'sa', 'ti', 'vo', 'ze', 'pa', 'qu', 'do', 'fe', 'gi', 'ho', 'ju'];

/** Eight invented words per topic, distinct across topics: what keyword and lexical-vector search can match on. */
export function topicWords(t: number): string[] {
  return Array.from({ length: 8 }, (_, k) => {
    const n = t * 8 + k + 17;
    return `${SYLLABLES[n % 16]}${SYLLABLES[(n >> 4) % 16]}${SYLLABLES[(n >> 8) % 16]}${SYLLABLES[(n * 7 + k) % 16]}`; // unique for n < 4096
  });
}

/** Prose-like text of about `words` words: filler words with the topic's words mixed in (about one in six). */
export function topicText(rnd: Rng, topic: number, words: number): string {
  const tw = topicWords(topic);
  const out: string[] = [];
  let sentence = 0;
  for (let i = 0; i < words; i++) {
    let w = rnd.next() < 0.17 ? tw[rnd.int(tw.length)]! : FILLER[rnd.int(FILLER.length)]!;
    if (sentence === 0) w = w[0]!.toUpperCase() + w.slice(1);
    sentence++;
    const end = sentence > 8 && rnd.next() < 0.15;
    out.push(end ? `${w}.` : w);
    if (end) sentence = 0;
  }
  return out.join(' ') + '.';
}

/** A question about a topic, as a user would type it. */
export function topicQuery(rnd: Rng, topic: number): string {
  const tw = topicWords(topic);
  const a = tw[rnd.int(tw.length)]!;
  let b = tw[rnd.int(tw.length)]!;
  if (b === a) b = tw[(tw.indexOf(a) + 1) % tw.length]!;
  const forms = [`How do I ${a} the ${b}?`, `${a} ${b} settings`, `What is the ${a} ${b} status`, `${a} and ${b}`];
  return forms[rnd.int(forms.length)]!;
}

// ---------------------------------------------------------------- processes
/** A compiled app (API or worker) as a child process; its output is kept for error messages. */
export class App {
  private out = '';
  readonly exited: Promise<number | null>;
  constructor(
    readonly name: string,
    readonly child: ChildProcess,
  ) {
    const keep = (d: Buffer) => {
      this.out = (this.out + d.toString()).slice(-20_000);
    };
    child.stdout!.on('data', keep);
    child.stderr!.on('data', keep);
    this.exited = new Promise((r) => child.on('exit', (code) => r(code)));
  }
  static start(name: string, main: string, env: NodeJS.ProcessEnv): App {
    return new App(name, spawn(process.execPath, ['--enable-source-maps', main], { env, stdio: ['ignore', 'pipe', 'pipe'] }));
  }
  get alive() {
    return this.child.exitCode === null && this.child.signalCode === null;
  }
  get output() {
    return this.out;
  }
  async waitFor(what: string, probe: () => Promise<boolean> | boolean, timeoutMs = 60_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (
      !(await Promise.resolve()
        .then(probe)
        .catch(() => false))
    ) {
      if (!this.alive) throw new Error(`${this.name} exited before ${what}:\n${this.out}`);
      if (Date.now() > deadline) throw new Error(`${this.name}: no ${what} after ${timeoutMs / 1000} s:\n${this.out}`);
      await new Promise((r) => setTimeout(r, 200));
    }
  }
  async stop(): Promise<void> {
    if (!this.alive) return;
    this.child.kill('SIGTERM');
    const timer = setTimeout(() => this.child.kill('SIGKILL'), 30_000);
    await this.exited;
    clearTimeout(timer);
  }
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as net.AddressInfo;
      srv.close(() => resolve(port));
    });
  });
}

/** Removes a run's queue and rate-limit keys (its prefix is unique to the run). */
export async function cleanRedis(prefix: string): Promise<void> {
  const redis = new Redis(process.env.REDIS_URL || 'redis://127.0.0.1:6379', { lazyConnect: true, maxRetriesPerRequest: 1 });
  await redis.connect();
  try {
    let cursor = '0';
    do {
      const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}:*`, 'COUNT', 500);
      cursor = next;
      if (keys.length) await redis.unlink(...keys);
    } while (cursor !== '0');
  } finally {
    redis.disconnect();
  }
}
