/**
 * `npm run eval`: retrieval quality on a real manual, through the real pipeline.
 *
 * 1. scripts/eval-corpus.sh fetches Debian's postgresql-doc-15 (apt-get download
 *    into .cache/eval, unpacked with dpkg-deb; nothing installed) and prints its
 *    HTML directory.
 * 2. A fresh database (ragdocs_bench_eval, dropped at the end unless EVAL_KEEP=1),
 *    the compiled API and one worker process, a tenant made through the admin API
 *    (settings.searchLanguage = EVAL_SEARCH_LANGUAGE when given, else the default).
 * 3. Every HTML page uploaded through POST /api/v1/documents; waits until all are
 *    ready or failed.
 * 4. The question set (bench/eval/questions.ts) in each mode (vector, keyword,
 *    hybrid), topK 10: hit@1/3/10 (a chunk of an expected page within the first k),
 *    MRR (1 / rank of the first such chunk, 0 past 10) and empty results, per half.
 * 5. Chat through POST /api/v1/conversations/:id/messages on a sample of questions
 *    and on questions the manual does not answer: answers quoting navigation text,
 *    citations naming a section, "nothing relevant" answers.
 * 6. Prints the Markdown and writes bench/EVAL.md (or --out FILE); whatever the
 *    file held under "## History" is kept.
 *
 * Providers are the environment's (EMBEDDING_PROVIDER, CHAT_PROVIDER, …), so the
 * same command measures a real embedding model (see README, "Retrieval eval").
 * Knobs: EVAL_SEARCH_LANGUAGE, EVAL_UPLOAD_CONCURRENCY (4), EVAL_MAX_PAGES (all),
 * EVAL_KEEP, EVAL_REUSE=1 (keep and reuse the ingested database of the previous
 * EVAL_KEEP=1 run: searches only).
 */
import 'reflect-metadata';
import { execFileSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { App, benchUrls, cleanRedis, dropDatabase, freePort, freshDatabase, intEnv, logger } from '../support.js';
import { coverage, MIN_COVERAGE } from '../../libs/ai/chat/local.chat.js';
import { NO_ANSWER_QUESTIONS, QUESTIONS, type Half, type Question } from './questions.js';

const HERE = dirname(fileURLToPath(import.meta.url)); // dist/bench/eval
const ROOT = resolve(HERE, '../../..');
const API_MAIN = resolve(HERE, '../../apps/api/src/main.js');
const WORKER_MAIN = resolve(HERE, '../../apps/worker/src/main.js');
const DB = 'ragdocs_bench_eval';
const STATE = join(ROOT, '.cache/eval/state.json');
const MODES = ['vector', 'keyword', 'hybrid'] as const;
type Mode = (typeof MODES)[number];
const TOP_K = 10;
const KS = [1, 3, 10] as const;
const NAV = /\b(Prev|Previous)\s+Up\b|\bUp\s+Home\b|\bHome\s+Next\b/;

const log = logger('eval');

interface Item {
  chunkId: string;
  filename: string;
  content: string;
  similarity: number;
  section?: string | null;
}
interface Result {
  q: Question;
  mode: Mode;
  rank: number;
  items: Item[];
}

function parseArgs(argv: string[]): { out: string } {
  let out = resolve(ROOT, 'bench/EVAL.md');
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === '--out') out = resolve(process.cwd(), argv[++i] ?? '');
    else if (argv[i]!.startsWith('--out=')) out = resolve(process.cwd(), argv[i]!.slice(6));
    else throw new Error(`eval: unknown argument ${argv[i]} (usage: npm run eval [-- --out FILE])`);
  }
  return { out };
}

