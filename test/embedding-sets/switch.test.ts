/**
 * Embedding-model switches on the real stack (API, worker processes, PostgreSQL, Redis):
 * two built-in offline models of different dimensions (local-hash-v1 at 1536 and at 768),
 * documents uploaded through the API, searches running all along.
 *
 * - A switch under concurrent searches: no search fails or comes back empty, every answer's
 *   similarities are those of one model (computed here with both), a document uploaded
 *   during the switch is caught up, the worker is killed (SIGKILL) half-way and a new one
 *   finishes from where it stopped; afterwards every chunk has the new model, once.
 * - Another tenant sees none of it; a cancel leaves the tenant on its model and drops what
 *   was embedded; a tenant with its own vector index gets the new set's index before it moves.
 * - A provider that fails mid-switch: the errors show, the job tries again and embeds only
 *   what is left (counted at the provider).
 * - Bad input is a 400 that says what is wrong.
 */
import assert from 'node:assert/strict';
import { before, test } from 'node:test';
import { Queue } from 'bullmq';
import type pg from 'pg';
import { embeddedText } from '../../apps/worker/src/ingestion/ingestion.service.js';
import { LocalEmbedder } from '../../libs/ai/embedding/local.embedder.js';
import type { TenantDb } from '../../libs/database/tenant-db.js';
import { switchJobId } from '../../libs/queue/embedding-switch.queue.js';
import { QueueName } from '../../libs/queue/queue.constants.js';
import { SearchRepository } from '../../libs/retrieval/search.repository.js';
import { assertErrorShape, type TestApi, type TestTenant } from '../support/api.js';
import { upload, waitForStatus } from '../support/documents.js';
import type { FakeOpenAI } from '../support/fake-openai.js';
import { prng } from '../support/prng.js';
import { useStack, type Env } from '../support/stack.js';
import { waitFor, WorkerProcess } from '../support/worker.js';

const MIN_ROWS = 500; // the 'big' tenant is above it (its own vector index), the others below
const OLD = { provider: 'local', model: 'local-hash-v1', dimensions: 1536 } as const;
const NEW = { provider: 'local', model: 'local-hash-v1', dimensions: 768 } as const;
const models: Record<number, LocalEmbedder> = {
  [OLD.dimensions]: new LocalEmbedder(OLD.dimensions),
  [NEW.dimensions]: new LocalEmbedder(NEW.dimensions),
};

const TOPICS = [
  'invoice payment billing refund',
  'kubernetes cluster deployment pods',
  'recipe baking flour oven',
  'football match goal striker',
  'mortgage interest loan bank',
  'vaccine immunology antibody virus',
  'guitar chord melody rhythm',
  'volcano lava eruption magma',
];
const FILLER = 'the a report notes that team members should review each item carefully before the next quarterly meeting begins'.split(' ');

/** A document of `paragraphs` short paragraphs on one topic: with CHUNK_TOKENS 50, about one chunk each. */
function topicDoc(seed: number, topic: string, paragraphs: number): string {
  const rnd = prng(seed);
  const words = topic.split(' ');
  return Array.from(
    { length: paragraphs },
    (_, p) =>
      Array.from({ length: 22 }, (_, i) => (i % 3 === 0 ? words[rnd.int(words.length)] : FILLER[rnd.int(FILLER.length)])).join(' ') +
      ` (part ${seed}-${p}).`,
  ).join('\n\n');
}

