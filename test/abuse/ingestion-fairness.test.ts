/**
 * Issue 8, "Fair ingestion": one tenant's backlog never starves another tenant.
 *
 * Attack: tenant A fills the ingestion queue with 500 documents; then tenant B
 * uploads one small document. Bound: B's document is `ready` after at most
 * MAX_A_BEFORE_B of A's documents on one worker (WORKER_CONCURRENCY at its
 * default), and within the 10 s (1.9 s measured on a quiet machine). Before
 * fair dispatch (one FIFO queue) B waited behind all of A's documents
 * (bench/RESULTS-abuse.md, "Fair ingestion"). The count is what the dispatch
 * order decides; the time also moves with the machine's load (on a host busy with
 * other tenants everything here runs 2–4× slower), so the test allows
 * B_READY_WITHIN_MS, three times the bound, and the count holds at any speed.
 *
 * And the caps: a tenant over its queued-documents or queued-bytes cap gets a
 * 429 with Retry-After, and nothing is stored.
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import { Queue } from 'bullmq';
import type pg from 'pg';
import { IngestionQueue } from '../../libs/queue/ingestion.queue.js';
import { createTenant, TestApi, type TestTenant } from '../support/api.js';
import { superClient } from '../support/db.js';
import { uniqueText, upload, waitForStatus } from '../support/documents.js';
import { WorkerProcess } from '../support/worker.js';

const BACKLOG = 500;
/** Three times the 10 s for the other tenant's small document: see the header. */
const B_READY_WITHIN_MS = 30_000;
/**
 * A's documents handled (ready or failed) by the time B's is ready: those the worker finished while B's upload was on
 * its way, the two in flight when it arrived, and slack (3 and 5 measured). Without fair dispatch it would be all 500.
 */
const MAX_A_BEFORE_B = 20;
/** Each of A's documents: ~24 KB of text, a dozen chunks, so that A's backlog takes minutes, not seconds. */
const A_PARAGRAPHS = 220;

let db: pg.Client;
before(async () => {
  db = await superClient();
});
after(async () => {
  await db.end();
});

/** Runs `fn` over `items` with at most `limit` in flight. */
async function pool<T, R>(items: T[], limit: number, fn: (item: T, i: number) => Promise<R>): Promise<R[]> {
  const out: R[] = new Array(items.length);
  let next = 0;
  await Promise.all(
    Array.from({ length: limit }, async () => {
      while (next < items.length) {
        const i = next++;
        out[i] = await fn(items[i]!, i);
      }
    }),
  );
  return out;
}

async function statusCounts(tenantId: string): Promise<Record<string, number>> {
  const { rows } = await db.query(`SELECT status, count(*)::int AS n FROM documents WHERE tenant_id = $1 GROUP BY status`, [tenantId]);
  return Object.fromEntries(rows.map((r) => [r.status, r.n]));
}