async function main(): Promise<void> {
  const { out } = parseArgs(process.argv.slice(2));
  const started = Date.now();
  const html = execFileSync('bash', [join(ROOT, 'scripts/eval-corpus.sh')], {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'inherit'],
  }).trim();
  const maxPages = intEnv('EVAL_MAX_PAGES', 0);
  let files = readdirSync(html)
    .filter((f) => f.endsWith('.html'))
    .sort();
  if (maxPages) {
    // A smaller corpus for quick runs: the expected pages plus the first others.
    const wanted = new Set(QUESTIONS.flatMap((q) => q.pages));
    files = [...files.filter((f) => wanted.has(f)), ...files.filter((f) => !wanted.has(f)).slice(0, Math.max(0, maxPages - wanted.size))];
  }
  for (const q of QUESTIONS)
    for (const p of q.pages)
      if (!existsSync(join(html, p))) throw new Error(`question "${q.q}" expects ${p}, which the package does not have`);

  const urls = benchUrls(DB);
  const reuse = process.env.EVAL_REUSE === '1' && existsSync(STATE);
  const keep = process.env.EVAL_KEEP === '1' || process.env.EVAL_REUSE === '1';
  if (!reuse) {
    log(`database ${DB}: drop, create, migrate`);
    await freshDatabase(urls, log);
  }
  const port = await freePort();
  const base = `http://127.0.0.1:${port}`;
  const queuePrefix = `eval-${process.pid}`;
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    DATABASE_URL: urls.runtimeUrl,
    DATABASE_MIGRATION_URL: urls.migrationUrl,
    PORT: String(port),
    LOG_LEVEL: process.env.EVAL_LOG_LEVEL || 'warn',
    QUEUE_PREFIX: queuePrefix,
    // Every page is uploaded before the first is ready: the tenant's queue cap (1,000 by default) must hold them all.
    INGESTION_MAX_QUEUED_DOCUMENTS: process.env.INGESTION_MAX_QUEUED_DOCUMENTS || String(Math.max(1000, files.length + 100)),
    RATE_LIMIT_SEARCH_PER_MINUTE: '0',
    RATE_LIMIT_UPLOAD_PER_MINUTE: '0',
    RATE_LIMIT_CHAT_PER_MINUTE: '0',
    RATE_LIMIT_OPENAI_PER_MINUTE: '0',
  };
  const apps: App[] = [];
  const s = new pg.Client({ connectionString: urls.superUrl, application_name: 'eval' });
  try {
    const api = App.start('API', API_MAIN, env);
    apps.push(api);
    await api.waitFor('/health/ready', async () => (await fetch(`${base}/health/ready`).catch(() => undefined))?.ok ?? false);
    await s.connect();
    const call = async (method: string, path: string, token: string, json?: unknown) => {
      const res = await fetch(base + path, {
        method,
        headers: { authorization: `Bearer ${token}`, ...(json ? { 'content-type': 'application/json' } : {}) },
        body: json ? JSON.stringify(json) : undefined,
      });
      const text = await res.text();
      if (!res.ok) throw new Error(`${method} ${path}: ${res.status} ${text}`);
      return JSON.parse(text);
    };

    let key: string;
    let tenantId: string;
    let ingest = '';
    if (reuse) {
      ({ key, tenantId, ingest } = JSON.parse(readFileSync(STATE, 'utf8')));
      log(`reusing tenant ${tenantId} of the previous run`);
    } else {
      const adminKey = process.env.ADMIN_API_KEY;
      if (!adminKey) throw new Error('ADMIN_API_KEY is not set (npm run eval sets it through scripts/env-defaults.sh)');
      const slug = `eval-${randomUUID().slice(0, 8)}`;
      const settings = process.env.EVAL_SEARCH_LANGUAGE ? { searchLanguage: process.env.EVAL_SEARCH_LANGUAGE } : undefined;
      const tenant = await call('POST', '/api/v1/admin/tenants', adminKey, {
        name: `Eval ${slug}`,
        slug,
        ...(settings ? { settings } : {}),
      });
      const user = await call('POST', `/api/v1/admin/tenants/${tenant.id}/users`, adminKey, {
        email: `admin@${slug}.test`,
        role: 'admin',
        password: `pw-${randomUUID()}`,
      });
      ({ key } = await call('POST', `/api/v1/admin/tenants/${tenant.id}/api-keys`, adminKey, { userId: user.id, name: 'eval' }));
      tenantId = tenant.id;

      // ---- ingestion through the real pipeline: uploads to the API, one worker process
      const worker = App.start('worker', WORKER_MAIN, { ...env, LOG_LEVEL: 'log' });
      apps.push(worker);
      await worker.waitFor('start-up', () => worker.output.includes('started (concurrency'));
      const t0 = Date.now();
      const concurrency = Math.max(1, intEnv('EVAL_UPLOAD_CONCURRENCY', 4));
      let next = 0;
      let bytes = 0;
      const upload = async () => {
        while (next < files.length) {
          const f = files[next++]!;
          const data = readFileSync(join(html, f));
          bytes += data.length;
          const form = new FormData();
          form.append('file', new Blob([data], { type: 'text/html' }), f);
          const res = await fetch(`${base}/api/v1/documents`, { method: 'POST', headers: { authorization: `Bearer ${key}` }, body: form });
          if (res.status !== 202 && res.status !== 200) throw new Error(`upload ${f}: ${res.status} ${await res.text()}`);
        }
      };
      await Promise.all(Array.from({ length: concurrency }, upload));
      log(
        `uploaded ${files.length} pages (${(bytes / 2 ** 20).toFixed(1)} MiB) in ${((Date.now() - t0) / 1000).toFixed(1)} s; waiting for the worker`,
      );
      const status = async () =>
        (
          await s.query(
            `SELECT status, count(*)::int AS n, sum(chunk_count)::int AS chunks FROM documents WHERE tenant_id = $1 GROUP BY 1`,
            [tenantId],
          )
        ).rows as { status: string; n: number; chunks: number | null }[];
      let st = await status();
      let lastLog = Date.now();
      while (st.some((r) => r.status === 'queued' || r.status === 'processing')) {
        if (!worker.alive) throw new Error(`the worker exited during ingestion:\n${worker.output}`);
        if (Date.now() - t0 > 30 * 60_000) throw new Error('ingestion: not done after 30 minutes');
        await new Promise((r) => setTimeout(r, 1000));
        st = await status();
        if (Date.now() - lastLog > 15_000) {
          log(`ingestion: ${st.map((r) => `${r.status} ${r.n}`).join(', ')}`);
          lastLog = Date.now();
        }
      }
      const secs = (Date.now() - t0) / 1000;
      const n = (k: string) => st.find((r) => r.status === k)?.n ?? 0;
      const chunks = st.reduce((a, r) => a + (r.chunks ?? 0), 0);
      ingest = `${files.length} HTML pages (${(bytes / 2 ** 20).toFixed(1)} MiB): ${n('ready')} ready, ${n('failed')} failed, ${chunks} chunks, ${secs.toFixed(0)} s from the first upload (one worker, WORKER_CONCURRENCY ${env.WORKER_CONCURRENCY ?? 'default'})`;
      log(ingest);
      await worker.stop();
      if (keep) writeFileSync(STATE, JSON.stringify({ key, tenantId, ingest }));
    }
    await s.query(`ANALYZE embeddings`);

    // ---- retrieval
    const results: Result[] = [];
    for (const mode of MODES) {
      for (const q of QUESTIONS) {
        const { items } = (await call('POST', '/api/v1/search', key, { query: q.q, topK: TOP_K, mode })) as { items: Item[] };
        const rank = items.findIndex((it) => q.pages.includes(it.filename)) + 1;
        results.push({ q, mode, rank, items });
      }
      log(`${mode}: done`);
    }

    // ---- fusion, measured here from the two lists the API returns (40 candidates each, as hybrid fetches)
    const fusion: Result[] = [];
    for (const q of QUESTIONS) {
      const [v, k] = await Promise.all(
        (['vector', 'keyword'] as const).map(
          async (mode) =>
            (
              (await call('POST', '/api/v1/search', key, { query: q.q, topK: FUSION_CANDIDATES, mode })) as {
                items: (Item & { score: number })[];
              }
            ).items,
        ),
      );
      for (const [name, fuse] of Object.entries(FUSIONS)) {
        const items = fuse(v!, k!).slice(0, TOP_K);
        fusion.push({ q, mode: name as Mode, rank: items.findIndex((it) => q.pages.includes(it.filename)) + 1, items });
      }
    }
    log('fusion: done');

    // ---- the answerer's threshold: the best passage's coverage of each question among the chat's sources (hybrid, top 5)
    const best = async (q: string) => {
      const { items } = (await call('POST', '/api/v1/search', key, { query: q, topK: 5, mode: 'hybrid' })) as { items: Item[] };
      return Math.max(0, ...items.map((it) => coverage(q, it)));
    };
    const calibration = { answerable: [] as number[], unanswerable: [] as number[] };
    for (const q of QUESTIONS) calibration.answerable.push(await best(q.q));
    for (const q of NO_ANSWER_QUESTIONS) calibration.unanswerable.push(await best(q));

    // ---- chat
    const chatSample = QUESTIONS.filter((_, i) => i % 4 === 0 || i % 4 === 1).slice(0, 16);
    const chat: { q: string; answerable: boolean; nothing: boolean; nav: boolean; citations: number; sectioned: number; hit: boolean }[] =
      [];
    for (const [q, answerable, pages] of [
      ...chatSample.map((x) => [x.q, true, x.pages] as const),
      ...NO_ANSWER_QUESTIONS.map((x) => [x, false, []] as const),
    ]) {
      // A fresh conversation per question: no history leaks between questions.
      const c = await call('POST', '/api/v1/conversations', key, { title: 'eval' });
      const msg = await call('POST', `/api/v1/conversations/${c.id}/messages`, key, { content: q });
      const cites = (msg.metadata?.citations ?? []) as { filename: string; section?: string | null }[];
      chat.push({
        q,
        answerable,
        nothing: cites.length === 0,
        nav: NAV.test(msg.content),
        citations: cites.length,
        sectioned: cites.filter((x) => x.section).length,
        hit: cites.some((x) => (pages as readonly string[]).includes(x.filename)),
      });
    }

    // ---- report
    const md = report({ results, fusion, calibration, chat, ingest, files: files.length, html, started });
    console.log(md);
    writeFileSync(out, withHistory(out, md));
    log(`wrote ${out}`);
  } finally {
    for (const a of apps.reverse()) await a.stop().catch(() => undefined);
    await s.end().catch(() => undefined);
    await cleanRedis(queuePrefix).catch((e) => log(`could not clean Redis keys ${queuePrefix}:*: ${e}`));
    if (!keep) await dropDatabase(urls).catch((e) => log(`could not drop ${DB}: ${e}`));
  }
}