let api: TestApi;
let env: Env;
let su: pg.Client;
let tenantDb: TenantDb;
let sw: TestTenant; // switched under searches, its worker killed
let other: TestTenant; // stays put while sw switches, then is cancelled
let big: TestTenant; // has its own vector index
let ext: TestTenant; // switched to a provider that fails once
let llm: FakeOpenAI;
const stack = useStack({
  prefix: 'embsw',
  workers: 1,
  superuser: true,
  tenantDb: 2,
  llm: true,
  tenants: ['sw', 'other', 'big', 'ext'],
  env: (llm) => ({
    // The platform embeds offline; an OpenAI-compatible server (the stand-in) is configured for switches to it, without the SDK's own retries.
    OPENAI_BASE_URL: llm.baseUrl,
    OPENAI_MAX_RETRIES: '0',
    EMBEDDING_PROVIDER: 'local',
    EMBEDDING_DIMENSIONS: String(OLD.dimensions),
    CHUNK_TOKENS: '50',
    CHUNK_OVERLAP_TOKENS: '5',
    VECTOR_INDEX_MIN_ROWS: String(MIN_ROWS),
    VECTOR_INDEX_SWEEP_MS: '1000',
    VECTOR_INDEX_M: '8',
    VECTOR_INDEX_EF_CONSTRUCTION: '32',
    // One chunk per request: a switch takes a few seconds, long enough to search through it, kill its worker and cancel it.
    EMBEDDING_BATCH_SIZE: '1',
    EMBEDDING_CONCURRENCY: '1',
    // A killed worker's job is taken back within seconds. Not less: the lock is renewed every half of it, and a worker
    // whose event loop stalls past the lock (a host busy with other work) would have its job run twice, which the
    // exact request counts below would read as a bug.
    QUEUE_LOCK_DURATION_MS: '6000',
  }),
});

async function uploadAll(t: TestTenant, docs: Record<string, string>): Promise<void> {
  const ids = await Promise.all(
    Object.entries(docs).map(async ([name, text]) => {
      const res = await upload(api, t.adminKey, text, name);
      assert.equal(res.status, 202, res.text);
      return res.body.id as string;
    }),
  );
  for (const id of ids) assert.equal((await waitForStatus(api, t.adminKey, id, ['ready', 'failed'], 120_000)).status, 'ready');
}

const docsOf = (seed: number, perTopic: number) =>
  Object.fromEntries(TOPICS.map((topic, i) => [`${topic.split(' ')[0]}-${seed}.txt`, topicDoc(seed * 100 + i, topic, perTopic)]));

const status = (t: TestTenant) => api.request('GET', `/api/v1/admin/tenants/${t.id}/embedding-model`, { token: api.adminKey });
const startSwitch = (t: TestTenant, body: unknown) =>
  api.request('POST', `/api/v1/admin/tenants/${t.id}/embedding-model`, { token: api.adminKey, json: body });

async function waitIdle(t: TestTenant, timeoutMs = 180_000) {
  return waitFor(
    `tenant ${t.slug} idle`,
    async () => {
      const s = await status(t);
      return s.body.status === 'idle' ? s.body : undefined;
    },
    timeoutMs,
    100,
  );
}

async function rows(tenantId: string): Promise<{ set_id: number; model: string; dims: number; n: number }[]> {
  return (
    await su.query(
      `SELECT set_id, model, vector_dims(embedding) AS dims, count(*)::int AS n FROM embeddings WHERE tenant_id = $1 GROUP BY 1, 2, 3 ORDER BY 1`,
      [tenantId],
    )
  ).rows;
}

/** Cosine of a query and a chunk under one model, as search computes it (up to halfvec rounding). */
async function similarityUnder(dims: number, query: string, hit: { content: string; section: string | null }): Promise<number> {
  const [q, c] = await models[dims]!.embed([query, embeddedText(hit)]);
  return q!.reduce((s, x, i) => s + x * c![i]!, 0);
}

/** Which models one search answer is consistent with: every hit's similarity must be that model's. */
async function modelsOf(query: string, items: { content: string; section: string | null; similarity: number }[]): Promise<number[]> {
  const fits: number[] = [];
  for (const dims of [OLD.dimensions, NEW.dimensions]) {
    let all = true;
    for (const h of items) if (Math.abs((await similarityUnder(dims, query, h)) - h.similarity) > 0.004) all = false;
    if (all) fits.push(dims);
  }
  return fits;
}

