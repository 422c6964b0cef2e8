import { collectDefaultMetrics, Counter, Gauge, Histogram, register } from 'prom-client';

/**
 * Every metric of the API and the worker, in one place (one prom-client registry per
 * process; the API serves it at /metrics, the worker on WORKER_METRICS_PORT). Labels are
 * small closed sets: route patterns, never URLs or ids. docker/grafana-dashboard.json
 * charts these names.
 */
collectDefaultMetrics();

export { register };

/** Latency buckets from a cached read to a slow upload or a long answer (seconds). */
const LATENCY = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60];

export const httpDuration = new Histogram({
  name: 'ragdocs_http_request_duration_seconds',
  help: 'HTTP requests by method, route pattern and status, until the answer is sent (a stream: until it ends).',
  labelNames: ['method', 'route', 'status'] as const,
  buckets: LATENCY,
});

export type IngestionStage = 'parse' | 'chunk' | 'embed' | 'write';
export const ingestionStageDuration = new Histogram({
  name: 'ragdocs_ingestion_stage_duration_seconds',
  help: 'Time of each ingestion stage of a document attempt (parse, chunk, embed, write).',
  labelNames: ['stage'] as const,
  buckets: [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300],
});

/** ready, skipped (deleted or already done), retried (an attempt failed, BullMQ tries again), failed (for good), interrupted (shutdown). */
export type IngestionOutcome = 'ready' | 'skipped' | 'retried' | 'failed' | 'interrupted';
export const ingestionDocuments = new Counter({
  name: 'ragdocs_ingestion_documents_total',
  help: 'Ingestion job attempts by outcome: ready, skipped, retried, failed (for good), interrupted (worker shutdown).',
  labelNames: ['outcome'] as const,
});

/** What the scrape-time gauges read: the pools and queues of every app in the process (scrape-sources.ts registers them). */
export const scraped = {
  pools: new Set<{ totalCount: number; idleCount: number; waitingCount: number }>(),
  queues: new Set<{ name: string; getJobCounts(...states: string[]): Promise<Record<string, number>> }>(),
};

const QUEUE_STATES = ['waiting', 'active', 'delayed', 'prioritized', 'waiting-children', 'failed', 'completed'];

export const queueJobs = new Gauge({
  name: 'ragdocs_queue_jobs',
  help: 'Jobs per queue and state (waiting, active, delayed, prioritized, waiting-children, failed, completed), read from Redis at scrape time.',
  labelNames: ['queue', 'state'] as const,
  async collect() {
    // One Redis round trip per queue; a queue that cannot be read (Redis down) keeps its last values.
    const counts = await Promise.all(
      [...scraped.queues].map((q) =>
        q.getJobCounts(...QUEUE_STATES).then(
          (c) => ({ q, c }),
          () => undefined,
        ),
      ),
    );
    for (const entry of counts) {
      if (entry) for (const state of QUEUE_STATES) this.set({ queue: entry.q.name, state }, entry.c[state] ?? 0);
    }
  },
});

export type AiOperation = 'embed' | 'chat';
export const aiDuration = new Histogram({
  name: 'ragdocs_ai_request_duration_seconds',
  help: "Model provider calls by provider and operation (embed: one batch; chat: until the answer's last token), the SDK's retries included.",
  labelNames: ['provider', 'operation'] as const,
  buckets: [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120],
});

export const aiTokens = new Counter({
  name: 'ragdocs_ai_tokens_total',
  help: 'Tokens the model provider reported, by operation and kind (prompt, completion).',
  labelNames: ['operation', 'kind'] as const,
});

export const aiErrors = new Counter({
  name: 'ragdocs_ai_errors_total',
  help: 'Failed model provider calls by operation and kind (rate_limit, server, client, timeout, connection, aborted, invalid_response, other).',
  labelNames: ['operation', 'kind'] as const,
});

export const dbPoolConnections = new Gauge({
  name: 'ragdocs_db_pool_connections',
  help: 'The runtime database pool: total connections, idle ones, and callers waiting for one; read at scrape time.',
  labelNames: ['state'] as const,
  collect() {
    const sum = (f: (p: { totalCount: number; idleCount: number; waitingCount: number }) => number) =>
      [...scraped.pools].reduce((n, p) => n + f(p), 0);
    this.set(
      { state: 'total' },
      sum((p) => p.totalCount),
    );
    this.set(
      { state: 'idle' },
      sum((p) => p.idleCount),
    );
    this.set(
      { state: 'waiting' },
      sum((p) => p.waitingCount),
    );
  },
});

export const searchDuration = new Histogram({
  name: 'ragdocs_search_duration_seconds',
  help: 'Searches by mode (the query embedding included), as the API and chat run them.',
  labelNames: ['mode'] as const,
  buckets: LATENCY,
});

/** Runs `fn` and observes its duration in seconds, whether it succeeds or throws. */
export async function timed<T>(observe: (seconds: number) => void, fn: () => Promise<T>): Promise<T> {
  const started = performance.now();
  try {
    return await fn();
  } finally {
    observe((performance.now() - started) / 1000);
  }
}