const f2 = (x: number) => x.toFixed(2);

const FUSION_CANDIDATES = 40;
type Scored = Item & { score: number };
/** RRF, and score-normalised (min-max per list) convex combinations: the fusion candidates compared in bench/EVAL.md. */
const FUSIONS: Record<string, (v: Scored[], k: Scored[]) => Scored[]> = {
  'rrf k=60': (v, k) => combine(v, k, (list) => list.map((_, i) => 1 / (60 + i + 1)), 1),
  'min-max 0.5': (v, k) => combine(v, k, minMax, 0.5),
  'min-max 0.6 vector': (v, k) => combine(v, k, minMax, 0.6),
  'min-max 0.7 vector': (v, k) => combine(v, k, minMax, 0.7),
  'weighted rrf 2:1 vector': (v, k) => combine(v, k, (list) => list.map((_, i) => 1 / (60 + i + 1)), 2 / 3),
};
function minMax(list: Scored[]): number[] {
  const xs = list.map((x) => x.score);
  const lo = Math.min(...xs);
  const hi = Math.max(...xs);
  return xs.map((x) => (hi > lo ? (x - lo) / (hi - lo) : 1));
}
function combine(v: Scored[], k: Scored[], norm: (l: Scored[]) => number[], vectorWeight: number): Scored[] {
  const out = new Map<string, { item: Scored; score: number; vr: number }>();
  // RRF adds both sides at full weight (vectorWeight 1 means 1:1); a convex combination weighs them.
  const [wv, wk] = vectorWeight === 1 ? [1, 1] : [vectorWeight, 1 - vectorWeight];
  norm(v).forEach((s, i) => out.set(v[i]!.chunkId, { item: v[i]!, score: wv * s, vr: i }));
  norm(k).forEach((s, i) => {
    const e = out.get(k[i]!.chunkId) ?? { item: k[i]!, score: 0, vr: Number.MAX_SAFE_INTEGER };
    e.score += wk * s;
    out.set(k[i]!.chunkId, e);
  });
  return [...out.values()].sort((a, b) => b.score - a.score || a.vr - b.vr).map((e) => e.item);
}