/** Searches a tenant in a loop until stopped; every answer must be a 200 with results of one model. */
function searchLoop(t: TestTenant) {
  const served = { total: 0, byModel: { [OLD.dimensions]: 0, [NEW.dimensions]: 0 } as Record<number, number>, problems: [] as string[] };
  let stop = false;
  const run = (async () => {
    for (let i = 0; !stop; i++) {
      const topic = TOPICS[i % TOPICS.length]!;
      const query = `${topic.split(' ')[i % 4]} ${topic.split(' ')[(i + 1) % 4]} review`;
      const mode = i % 2 ? 'hybrid' : 'vector';
      const res = await api.request('POST', '/api/v1/search', { token: t.memberKey, json: { query, mode, topK: 5 } });
      served.total++;
      if (res.status !== 200) {
        served.problems.push(`${mode} "${query}": ${res.status} ${res.text}`);
        continue;
      }
      if (!res.body.items.length) {
        served.problems.push(`${mode} "${query}": no results`);
        continue;
      }
      const fits = await modelsOf(query, res.body.items);
      if (!fits.length) served.problems.push(`${mode} "${query}": similarities of no single model`);
      if (fits.length === 1) served.byModel[fits[0]!]!++;
    }
  })();
  return {
    served,
    stop: async () => {
      stop = true;
      await run;
    },
  };
}

before(async () => {
  ({
    api,
    env,
    su,
    tenantDb,
    llm,
    tenants: [sw, other, big, ext],
  } = await stack.ready);
  await Promise.all([
    uploadAll(sw, docsOf(1, 45)),
    uploadAll(other, docsOf(2, 30)),
    uploadAll(big, docsOf(3, 80)),
    uploadAll(ext, docsOf(4, 10)),
  ]);
  await waitFor(
    "the big tenant's own index",
    async () => (await su.query(`SELECT 1 FROM vector_indexes WHERE tenant_id = $1`, [big.id])).rowCount === 1,
    60_000,
    200,
  );
});

test('bad input answers 400 naming the problem; unknown tenant 404; tenant tokens 401/403; the model in use or no switch 409', async () => {
  const bad: [unknown, RegExp][] = [
    [{ ...NEW, dimensions: 1 }, /dimensions must be at least 2/],
    [{ ...NEW, dimensions: 4001 }, /dimensions must be at most 4000/],
    [{ ...NEW, dimensions: 12.5 }, /dimensions must be an integer/],
    [{ ...NEW, provider: 'acme' }, /provider must be one of local, openai, openai-compatible/],
    [{ provider: 'local', dimensions: 768 }, /model/],
    [{ ...NEW, model: 'local-hash-v9' }, /not a built-in local model/],
    [{ provider: 'openai', model: 'text-embedding-3-small', dimensions: 768 }, /openai is not configured/],
    [{ ...NEW, extra: 1 }, /extra should not exist/],
  ];
  for (const [body, message] of bad) {
    const res = await startSwitch(sw, body);
    assert.equal(res.status, 400, `${JSON.stringify(body)}: ${res.text}`);
    assertErrorShape(res.body, 400);
    assert.match(res.body.message, message);
  }
  const unknown = await api.request('POST', '/api/v1/admin/tenants/00000000-0000-4000-8000-000000000000/embedding-model', {
    token: api.adminKey,
    json: NEW,
  });
  assert.equal(unknown.status, 404);
  assert.equal((await api.request('GET', '/api/v1/admin/tenants/not-a-uuid/embedding-model', { token: api.adminKey })).status, 400);
  for (const token of [sw.adminKey, undefined]) {
    const res = await api.request('POST', `/api/v1/admin/tenants/${other.id}/embedding-model`, { token, json: NEW });
    assert.ok([401, 403].includes(res.status), `a tenant token: ${res.status}`);
    assert.ok([401, 403].includes((await api.request('GET', `/api/v1/admin/tenants/${other.id}/embedding-model`, { token })).status));
  }
  const same = await startSwitch(sw, OLD);
  assert.equal(same.status, 409);
  assert.match(same.body.message, /already uses local local-hash-v1 \(1536 dimensions\)/);
  assert.equal((await api.request('DELETE', `/api/v1/admin/tenants/${sw.id}/embedding-model`, { token: api.adminKey })).status, 409);
  assert.equal((await status(sw)).body.status, 'idle');
});

