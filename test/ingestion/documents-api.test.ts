import assert from 'node:assert/strict';
import { before, describe, test } from 'node:test';
import type pg from 'pg';
import { createTenant, type TestApi, type TestTenant } from '../support/api.js';
import { uniqueText, upload, waitForStatus } from '../support/documents.js';
import type { FakeOpenAI } from '../support/fake-openai.js';
import { llmEmbeddings, ONE_CHUNK_PER_REQUEST, useStack } from '../support/stack.js';
import { waitFor, type WorkerProcess } from '../support/worker.js';

let api: TestApi;
let worker: WorkerProcess;
let llm: FakeOpenAI;
let a: TestTenant;
let b: TestTenant;
let db: pg.Client;
const stack = useStack({
  prefix: 'docs',
  llm: true,
  workers: 1,
  superuser: true,
  tenants: ['docs-a', 'docs-b'],
  env: (llm) => ({ ...llmEmbeddings(llm), ...ONE_CHUNK_PER_REQUEST, RECONCILE_INTERVAL_MS: '1000' }),
});
before(
  async () =>
    ({
      api,
      worker,
      llm,
      su: db,
      tenants: [a, b],
    } = await stack.ready),
);

describe('isolation', () => {
  test("another tenant's document ids answer 404 on every route, and the document is untouched", async () => {
    const up = await upload(api, a.adminKey, uniqueText('isolation'), 'secret.txt');
    const doc = await waitForStatus(api, a.adminKey, up.body.id, ['ready']);
    const id = doc.id;
    for (const [method, path] of [
      ['GET', `/api/v1/documents/${id}`],
      ['GET', `/api/v1/documents/${id}/chunks`],
      ['POST', `/api/v1/documents/${id}/reprocess`],
      ['DELETE', `/api/v1/documents/${id}`],
    ] as const) {
      const res = await api.request(method, path, { token: b.adminKey });
      assert.equal(res.status, 404, `${method} ${path}`);
      assert.ok(!res.text.includes('secret.txt'));
    }
    const listB = await api.request('GET', '/api/v1/documents', { token: b.adminKey });
    assert.ok(!listB.body.items.some((d: { id: string }) => d.id === id));
    const still = await api.request('GET', `/api/v1/documents/${id}`, { token: a.adminKey });
    assert.equal(still.body.status, 'ready');
    assert.equal(still.body.chunkCount, doc.chunkCount);
  });

  test("uploading into another tenant's folder answers 404 and stores nothing", async () => {
    const folder = await api.request('POST', '/api/v1/folders', { token: b.adminKey, json: { name: 'b-only' } });
    const text = uniqueText('wrong folder');
    const res = await upload(api, a.adminKey, text, 'x.txt', { folderId: folder.body.id });
    assert.equal(res.status, 404, res.text);
    const { rows } = await db.query(`SELECT count(*)::int AS n FROM documents WHERE filename = 'x.txt' AND tenant_id = $1`, [a.id]);
    assert.equal(rows[0].n, 0);
  });

  test('the same bytes in two tenants are two documents (duplicates are per tenant)', async () => {
    const text = uniqueText('shared bytes');
    const ra = await upload(api, a.adminKey, text, 's.txt');
    const rb = await upload(api, b.adminKey, text, 's.txt');
    assert.equal(ra.status, 202);
    assert.equal(rb.status, 202);
    assert.notEqual(ra.body.id, rb.body.id);
    const again = await upload(api, a.adminKey, text, 'renamed.txt');
    assert.equal(again.status, 200);
    assert.equal(again.body.duplicate, true);
    assert.equal(again.body.id, ra.body.id);
  });
});