function metrics(rs: Result[]) {
  const n = rs.length || 1;
  return {
    hit: Object.fromEntries(KS.map((k) => [k, rs.filter((r) => r.rank > 0 && r.rank <= k).length / n])) as Record<number, number>,
    mrr: rs.reduce((a, r) => a + (r.rank ? 1 / r.rank : 0), 0) / n,
    empty: rs.filter((r) => r.items.length === 0).length,
    n: rs.length,
  };
}

function report(x: {
  results: Result[];
  fusion: Result[];
  calibration: { answerable: number[]; unanswerable: number[] };
  chat: { q: string; answerable: boolean; nothing: boolean; nav: boolean; citations: number; sectioned: number; hit: boolean }[];
  ingest: string;
  files: number;
  html: string;
  started: number;
}): string {
  const halves: Half[] = ['words', 'paraphrased'];
  const lines: string[] = [];
  const cpu = os.cpus()[0]?.model ?? '?';
  lines.push(`## Latest run`, '');
  lines.push(
    `- Date: ${new Date().toISOString()}; machine: ${os.cpus().length} × ${cpu}, ${(os.totalmem() / 2 ** 30).toFixed(1)} GiB, Node ${process.version}`,
  );
  lines.push(`- Command: \`${commandLine()}\``);
  lines.push(`- Commit: ${gitHead()}`);
  lines.push(
    `- Providers: embeddings \`${process.env.EMBEDDING_PROVIDER || 'default'}\`${process.env.EMBEDDING_MODEL ? ` (${process.env.EMBEDDING_MODEL})` : ''}, chat \`${process.env.CHAT_PROVIDER || 'default'}\`; tenant searchLanguage: ${process.env.EVAL_SEARCH_LANGUAGE || 'default'}`,
  );
  lines.push(`- Corpus: ${x.ingest || `${x.files} pages`}`);
  lines.push(
    `- Questions: ${x.results.length / MODES.length} (${halves.map((h) => `${x.results.filter((r) => r.mode === 'vector' && r.q.half === h).length} ${h}`).join(', ')}), topK ${TOP_K}; run took ${((Date.now() - x.started) / 1000).toFixed(0)} s`,
    '',
  );
  lines.push('| mode | half | hit@1 | hit@3 | hit@10 | MRR | empty |', '|---|---|---:|---:|---:|---:|---:|');
  for (const mode of MODES) {
    for (const half of [...halves, 'all'] as const) {
      const m = metrics(x.results.filter((r) => r.mode === mode && (half === 'all' || r.q.half === half)));
      lines.push(`| ${mode} | ${half} | ${f2(m.hit[1]!)} | ${f2(m.hit[3]!)} | ${f2(m.hit[10]!)} | ${f2(m.mrr)} | ${m.empty} |`);
    }
  }
  lines.push(
    '',
    `Fusion of the vector and keyword lists (${FUSION_CANDIDATES} candidates each, fused by this script from the API's vector and keyword results; "rrf k=60" is what hybrid did before):`,
    '',
  );
  lines.push(
    '| fusion | words hit@1 | words hit@3 | words MRR | paraphrased hit@3 | paraphrased hit@10 | all MRR |',
    '|---|---:|---:|---:|---:|---:|---:|',
  );
  for (const name of Object.keys(FUSIONS)) {
    const of = (half?: Half) => metrics(x.fusion.filter((r) => r.mode === (name as Mode) && (!half || r.q.half === half)));
    const [w, p, a] = [of('words'), of('paraphrased'), of()];
    lines.push(`| ${name} | ${f2(w.hit[1]!)} | ${f2(w.hit[3]!)} | ${f2(w.mrr)} | ${f2(p.hit[3]!)} | ${f2(p.hit[10]!)} | ${f2(a.mrr)} |`);
  }
  const answerable = x.chat.filter((c) => c.answerable);
  const unanswerable = x.chat.filter((c) => !c.answerable);
  const cites = answerable.reduce((a, c) => a + c.citations, 0);
  const { answerable: ca, unanswerable: cu } = x.calibration;
  const share = (xs: number[], t: number) => f2(xs.filter((c) => c >= t).length / (xs.length || 1));
  lines.push(
    '',
    `The built-in answerer's threshold (MIN_COVERAGE ${MIN_COVERAGE}): the best coverage of the question's content words by one of the chat's sources (hybrid, top 5), for the ${ca.length} questions of the set and ${cu.length} questions the manual does not answer. Share at or above each threshold (answered); the unanswerable ones should be 0:`,
    '',
  );
  lines.push('| threshold | questions of the set answered | questions not in the manual answered |', '|---:|---:|---:|');
  for (const t of [0.34, 0.5, 0.6, 0.75]) lines.push(`| ${t} | ${share(ca, t)} | ${share(cu, t)} |`);
  lines.push('', `Unanswerable questions' best coverage: ${cu.map(f2).join(', ')}.`);
  lines.push('', `Chat (POST /api/v1/conversations/:id/messages, one fresh conversation per question):`, '');
  lines.push(
    `| questions | answers quoting navigation | citations naming a section | answers citing an expected page | "nothing relevant" answers |`,
    '|---|---:|---:|---:|---:|',
  );
  lines.push(
    `| ${answerable.length} answered by the manual | ${answerable.filter((c) => c.nav).length} | ${answerable.reduce((a, c) => a + c.sectioned, 0)} / ${cites} | ${answerable.filter((c) => c.hit).length} | ${answerable.filter((c) => c.nothing).length} |`,
  );
  lines.push(
    `| ${unanswerable.length} not in the manual | ${unanswerable.filter((c) => c.nav).length} | – | – | ${unanswerable.filter((c) => c.nothing).length} |`,
  );
  lines.push('', '<details><summary>Per question: rank of the first expected page (0 = not in the top 10)</summary>', '');
  lines.push('| half | question | vector | keyword | hybrid |', '|---|---|---:|---:|---:|');
  for (const q of QUESTIONS) {
    const r = (mode: Mode) => {
      const res = x.results.find((y) => y.q === q && y.mode === mode)!;
      return res.items.length ? String(res.rank) : 'empty';
    };
    lines.push(`| ${q.half} | ${q.q} | ${r('vector')} | ${r('keyword')} | ${r('hybrid')} |`);
  }
  lines.push('', '</details>');
  return lines.join('\n');
}

