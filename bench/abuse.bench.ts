/**
 * Capacity isolation bench (issue 8, rows 1-2 of the capacity report): what one
 * tenant's flood costs another tenant, with admission control off and on, in
 * the same run against the compiled API (`node dist/apps/api/src/main.js`, one
 * process, DB_POOL_MAX 60 as in production).
 *
 * - Own database (BENCH_ABUSE_DB, default ragdocs_bench_abuse), re-created and
 *   migrated; two tenants seeded as superuser with COPY (flooder
 *   BENCH_ABUSE_FLOOD_CHUNKS, victim BENCH_ABUSE_VICTIM_CHUNKS chunks of ~330 words,
 *   vectors from the LocalEmbedder the API also uses).
 * - Search flood: BENCH_ABUSE_CONCURRENCY (100) loops of POST /search, hybrid,
 *   topK 100, a 3,990-character query, for BENCH_ABUSE_SECONDS (20); meanwhile the
 *   victim searches one at a time (hybrid, topK 5) every 100 ms.
 * - Login flood: the same number of concurrent logins to made-up tenants from
 *   one address for 10 s while another address logs a real user in one at a time.
 * - Brute force: 161 wrong passwords in a row for one account, then the right one.
 * - "off": every RATE_LIMIT_* and LOGIN_PER_IP 0, pool share 100 %, 64 hashes at
 *   once, no account lock: what the API did before admission control, except
 *   for the 32-word keyword cap, which stays (it is not a setting).
 * The flood runs in this process; TRUST_PROXY lets X-Forwarded-For stand for
 * distinct client addresses.
 */
import 'reflect-metadata';
import { randomUUID } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { LocalEmbedder } from '../libs/ai/embedding/local.embedder.js';
import {
  App,
  benchUrls,
  cleanRedis,
  copyBinary,
  releaseDatabase,
  embeddingColumn,
  embeddingCopyRow,
  EMBEDDINGS_COPY_COLUMNS,
  freePort,
  freshDatabase,
  intEnv,
  logger,
  num,
  pct,
  prng,
  topicText,
} from './support.js';

const SECONDS = Math.max(2, intEnv('BENCH_ABUSE_SECONDS', 20));
const CONCURRENCY = Math.max(1, intEnv('BENCH_ABUSE_CONCURRENCY', 100));
const FLOOD_CHUNKS = intEnv('BENCH_ABUSE_FLOOD_CHUNKS', 3000);
const VICTIM_CHUNKS = intEnv('BENCH_ABUSE_VICTIM_CHUNKS', 300);
const DB = process.env.BENCH_ABUSE_DB || 'ragdocs_bench_abuse';
const FLOOD_QUERY = ('descaling espresso machine programme minutes ' + 'lorem ipsum dolor sit amet '.repeat(150)).slice(0, 3990);

const log = logger('abuse');
const rnd = prng(8);
const API_MAIN = fileURLToPath(new URL('../apps/api/src/main.js', import.meta.url));

const OFF = {
  RATE_LIMIT_SEARCH_PER_MINUTE: '0',
  RATE_LIMIT_CHAT_PER_MINUTE: '0',
  RATE_LIMIT_UPLOAD_PER_MINUTE: '0',
  RATE_LIMIT_OPENAI_PER_MINUTE: '0',
  LOGIN_PER_IP_PER_MINUTE: '0',
  DB_TENANT_POOL_PERCENT: '100',
  PASSWORD_HASH_CONCURRENCY: '64',
  PASSWORD_HASH_QUEUE: '100000',
  LOGIN_MAX_FAILURES: '1000000',
};
/** The shipped defaults (libs/config/env.dto.ts), stated so that a developer's .env cannot change them here. */
const ON = {
  RATE_LIMIT_SEARCH_PER_MINUTE: '1200',
  RATE_LIMIT_CHAT_PER_MINUTE: '120',
  RATE_LIMIT_UPLOAD_PER_MINUTE: '600',
  RATE_LIMIT_OPENAI_PER_MINUTE: '300',
  RATE_LIMIT_CLIENT_PERCENT: '50',
  LOGIN_PER_IP_PER_MINUTE: '30',
  DB_TENANT_POOL_PERCENT: '50',
  DB_TENANT_WAIT_MS: '2000',
  PASSWORD_HASH_CONCURRENCY: '2',
  PASSWORD_HASH_QUEUE: '32',
  LOGIN_MAX_FAILURES: '5',
  LOGIN_LOCKOUT_SECONDS: '30',
};

interface Tenant {
  id: string;
  slug: string;
  key: string;
  email: string;
  password: string;
}

const counts = (xs: number[]) =>
  Object.entries(xs.reduce<Record<number, number>>((a, s) => ({ ...a, [s]: (a[s] ?? 0) + 1 }), {}))
    .map(([s, n]) => `${s}: ${num(n)}`)
    .join(', ');