test('a switch 1536 → 768 under concurrent searches, with an upload during it and its worker killed half-way, completes; searches never fail and each comes from one set', async () => {
  const before = await status(sw);
  assert.equal(before.status, 200);
  const { provider, model, dimensions } = before.body.active;
  assert.deepEqual({ provider, model, dimensions }, OLD);
  assert.deepEqual(before.body.platformDefault, OLD);
  const chunks = before.body.progress.total as number;
  assert.ok(chunks >= 300, `${chunks} chunks`);
  const otherBefore = await rows(other.id);

  const searches = [searchLoop(sw), searchLoop(sw)];
  const otherSearches = searchLoop(other);
  await new Promise((r) => setTimeout(r, 300)); // a few searches on the old set first
  const started = Date.now();
  const res = await startSwitch(sw, NEW);
  assert.equal(res.status, 202, res.text);
  assert.equal(res.body.target.dimensions, NEW.dimensions);
  assert.equal(res.body.active.dimensions, OLD.dimensions);
  const setId = res.body.target.setId as number;

  // Another tenant sees none of it (its own view, and its rows through the runtime role).
  const otherView = await status(other);
  assert.equal(otherView.body.status, 'idle');
  assert.equal(otherView.body.target, null);
  const visible = await tenantDb.runFor(other.id, (m) => m.query(`SELECT DISTINCT tenant_id FROM embedding_sets`));
  assert.deepEqual(
    visible.map((r: { tenant_id: string }) => r.tenant_id),
    [other.id],
  );

  // Progress through the API and on the queue (the dashboard shows the job's progress).
  const midway = await waitFor(
    'the switch under way',
    async () => {
      const s = (await status(sw)).body;
      return s.status === 're-embedding' && s.progress.done >= chunks * 0.2 ? s : undefined;
    },
    60_000,
    20,
  );
  assert.equal(midway.progress.total, chunks);
  const queue = new Queue(QueueName.EmbeddingSwitch, { connection: { url: process.env.REDIS_URL }, prefix: env.QUEUE_PREFIX });
  try {
    const job = await queue.getJob(switchJobId(sw.id, setId));
    assert.ok(job, 'the switch job is on the queue');
    const p = job.progress as { phase: string; done: number; total: number; percent: number };
    assert.equal(p.phase, 're-embedding');
    assert.equal(p.total, chunks);
    assert.ok(p.done > 0 && p.percent > 0, JSON.stringify(p));
  } finally {
    await queue.close();
  }

  // An upload during the switch: written to the active set, caught up before the flip.
  const late = await upload(api, sw.adminKey, topicDoc(777, TOPICS[0]!, 6), 'late.txt');
  assert.equal(late.status, 202);

  await stack.worker.kill('SIGKILL');
  const atKill = (await status(sw)).body;
  assert.equal(atKill.status, 're-embedding');
  await new Promise((r) => setTimeout(r, 1000));
  assert.equal((await status(sw)).body.progress.done, atKill.progress.done, 'nothing embeds without a worker');
  // The kill left the stack without its worker: a new one takes the switch over (and serves the next tests).
  stack.workers[0] = await WorkerProcess.start(env);
  {
    assert.equal((await waitForStatus(api, sw.adminKey, late.body.id, ['ready'], 60_000)).status, 'ready');
    const done = await waitIdle(sw);
    const seconds = (Date.now() - started) / 1000;
    await Promise.all([...searches, otherSearches].map((s) => s.stop()));

    assert.deepEqual({ provider: done.active.provider, model: done.active.model, dimensions: done.active.dimensions }, NEW);
    assert.equal(done.active.setId, setId);
    assert.equal(done.previous.state, 'retired');
    assert.ok(done.previous.droppedAt, 'the old set is dropped');
    assert.equal(done.errors.count, 0);
    // Every chunk once, with the new model; the old set's rows are gone.
    const after = await rows(sw.id);
    assert.deepEqual(
      after.map((r) => ({ ...r, n: undefined })),
      [{ set_id: setId, model: NEW.model, dims: NEW.dimensions, n: undefined }],
    );
    const docs = await su.query(`SELECT COALESCE(sum(chunk_count), 0)::int AS n FROM documents WHERE tenant_id = $1`, [sw.id]);
    assert.equal(after[0]!.n, docs.rows[0].n, 'one row per chunk');
    assert.equal(done.progress.done, after[0]!.n);
    // The second worker went on from what was done: its run began with the chunks embedded before the kill.
    const {
      rows: [run],
    } = await su.query(`SELECT run_started_done FROM embedding_sets WHERE tenant_id = $1 AND id = $2`, [sw.id, setId]);
    assert.ok(
      run.run_started_done >= atKill.progress.done,
      `the resumed run started at ${run.run_started_done}, ${atKill.progress.done} were done`,
    );
    // The late document's chunks are in the new set, each once.
    const {
      rows: [lateRows],
    } = await su.query(
      `SELECT count(*)::int AS n, count(*) FILTER (WHERE e.set_id = $2)::int AS in_new, min(d.chunk_count) AS chunks
       FROM embeddings e JOIN documents d ON d.tenant_id = e.tenant_id AND d.id = e.document_id WHERE e.document_id = $1`,
      [late.body.id, setId],
    );
    assert.deepEqual(lateRows, { n: lateRows.chunks, in_new: lateRows.chunks, chunks: lateRows.chunks });
    assert.ok(lateRows.chunks > 0);

    for (const s of searches) assert.deepEqual(s.served.problems, []);
    const served = searches.reduce((n, s) => n + s.served.total, 0);
    const byOld = searches.reduce((n, s) => n + s.served.byModel[OLD.dimensions]!, 0);
    const byNew = searches.reduce((n, s) => n + s.served.byModel[NEW.dimensions]!, 0);
    assert.ok(byOld > 0 && byNew > 0, `answers of the old set ${byOld}, of the new ${byNew}`);
    assert.deepEqual(otherSearches.served.problems, []);
    assert.equal(otherSearches.served.byModel[NEW.dimensions], 0, 'the other tenant stays on its model');
    assert.deepEqual(await rows(other.id), otherBefore);
    console.log(
      `[switch] ${after[0]!.n} chunks re-embedded 1536 → 768 in ${seconds.toFixed(1)} s (worker killed at ${atKill.progress.done}, a new one finished), ` +
        `${served} searches served meanwhile (${byOld} from the old set, ${byNew} from the new, none failed or empty)`,
    );
  }
});