describe('listing', () => {
  test('cursor pagination walks every document once, newest first, with filters', async () => {
    const t = await createTenant(api, 'list');
    const folder = await api.request('POST', '/api/v1/folders', { token: t.adminKey, json: { name: 'f' } });
    const ids: string[] = [];
    for (let i = 0; i < 5; i++)
      ids.push((await upload(api, t.adminKey, uniqueText(`list ${i}`), `l${i}.txt`, i < 2 ? { folderId: folder.body.id } : {})).body.id);
    const seen: string[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const res: any = await api.request('GET', `/api/v1/documents?limit=2${cursor ? `&cursor=${cursor}` : ''}`, { token: t.adminKey });
      assert.equal(res.status, 200);
      assert.ok(res.body.items.length <= 2);
      seen.push(...res.body.items.map((d: { id: string }) => d.id));
      cursor = res.body.nextCursor;
      pages++;
    } while (cursor && pages < 10);
    assert.equal(pages, 3);
    assert.deepEqual(seen, [...ids].reverse());
    const inFolder = await api.request('GET', `/api/v1/documents?folderId=${folder.body.id}`, { token: t.adminKey });
    assert.deepEqual(inFolder.body.items.map((d: { id: string }) => d.id).sort(), ids.slice(0, 2).sort());
  });

  test('bad query parameters are 400s naming the parameter', async () => {
    for (const [q, field] of [
      ['status=done', 'status'],
      ['limit=0', 'limit'],
      ['limit=abc', 'limit'],
      ['cursor=%%%', 'cursor'],
      ['folderId=1', 'folderId'],
      ['cursor=eyJ4IjoxfQ', 'cursor'],
    ] as const) {
      const res = await api.request('GET', `/api/v1/documents?${q}`, { token: a.adminKey });
      assert.equal(res.status, 400, q);
      assert.match(res.body.message, new RegExp(field));
    }
  });
});

describe('lifecycle', () => {
  test('reprocess gives the same chunk set again; delete removes chunks and bytes', async () => {
    const up = await upload(api, a.adminKey, uniqueText('lifecycle', 6), 'life.md');
    const ready = await waitForStatus(api, a.adminKey, up.body.id, ['ready']);
    const before = (await api.request('GET', `/api/v1/documents/${ready.id}/chunks`, { token: a.adminKey })).body.items;
    const re = await api.request('POST', `/api/v1/documents/${ready.id}/reprocess`, { token: a.adminKey });
    assert.equal(re.status, 202);
    assert.equal(re.body.status, 'queued');
    const again = await waitForStatus(api, a.adminKey, ready.id, ['ready']);
    const after = (await api.request('GET', `/api/v1/documents/${ready.id}/chunks`, { token: a.adminKey })).body.items;
    assert.equal(again.chunkCount, ready.chunkCount);
    assert.deepEqual(
      after.map((c: any) => [c.index, c.content, c.pageFrom, c.pageTo, c.tokenCount]),
      before.map((c: any) => [c.index, c.content, c.pageFrom, c.pageTo, c.tokenCount]),
    );

    assert.equal((await api.request('DELETE', `/api/v1/documents/${ready.id}`, { token: a.adminKey })).status, 204);
    assert.equal((await api.request('GET', `/api/v1/documents/${ready.id}`, { token: a.adminKey })).status, 404);
    const {
      rows: [r],
    } = await db.query(
      `SELECT (SELECT count(*) FROM embeddings WHERE document_id = $1)::int AS chunks, (SELECT count(*) FROM document_files WHERE document_id = $1)::int AS files`,
      [ready.id],
    );
    assert.deepEqual(r, { chunks: 0, files: 0 });
  });

  test('deleting a document while the worker is on it: the job ends quietly and writes nothing', async () => {
    llm.embeddingDelayMs = 400;
    try {
      const up = await upload(api, a.adminKey, uniqueText('deleted mid-way', 12), 'gone.md');
      await waitFor(
        'processing',
        async () => (await api.request('GET', `/api/v1/documents/${up.body.id}`, { token: a.adminKey })).body.progress > 20,
        60_000,
        50,
      );
      assert.equal((await api.request('DELETE', `/api/v1/documents/${up.body.id}`, { token: a.adminKey })).status, 204);
      // Let the job run on past the point it would have written.
      await new Promise((r) => setTimeout(r, 3000));
      const {
        rows: [r],
      } = await db.query(`SELECT (SELECT count(*) FROM embeddings WHERE document_id = $1)::int AS chunks`, [up.body.id]);
      assert.equal(r.chunks, 0);
      assert.ok(!worker.log.includes(`job ${up.body.id} failed`), 'the job ended quietly, not as a failure');
      assert.ok(worker.alive);
    } finally {
      llm.embeddingDelayMs = 0;
    }
  });

  test('a member can upload and read documents of the tenant', async () => {
    const up = await upload(api, a.memberKey, uniqueText('member upload'), 'm.txt');
    assert.equal(up.status, 202);
    assert.equal((await api.request('GET', `/api/v1/documents/${up.body.id}`, { token: a.memberKey })).status, 200);
    assert.equal((await api.request('GET', '/api/v1/documents')).status, 401);
  });
});