describe('fair dispatch across tenants', () => {
  // What is under test is the queue, not the request budget: without these, admission control
  // (test/abuse/admission.test.ts) would spread A's 500 uploads over two minutes.
  const env = { QUEUE_PREFIX: `fair-${randomUUID().slice(0, 8)}`, RATE_LIMIT_UPLOAD_PER_MINUTE: '0', DB_TENANT_POOL_PERCENT: '100' };
  let api: TestApi;
  let worker: WorkerProcess | undefined;
  let queue: Queue;
  let a: TestTenant;
  let b: TestTenant;

  before(async () => {
    api = await TestApi.start(env);
    [a, b] = await Promise.all([createTenant(api, 'fair-a'), createTenant(api, 'fair-b')]);
    queue = new Queue('ingestion', { connection: { url: process.env.REDIS_URL ?? 'redis://127.0.0.1:6379' }, prefix: env.QUEUE_PREFIX });
  });
  after(async () => {
    await worker?.stop();
    await queue.obliterate({ force: true }).catch(() => undefined);
    await queue.close();
    await api.close();
    // A's unfinished backlog must not be picked up by later test files' reconcilers.
    await db.query(`DELETE FROM documents WHERE tenant_id = $1`, [a.id]);
  });

  test(`with ${BACKLOG} of tenant A's documents queued, tenant B's small document is ready after at most ${MAX_A_BEFORE_B} of them on one worker`, async (t) => {
    // A's backlog, through the real upload path, before any worker runs: the queue holds all of it.
    const started = Date.now();
    const ups = await pool(
      Array.from({ length: BACKLOG }, (_, i) => i),
      8,
      (i) => upload(api, a.adminKey, uniqueText(`backlog item ${i}`, A_PARAGRAPHS), `a-${i}.md`),
    );
    const rejected = ups.filter((u) => u.status !== 202);
    assert.deepEqual(
      rejected.map((u) => `${u.status} ${u.text}`),
      [],
    );
    const counts = await queue.getJobCounts('waiting', 'prioritized', 'active', 'delayed');
    assert.equal((counts.waiting ?? 0) + (counts.prioritized ?? 0), BACKLOG, `A's jobs in the queue: ${JSON.stringify(counts)}`);
    t.diagnostic(`A's ${BACKLOG} uploads took ${Date.now() - started} ms (${ups[0]!.body.sizeBytes} bytes each)`);

    // One worker, default concurrency; B uploads once it is taking A's jobs.
    worker = await WorkerProcess.start(env);
    const t0 = Date.now();
    const up = await upload(api, b.adminKey, uniqueText('the other tenant', 3), 'b.md');
    assert.equal(up.status, 202, up.text);
    const doc = await waitForStatus(api, b.adminKey, up.body.id, ['ready', 'failed'], 120_000);
    const latency = Date.now() - t0;
    const aCounts = await statusCounts(a.id);
    t.diagnostic(`B ready after ${latency} ms; A at that moment: ${JSON.stringify(aCounts)}`);
    assert.equal(doc.status, 'ready', doc.error);
    assert.ok(
      latency <= B_READY_WITHIN_MS,
      `B's document took ${latency} ms (bound ${B_READY_WITHIN_MS} ms); A: ${JSON.stringify(aCounts)}`,
    );
    // The bound is met by dispatch order, not by A's backlog having drained.
    assert.ok(
      (aCounts.ready ?? 0) + (aCounts.failed ?? 0) <= MAX_A_BEFORE_B,
      `B should wait for at most ${MAX_A_BEFORE_B} of A's documents: ${JSON.stringify(aCounts)}`,
    );
  });
});

test("ranks are refreshed as a backlog drains: a tenant with a long backlog is not held back by another's steady one", async () => {
  const queue = new Queue('ingestion', {
    connection: { url: process.env.REDIS_URL ?? 'redis://127.0.0.1:6379' },
    prefix: `rerank-${randomUUID().slice(0, 8)}`,
  });
  try {
    const ingestion = new IngestionQueue(queue);
    const [a, c] = [randomUUID(), randomUUID()];
    // A queued six documents (ranks 1..6); four were served since.
    for (let k = 1; k <= 6; k++) assert.ok(await ingestion.enqueue({ tenantId: a, documentId: `a${k}` }, { rank: k }));
    for (let k = 1; k <= 4; k++) await queue.remove(`a${k}`);
    // C, with a shorter backlog, keeps adding documents at low ranks.
    for (let k = 1; k <= 3; k++) assert.ok(await ingestion.enqueue({ tenantId: c, documentId: `c${k}` }, { rank: k }));
    const order = async () => (await queue.getPrioritized()).map((j) => j.id);
    assert.deepEqual(await order(), ['c1', 'c2', 'c3', 'a5', 'a6'], 'without a refresh, A waits behind all of C');
    assert.equal(await ingestion.rerank(), 2);
    assert.deepEqual(await order(), ['c1', 'a5', 'c2', 'a6', 'c3'], 'after it, the tenants take turns again');
    assert.equal(await ingestion.rerank(), 0, 'a second pass moves nothing');
  } finally {
    await queue.obliterate({ force: true }).catch(() => undefined);
    await queue.close();
  }
});

test("the reconciler's scan takes tenants in turns: one tenant's many stale documents do not fill the batch ahead of another's one", async () => {
  const api = await TestApi.start({ QUEUE_PREFIX: `stale-${randomUUID().slice(0, 8)}` });
  const [x, y] = [await createTenant(api, 'stale-x'), await createTenant(api, 'stale-y')];
  await api.close();
  try {
    // X: five documents whose lease expired an hour ago; Y: one that expired a minute ago.
    const insert = (tenantId: string, n: number, expiredSecondsAgo: number) =>
      db.query(
        `INSERT INTO documents (tenant_id, id, filename, mime_type, size_bytes, content_hash, status, lease_expires_at)
       SELECT $1, gen_random_uuid(), 'stale.txt', 'text/plain', 10, md5(random()::text || g), 'queued', now() - make_interval(secs => $3 + g)
       FROM generate_series(1, $2) g`,
        [tenantId, n, expiredSecondsAgo],
      );
    await insert(x.id, 5, 3600);
    await insert(y.id, 1, 60);
    const { rows } = await db.query(`SELECT tenant_id FROM stale_ingestion_documents(1000) WHERE tenant_id IN ($1, $2)`, [x.id, y.id]);
    const order = rows.map((r) => (r.tenant_id === x.id ? 'x' : 'y')).join('');
    assert.equal(order, 'xyxxxx', "Y's only stale document comes right after X's first, not after all five");
  } finally {
    await db.query(`DELETE FROM documents WHERE tenant_id IN ($1, $2)`, [x.id, y.id]);
  }
});