test('a cancelled switch leaves the tenant on its model and drops what was embedded; POST …/cancel is the same', async () => {
  const res = await startSwitch(other, NEW);
  assert.equal(res.status, 202, res.text);
  const setId = res.body.target.setId as number;
  await waitFor('some chunks embedded', async () => (await status(other)).body.progress.done > 10, 30_000, 20);
  const cancelled = await api.request('DELETE', `/api/v1/admin/tenants/${other.id}/embedding-model`, { token: api.adminKey });
  assert.equal(cancelled.status, 202, cancelled.text);
  assert.ok(['cancelling', 'idle'].includes(cancelled.body.status), cancelled.body.status);
  assert.equal(cancelled.body.target, null);
  const idle = await waitFor(
    'the cancelled set dropped',
    async () => {
      const s = (await status(other)).body;
      return s.status === 'idle' && s.previous?.droppedAt ? s : undefined;
    },
    60_000,
    100,
  );
  assert.equal(idle.active.dimensions, OLD.dimensions);
  assert.deepEqual({ setId: idle.previous.setId, state: idle.previous.state }, { setId, state: 'cancelled' });
  assert.deepEqual(
    (await rows(other.id)).map((r) => r.dims),
    [OLD.dimensions],
  );
  const search = await api.request('POST', '/api/v1/search', { token: other.memberKey, json: { query: 'mortgage loan', topK: 5 } });
  assert.equal(search.status, 200);
  assert.deepEqual(await modelsOf('mortgage loan', search.body.items), [OLD.dimensions]);
  // Nothing left to cancel, in either form.
  assert.equal(
    (await api.request('POST', `/api/v1/admin/tenants/${other.id}/embedding-model/cancel`, { token: api.adminKey })).status,
    409,
  );
  // The POST form cancels too.
  const again = await startSwitch(other, NEW);
  assert.equal(again.status, 202);
  const byPost = await api.request('POST', `/api/v1/admin/tenants/${other.id}/embedding-model/cancel`, { token: api.adminKey });
  assert.equal(byPost.status, 202, byPost.text);
  const idleAgain = await waitFor(
    'the second cancelled set dropped',
    async () => {
      const s = (await status(other)).body;
      return s.status === 'idle' && s.previous?.setId === again.body.target.setId && s.previous.droppedAt ? s : undefined;
    },
    60_000,
    100,
  );
  assert.equal(idleAgain.active.setId, res.body.active.setId);
});

