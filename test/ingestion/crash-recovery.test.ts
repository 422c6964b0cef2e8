import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { before, test } from 'node:test';
import type pg from 'pg';
import type { TestApi, TestTenant } from '../support/api.js';
import { upload, waitForStatus } from '../support/documents.js';
import type { FakeOpenAI } from '../support/fake-openai.js';
import { llmEmbeddings, ONE_CHUNK_PER_REQUEST, useStack, type Env } from '../support/stack.js';
import { waitFor, WorkerProcess } from '../support/worker.js';

let api: TestApi;
let t: TestTenant;
let llm: FakeOpenAI;
let db: pg.Client;
let env: Env;
const stack = useStack({
  prefix: 'crash',
  llm: true,
  superuser: true,
  tenants: ['crash'],
  env: (llm) => ({ ...llmEmbeddings(llm), ...ONE_CHUNK_PER_REQUEST, RECONCILE_INTERVAL_MS: '1000', QUEUE_LOCK_DURATION_MS: '3000' }),
});
before(async () => {
  ({
    api,
    llm,
    env,
    su: db,
    tenants: [t],
  } = await stack.ready);
  // Slow embeddings, one chunk per request: the job runs long enough to be killed in the middle.
  llm.embeddingDelayMs = 700;
});

test('a worker killed with SIGKILL mid-document: after restart the document is ready with one chunk set', async () => {
  const text = Array.from(
    { length: 12 },
    (_, i) => `Section ${i}. ${'The quick brown fox jumps over the lazy dog. '.repeat(6)} marker-${randomUUID()}`,
  ).join('\n\n');
  const first = await WorkerProcess.start(env);
  const res = await upload(api, t.adminKey, text, 'long.txt');
  assert.equal(res.status, 202);
  const id = res.body.id;

  await waitFor(
    'embedding to be under way',
    async () => {
      const d = (await api.request('GET', `/api/v1/documents/${id}`, { token: t.adminKey })).body;
      return d.status === 'processing' && d.progress > 25 && llm.embeddingRequests().length >= 3;
    },
    60_000,
    50,
  );
  await first.kill('SIGKILL');
  const killedAt = await api.request('GET', `/api/v1/documents/${id}`, { token: t.adminKey });
  assert.equal(killedAt.body.status, 'processing');

  const second = await WorkerProcess.start(env);
  try {
    const doc = await waitForStatus(api, t.adminKey, id, ['ready', 'failed'], 120_000);
    assert.equal(doc.status, 'ready', doc.error);
    const {
      rows: [r],
    } = await db.query(
      `SELECT count(*)::int AS rows, count(DISTINCT chunk_index)::int AS idx, min(chunk_index) AS lo, max(chunk_index) AS hi, array_agg(DISTINCT model) AS models
       FROM embeddings WHERE document_id = $1`,
      [id],
    );
    assert.ok(doc.chunkCount >= 8, `expected several chunks, got ${doc.chunkCount}`);
    assert.equal(r.rows, doc.chunkCount);
    assert.equal(r.idx, doc.chunkCount);
    assert.equal(r.lo, 0);
    assert.equal(r.hi, doc.chunkCount - 1);
    const attempts = await db.query(`SELECT attempts FROM documents WHERE id = $1`, [id]);
    assert.ok(attempts.rows[0].attempts >= 2, 'the document was taken up again after the kill');
  } finally {
    await second.stop();
  }
});