async function main(): Promise<void> {
  const urls = benchUrls(DB);
  log(`database ${DB}: drop, create, migrate`);
  await freshDatabase(urls, log);
  const s = new pg.Client({ connectionString: urls.superUrl, application_name: 'bench-abuse' });
  await s.connect();
  const adminKey = process.env.ADMIN_API_KEY;
  if (!adminKey) throw new Error('ADMIN_API_KEY is not set (npm run bench sets it through scripts/env-defaults.sh)');
  const baseEnv: NodeJS.ProcessEnv = {
    ...process.env,
    DATABASE_URL: urls.runtimeUrl,
    DATABASE_MIGRATION_URL: urls.migrationUrl,
    LOG_LEVEL: 'error',
    EMBEDDING_PROVIDER: 'local',
    CHAT_PROVIDER: 'local',
    EMBEDDING_MODEL: '',
    CHAT_MODEL: '',
    TRUST_PROXY: 'true',
    DB_POOL_MAX: '60',
    DB_POOL_MIN: '5',
  };
  const rows: string[] = [];
  try {
    const { dims, type } = await embeddingColumn(s);
    const embedder = new LocalEmbedder(dims);
    let tenants: { victim: Tenant; flooder: Tenant } | undefined;

    for (const [mode, settings] of [
      ['off', OFF],
      ['on', ON],
    ] as const) {
      const port = await freePort();
      const base = `http://127.0.0.1:${port}`;
      const queuePrefix = `bench-abuse-${mode}-${process.pid}`;
      const api = App.start('API', API_MAIN, { ...baseEnv, ...settings, PORT: String(port), QUEUE_PREFIX: queuePrefix });
      try {
        await api.waitFor('/health/ready', async () => (await fetch(`${base}/health/ready`).catch(() => undefined))?.ok ?? false);
        const call = async (path: string, token: string, json: unknown, ip = '10.0.0.1') => {
          const started = performance.now();
          const res = await fetch(base + path, {
            method: 'POST',
            headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json', 'x-forwarded-for': ip },
            body: JSON.stringify(json),
          });
          const text = await res.text();
          return { status: res.status, ms: performance.now() - started, body: text ? JSON.parse(text) : undefined };
        };
        if (!tenants) {
          const make = async (label: string, chunks: number): Promise<Tenant> => {
            const slug = `${label}-${randomUUID().slice(0, 8)}`;
            const t = (await call('/api/v1/admin/tenants', adminKey, { name: slug, slug })).body;
            const password = `pw-${randomUUID()}`;
            const u = (
              await call(`/api/v1/admin/tenants/${t.id}/users`, adminKey, { email: `admin@${slug}.test`, role: 'admin', password })
            ).body;
            const { key } = (await call(`/api/v1/admin/tenants/${t.id}/api-keys`, adminKey, { userId: u.id, name: 'bench' })).body;
            const docs = Array.from({ length: Math.ceil(chunks / 100) }, (_, d) => ({
              id: randomUUID(),
              n: Math.min(100, chunks - d * 100),
            }));
            await s.query(
              `INSERT INTO documents (tenant_id, id, filename, mime_type, size_bytes, content_hash, status, progress, page_count, chunk_count)
              SELECT $1, d, 'bench.txt', 'text/plain', 1000, 'h-' || d, 'ready', 100, 1, n FROM unnest($2::uuid[], $3::int[]) AS u(d, n)`,
              [t.id, docs.map((d) => d.id), docs.map((d) => d.n)],
            );
            const copy: Buffer[] = [];
            for (const d of docs) {
              const texts = Array.from({ length: d.n }, (_, i) => `descaling espresso machine programme ${topicText(rnd, i % 20, 330)}`);
              const vectors = await embedder.embed(texts);
              texts.forEach((content, i) =>
                copy.push(
                  embeddingCopyRow(
                    { tenantId: t.id, documentId: d.id, index: i, content, vector: vectors[i]!, tokenCount: 500, model: embedder.model },
                    type,
                  ),
                ),
              );
            }
            await copyBinary(s, `COPY embeddings (${EMBEDDINGS_COPY_COLUMNS}) FROM STDIN (FORMAT binary)`, copy);
            return { id: t.id, slug, key, email: `admin@${slug}.test`, password };
          };
          tenants = { victim: await make('victim', VICTIM_CHUNKS), flooder: await make('flooder', FLOOD_CHUNKS) };
          await s.query('VACUUM ANALYZE embeddings, documents');
          log(`seeded: victim ${num(VICTIM_CHUNKS)} chunks, flooder ${num(FLOOD_CHUNKS)} chunks`);
        }
        const { victim, flooder } = tenants;
        const victimSearch = () =>
          call('/api/v1/search', victim.key, { query: 'how long does descaling take', mode: 'hybrid', topK: 5 }, '10.0.0.2');

        // Baseline, then the search flood.
        const baseline: number[] = [];
        for (let i = 0; i < 30; i++) baseline.push((await victimSearch()).ms);
        log(`${mode}: search flood, ${CONCURRENCY} × ${SECONDS} s`);
        const deadline = Date.now() + SECONDS * 1000;
        const floodStatuses: number[] = [];
        const flood = Array.from({ length: CONCURRENCY }, async () => {
          while (Date.now() < deadline)
            floodStatuses.push(
              (
                await call('/api/v1/search', flooder.key, { query: FLOOD_QUERY, mode: 'hybrid', topK: 100 }, '10.6.6.6').catch(() => ({
                  status: 0,
                }))
              ).status,
            );
        });
        const victimMs: number[] = [];
        const victimStatuses: number[] = [];
        await new Promise((r) => setTimeout(r, 1000));
        while (Date.now() < deadline - 500) {
          const r = await victimSearch();
          victimMs.push(r.ms);
          victimStatuses.push(r.status);
          await new Promise((r2) => setTimeout(r2, 100));
        }
        await Promise.all(flood);
        rows.push(
          `| ${mode} | search flood | ${num(pct(baseline, 50))} / ${num(pct(baseline, 95))} ms | ${num(pct(victimMs, 50))} / ${num(pct(victimMs, 95))} / ${num(Math.max(...victimMs))} ms | ${counts(victimStatuses)} | ${counts(floodStatuses)} |`,
        );
        log(rows[rows.length - 1]!);

        // Login flood from one address; another address logs in.
        const login = (tenant: string, email: string, password: string, ip: string) =>
          call('/api/v1/auth/login', '', { tenant, email, password }, ip);
        const loginBase: number[] = [];
        for (let i = 0; i < 5; i++) loginBase.push((await login(victim.slug, victim.email, victim.password, '10.0.1.1')).ms);
        const loginDeadline = Date.now() + 10_000;
        const loginFlood: number[] = [];
        let n = 0;
        const lflood = Array.from({ length: CONCURRENCY }, async () => {
          while (Date.now() < loginDeadline)
            loginFlood.push((await login(`made-up-${n++}`, `x${n}@x.test`, 'password', '10.6.6.7').catch(() => ({ status: 0 }))).status);
        });
        const loginMs: number[] = [];
        const loginStatuses: number[] = [];
        await new Promise((r) => setTimeout(r, 500));
        while (Date.now() < loginDeadline - 500) {
          const r = await login(victim.slug, victim.email, victim.password, '10.0.1.1');
          loginMs.push(r.ms);
          loginStatuses.push(r.status);
        }
        await Promise.all(lflood);
        rows.push(
          `| ${mode} | login flood | ${num(pct(loginBase, 50))} / ${num(Math.max(...loginBase))} ms | ${num(pct(loginMs, 50))} / ${num(pct(loginMs, 95))} / ${num(Math.max(...loginMs))} ms | ${counts(loginStatuses)} | ${counts(loginFlood)} |`,
        );
        log(rows[rows.length - 1]!);

        // 161 wrong passwords, then the right one (another address each time: the per-address limit is not what is measured).
        const guesses: number[] = [];
        for (let i = 0; i < 161; i++)
          guesses.push((await login(flooder.slug, flooder.email, `wrong-${i}`, `10.1.${i >> 8}.${i & 255}`)).status);
        const right = await login(flooder.slug, flooder.email, flooder.password, '10.2.0.1');
        rows.push(`| ${mode} | 161 wrong passwords, then the right one | | | | wrong: ${counts(guesses)}; right: ${right.status} |`);
        log(rows[rows.length - 1]!);
      } finally {
        await api.stop();
        await cleanRedis(queuePrefix).catch((e) => log(`could not clean Redis keys ${queuePrefix}:*: ${e}`));
      }
    }
    const lines = [
      '### Admission control: one tenant floods, another works (bench/abuse.bench.ts)',
      '',
      `One API process (DB_POOL_MAX 60), ${CONCURRENCY} concurrent flooding loops in the bench process for ${SECONDS} s (login: 10 s); ` +
        `victim ${num(VICTIM_CHUNKS)} chunks, flooder ${num(FLOOD_CHUNKS)} chunks (${dims}-dim \`${type}\`). Search flood: hybrid, topK 100, a 3,990-character query; ` +
        `the victim runs hybrid topK 5 searches one at a time, 100 ms apart. "off" = every budget 0, pool share 100 %, 64 hashes at once, no account lock ` +
        `(the 32-word keyword cap stays on); "on" = the shipped defaults.`,
      '',
      '| admission | attack | victim before (p50 / p95 or max) | victim during (p50 / p95 / max) | victim statuses | attacker statuses |',
      '|---|---|---|---|---|---|',
      ...rows,
    ];
    console.log(lines.join('\n'));
  } finally {
    await s.end().catch(() => undefined);
    await releaseDatabase(urls, log);
  }
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
