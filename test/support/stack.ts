import { randomUUID } from 'node:crypto';
import { after, before } from 'node:test';
import type pg from 'pg';
import type { TenantDb } from '../../libs/database/tenant-db.js';
import { createTenant, TestApi, type TestTenant } from './api.js';
import { runtimeDb, superClient } from './db.js';
import { FakeOpenAI } from './fake-openai.js';
import { WorkerProcess } from './worker.js';

export type Env = Record<string, string | undefined>;

export interface StackOptions<Labels extends readonly string[] = readonly string[]> {
  /** Runs first, before anything is started (e.g. a private Redis the environment points at). */
  prepare?: () => Promise<unknown>;
  /** Names the stack's BullMQ keys (`QUEUE_PREFIX=<prefix>-<random>`): no two test files share jobs. */
  prefix: string;
  /** The API's and the workers' environment on top of test.sh's; a function of the fake LLM when there is one. */
  env?: Env | ((llm: FakeOpenAI) => Env);
  /** Real worker processes to start (the same entry point as `npm run start:worker`). */
  workers?: number;
  /** What the workers alone get on top of `env`. */
  workerEnv?: Env;
  /** Start the OpenAI-compatible stand-in first (see fake-openai.ts): the one outside vendor. */
  llm?: boolean;
  /** Tenants to create by label, in this order, each with an admin and a member holding API keys. */
  tenants?: Labels;
  /** A superuser connection (catalogue checks, set-up that RLS rightly forbids). */
  superuser?: boolean;
  /** A runtime-role TenantDb with this pool size, as the apps use it. */
  tenantDb?: number;
}

/**
 * What every end-to-end file starts the same way: the fake LLM, the API, workers,
 * tenants and database handles, started in that order before the file's (or the
 * suite's) tests and stopped in the reverse order after them, each stop attempted
 * even when an earlier one fails. Parts not asked for throw when read.
 */
export interface Stack<Tenants extends readonly TestTenant[] = TestTenant[]> {
  /**
   * The stack once started. Read the parts through it in a file's own before():
   * node:test does not wait for one file-level before() hook before starting the
   * next, so that hook may run while the stack is still starting.
   */
  readonly ready: Promise<Stack<Tenants>>;
  readonly env: Env;
  readonly api: TestApi;
  readonly worker: WorkerProcess;
  readonly workers: WorkerProcess[];
  readonly llm: FakeOpenAI;
  /** The tenants asked for, in the order of their labels. */
  readonly tenants: Tenants;
  readonly su: pg.Client;
  readonly tenantDb: TenantDb;
}

/** Registers the before/after hooks in the current file or describe() and returns the stack they start and stop. */
export function useStack<const Labels extends readonly string[] = []>(
  options: StackOptions<Labels>,
): Stack<{ [K in keyof Labels]: TestTenant }> {
  type Started = Stack<{ [K in keyof Labels]: TestTenant }>;
  const parts: Partial<Record<keyof Stack, unknown>> = {};
  const stops: (() => Promise<unknown>)[] = [];
  const get = <K extends keyof Started>(key: K): Started[K] => {
    if (parts[key] === undefined)
      throw new Error(`the test stack has no ${key}: ask useStack() for it, and read it through \`await stack.ready\``);
    return parts[key] as Started[K];
  };
  let starting: Promise<Started> | undefined;
  const stack: Started = Object.defineProperties({} as Started, {
    ready: { get: () => (starting ??= start().then(() => stack)) },
    ...Object.fromEntries(
      (['env', 'api', 'worker', 'workers', 'llm', 'tenants', 'su', 'tenantDb'] as const).map((key) => [
        key,
        { get: () => get(key), enumerable: true },
      ]),
    ),
  });

  before(() => stack.ready);
  async function start(): Promise<void> {
    await options.prepare?.();
    const started = <T>(key: keyof Stack, value: T, stop?: (v: T) => Promise<unknown>): T => {
      parts[key] = value;
      if (stop) stops.push(() => stop(value));
      return value;
    };
    const llm = options.llm ? started('llm', await FakeOpenAI.start(), (l) => l.close()) : undefined;
    const own = typeof options.env === 'function' ? options.env(llm!) : (options.env ?? {});
    const env = started('env', { QUEUE_PREFIX: `${options.prefix}-${randomUUID().slice(0, 8)}`, ...own });
    const api = started('api', await TestApi.start(env), (a) => a.close());
    if (options.workers) {
      const workers = started(
        'workers',
        await Promise.all(Array.from({ length: options.workers }, () => WorkerProcess.start({ ...env, ...options.workerEnv }))),
        (ws) => Promise.all(ws.map((w) => w.stop())),
      );
      parts.worker = workers[0];
    }
    if (options.superuser) started('su', await superClient(), (c) => c.end());
    if (options.tenantDb) started('tenantDb', await runtimeDb(options.tenantDb), (db) => db.dataSource.destroy());
    parts.tenants = await Promise.all((options.tenants ?? []).map((label) => createTenant(api, label)));
  }

  after(async () => {
    const failures: unknown[] = [];
    for (const stop of stops.reverse()) await stop().catch((e: unknown) => failures.push(e));
    if (failures.length) throw failures[0];
  });

  return stack;
}

/** Embeddings from the fake LLM through the OpenAI SDK path (model `test-embed`). */
export const llmEmbeddings = (llm: FakeOpenAI): Env => ({
  EMBEDDING_PROVIDER: 'openai-compatible',
  OPENAI_BASE_URL: llm.baseUrl,
  EMBEDDING_MODEL: 'test-embed',
});

/** Small chunks, one embedding request at a time with one chunk each: a document takes many requests, long enough to interrupt. */
export const ONE_CHUNK_PER_REQUEST: Env = {
  EMBEDDING_BATCH_SIZE: '1',
  EMBEDDING_CONCURRENCY: '1',
  CHUNK_TOKENS: '60',
  CHUNK_OVERLAP_TOKENS: '10',
};