function commandLine(): string {
  const knobs = Object.entries(process.env).filter(
    ([k]) =>
      k.startsWith('EVAL_') ||
      ['EMBEDDING_PROVIDER', 'EMBEDDING_MODEL', 'EMBEDDING_DIMENSIONS', 'OPENAI_BASE_URL', 'CHAT_PROVIDER', 'WORKER_CONCURRENCY'].includes(
        k,
      ),
  );
  return [...knobs.map(([k, v]) => `${k}=${v}`), 'npm run eval', ...(process.argv.length > 2 ? ['--', ...process.argv.slice(2)] : [])].join(
    ' ',
  );
}

function gitHead(): string {
  try {
    return execFileSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: ROOT, encoding: 'utf8' }).trim();
  } catch {
    return '?';
  }
}

/** The new run, then whatever the file already held from "## History" on (earlier runs kept by hand). */
function withHistory(file: string, md: string): string {
  const head = `# Retrieval eval: the PostgreSQL 15 manual\n\nWritten by \`npm run eval\` (bench/eval/run.ts; questions in bench/eval/questions.ts). See the README, "Retrieval eval".\n\n`;
  const old = existsSync(file) ? readFileSync(file, 'utf8') : '';
  const at = old.indexOf('\n## History');
  return head + md + '\n' + (at >= 0 ? old.slice(at) : '');
}

main().catch((e) => {
  console.error(e);
  process.exitCode = 1;
});