test("a tenant with its own vector index switches: the new set's index is built before it moves, the old one dropped, search goes through the new one", async () => {
  const index = async () =>
    (
      await su.query(
        `SELECT v.set_id, v.index_name, v.indexed_rows, i.indisvalid AS valid, pg_get_indexdef(i.indexrelid) AS def
     FROM vector_indexes v JOIN pg_class c ON c.relname = v.index_name JOIN pg_index i ON i.indexrelid = c.oid WHERE v.tenant_id = $1`,
        [big.id],
      )
    ).rows;
  const [old] = await index();
  assert.ok(old?.valid, 'the big tenant has its index');
  assert.match(old.def, /halfvec\(1536\)/);
  // Its set's own full-text index too (the TenantKeywordIndex migration), named on the set.
  const keywordIndexes = async () =>
    (
      await su.query(
        `SELECT s.id AS set_id, s.state, s.keyword_index, c.relname FROM embedding_sets s
         LEFT JOIN pg_class c ON c.relname = s.keyword_index WHERE s.tenant_id = $1 AND s.state = 'active'`,
        [big.id],
      )
    ).rows;
  const tsvNames = async () =>
    (
      await su.query(`SELECT indexname FROM pg_indexes WHERE indexname LIKE $1 ORDER BY 1`, [
        `embeddings_tsv_t_${big.id.replace(/-/g, '')}_%`,
      ])
    ).rows.map((r) => r.indexname as string);
  const [oldKeyword] = await keywordIndexes();
  assert.equal(oldKeyword?.relname, `embeddings_tsv_t_${big.id.replace(/-/g, '')}_s${old.set_id}`, 'the active set names its own GIN');

  const started = Date.now();
  const res = await startSwitch(big, NEW);
  assert.equal(res.status, 202, res.text);
  const phases = new Set<string>();
  let searches = 0;
  await waitFor(
    'the switch done',
    async () => {
      const s = (await status(big)).body;
      phases.add(s.status);
      const search = await api.request('POST', '/api/v1/search', { token: big.memberKey, json: { query: 'volcano lava', topK: 5 } });
      assert.equal(search.status, 200);
      assert.equal(search.body.items.length, 5);
      searches++;
      return s.status === 'idle' ? s : undefined;
    },
    180_000,
    50,
  );
  console.log(
    `[switch] ${res.body.progress.total} chunks of a tenant with its own index re-embedded 1536 → 768, its new index built, in ${((Date.now() - started) / 1000).toFixed(1)} s; ${searches} searches meanwhile, all complete`,
  );
  const [now, ...more] = await index();
  assert.deepEqual(more, [], 'one index for the tenant');
  assert.equal(now.set_id, res.body.target.setId);
  assert.ok(now.valid);
  assert.match(now.def, /halfvec\(768\)/);
  assert.match(now.def, new RegExp(`set_id = ${now.set_id}`));
  const names = (
    await su.query(`SELECT indexname FROM pg_indexes WHERE indexname ~ $1`, [
      `^embeddings_(hnsw|ivf)_t_${big.id.replace(/-/g, '')}_[0-9]+$`,
    ])
  ).rows;
  assert.deepEqual(
    names.map((r) => r.indexname),
    [now.index_name],
    "the old set's index is dropped",
  );
  assert.ok(phases.has('re-embedding') || phases.has('indexing'), [...phases].join(', '));
  const [newKeyword] = await keywordIndexes();
  assert.equal(newKeyword?.set_id, now.set_id);
  assert.equal(newKeyword.relname, `embeddings_tsv_t_${big.id.replace(/-/g, '')}_s${now.set_id}`, "the new set's own GIN, named on it");
  assert.deepEqual(await tsvNames(), [newKeyword.relname], "the old set's full-text index is dropped");

  const repo = new SearchRepository({ minRows: MIN_ROWS, efSearch: 0, searchTimeoutMs: 30_000 });
  const [vector] = await models[NEW.dimensions]!.embed(['volcano lava eruption']);
  const hits = await tenantDb.runFor(big.id, (m) =>
    repo.search(m, { tenantId: big.id, vector: vector!, query: 'volcano lava eruption', topK: 10, mode: 'vector' }),
  );
  assert.equal(repo.lastVectorPath, 'index');
  assert.equal(hits.length, 10);
});