describe('per-tenant caps on queued documents and bytes', () => {
  // No worker listens on this prefix: uploads stay queued, so the caps are reached deterministically.
  const env = { QUEUE_PREFIX: `cap-${randomUUID().slice(0, 8)}`, INGESTION_MAX_QUEUED_BYTES: '100000' };
  let api: TestApi;
  const tenants: TestTenant[] = [];

  before(async () => {
    api = await TestApi.start(env);
  });
  after(async () => {
    await api.close();
    for (const t of tenants) await db.query(`DELETE FROM documents WHERE tenant_id = $1`, [t.id]);
  });

  async function stored(tenantId: string) {
    const {
      rows: [r],
    } = await db.query(
      `SELECT (SELECT count(*)::int FROM documents WHERE tenant_id = $1) AS docs,
              (SELECT count(*)::int FROM document_files WHERE tenant_id = $1) AS files`,
      [tenantId],
    );
    return r as { docs: number; files: number };
  }

  function assert429(res: { status: number; headers: Headers; body: { message?: string } }, mentions: RegExp) {
    assert.equal(res.status, 429, JSON.stringify(res.body));
    const retryAfter = Number(res.headers.get('retry-after'));
    assert.ok(Number.isInteger(retryAfter) && retryAfter >= 1, `Retry-After: ${res.headers.get('retry-after')}`);
    assert.match(res.body.message ?? '', mentions);
  }

  test('the queued-documents cap from tenant settings answers 429 with Retry-After and stores nothing', async () => {
    const t = await createTenant(api, 'cap-docs', { maxQueuedDocuments: 2 });
    tenants.push(t);
    const token = t.adminKey;
    const settings = await api.request('GET', '/api/v1/admin/tenants', { token: api.adminKey });
    assert.equal(settings.body.items.find((x: { id: string }) => x.id === t.id)?.settings.maxQueuedDocuments, 2);

    const first = await upload(api, token, uniqueText('cap one'), 'one.md');
    const second = await upload(api, token, uniqueText('cap two'), 'two.md');
    assert.deepEqual([first.status, second.status], [202, 202]);
    const over = await upload(api, token, uniqueText('cap three'), 'three.md');
    assert429(over, /2 documents/);
    assert.deepEqual(await stored(t.id), { docs: 2, files: 2 });
    // Re-uploading bytes it already has queues nothing new: still the duplicate answer, not a 429.
    const again = await upload(api, token, await bytesOf(first.body.id), 'one-again.md');
    assert.equal(again.status, 200, again.text);
    assert.equal(again.body.duplicate, true);
  });

  test('the queued-bytes cap (INGESTION_MAX_QUEUED_BYTES) answers 429 with Retry-After and stores nothing', async () => {
    const t = await createTenant(api, 'cap-bytes');
    tenants.push(t);
    const big = (topic: string) => uniqueText(topic, 600).slice(0, 60_000);
    const first = await upload(api, t.adminKey, big('bytes one'), 'one.md');
    assert.equal(first.status, 202, first.text);
    const over = await upload(api, t.adminKey, big('bytes two'), 'two.md');
    assert429(over, /100000 bytes/);
    assert.deepEqual(await stored(t.id), { docs: 1, files: 1 });
    // Another tenant is not affected by this tenant's cap.
    const other = await createTenant(api, 'cap-other');
    tenants.push(other);
    const fine = await upload(api, other.adminKey, big('other tenant'), 'other.md');
    assert.equal(fine.status, 202, fine.text);
  });
});

/** The stored bytes of a document, read back as the superuser (the API has no download route). */
async function bytesOf(id: string): Promise<Uint8Array> {
  const {
    rows: [r],
  } = await db.query(`SELECT data FROM document_files WHERE document_id = $1`, [id]);
  return new Uint8Array(r.data);
}