test('a provider failing mid-switch: GET shows the error and an ETA, the job tries again and embeds only what was left', async () => {
  const target = { provider: 'openai-compatible', model: 'test-embed', dimensions: 1536 };
  llm.embeddingDelayMs = 40;
  const requestsBefore = llm.embeddingRequests().length;
  const res = await startSwitch(ext, target);
  assert.equal(res.status, 202, res.text);
  const chunks = res.body.progress.total as number;
  const running = await waitFor(
    'a third of the chunks embedded, with an ETA',
    async () => {
      const s = (await status(ext)).body;
      return s.progress.done >= chunks / 3 && s.eta ? s : undefined;
    },
    60_000,
    50,
  );
  assert.ok(running.eta.seconds >= 0 && new Date(running.eta.at).getTime() >= Date.now() - 1000, JSON.stringify(running.eta));
  llm.enqueue({ status: 500, path: '/embeddings', body: { error: { message: 'the embedding server is down', type: 'server_error' } } });
  const failed = await waitFor(
    'the failure recorded',
    async () => {
      const s = (await status(ext)).body;
      return s.errors.count > 0 ? s : undefined;
    },
    30_000,
    50,
  );
  assert.match(failed.errors.last, /test-embed.*embedding server is down/);
  assert.ok(failed.errors.lastAt);
  const done = await waitIdle(ext, 120_000); // the job's retry comes after its backoff (5 s)
  llm.embeddingDelayMs = 0;
  assert.deepEqual({ provider: done.active.provider, model: done.active.model, dimensions: done.active.dimensions }, target);
  assert.equal(done.errors.count, 1);
  assert.equal(done.progress.done, chunks);
  // One request per chunk (a batch is one chunk here), plus the probe of the POST and the one that failed: nothing embedded twice.
  assert.equal(llm.embeddingRequests().length - requestsBefore, chunks + 2);
  assert.deepEqual(
    (await rows(ext.id)).map((r) => ({ model: r.model, n: r.n })),
    [{ model: 'test-embed', n: chunks }],
  );
});
