import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { before, describe, test } from 'node:test';
import { createTenant, type TestApi, type TestTenant } from '../support/api.js';
import { CORPUS, ingest, KNOWN_ANSWERS, SMALL_CHUNKS } from '../support/corpus.js';
import { useStack } from '../support/stack.js';

let api: TestApi;
let t: TestTenant;
let ids: Record<string, string>;
const stack = useStack({ prefix: 'search', env: SMALL_CHUNKS, workers: 1, tenants: ['search'] });
before(async () => {
  ({
    api,
    tenants: [t],
  } = await stack.ready);
  ids = await ingest(api, t, CORPUS);
});

const search = (body: Record<string, unknown>, token = t.adminKey) => api.request('POST', '/api/v1/search', { token, json: body });

describe('retrieval quality (local embedder)', () => {
  for (const mode of ['vector', 'hybrid'] as const) {
    test(`${mode}: the chunk with the answer is in the top 3 for every question`, async () => {
      for (const qa of KNOWN_ANSWERS) {
        const res = await search({ query: qa.question, topK: 3, mode });
        assert.equal(res.status, 200, res.text);
        assert.equal(res.body.items.length, 3);
        const hit = res.body.items.find((h: any) => h.content.includes(qa.fact));
        assert.ok(hit, `${mode}: "${qa.question}" -> ${res.body.items.map((h: any) => h.filename).join(', ')}`);
        assert.equal(hit.documentId, ids[qa.doc]);
        assert.equal(hit.filename, qa.doc);
      }
    });
  }

  for (const mode of ['keyword', 'hybrid'] as const) {
    test(`${mode}: a keyword-only term (a product code) is found`, async () => {
      const res = await search({ query: 'XK-4471-B', topK: 3, mode });
      assert.equal(res.status, 200);
      assert.ok(res.body.items[0]?.content.includes('XK-4471-B'), JSON.stringify(res.body.items.map((h: any) => h.content.slice(0, 60))));
    });
  }

  test('results have the API.md shape; vector scores are 1 - cosine distance, in order', async () => {
    const res = await search({ query: 'descale espresso', topK: 5 });
    for (const h of res.body.items) {
      assert.deepEqual(Object.keys(h).sort(), [
        'chunkId',
        'content',
        'documentId',
        'filename',
        'pageFrom',
        'pageTo',
        'score',
        'section',
        'similarity',
      ]);
      assert.ok(h.similarity <= 1 && h.similarity >= -1);
      assert.equal(h.score, h.similarity);
    }
    const sims = res.body.items.map((h: any) => h.similarity);
    assert.deepEqual(
      sims,
      [...sims].sort((a: number, b: number) => b - a),
    );
  });
});

describe('filters', () => {
  test('documentIds and folderIds restrict the results; minScore drops weak ones', async () => {
    const only = await search({ query: 'How do I reset the router?', topK: 10, documentIds: [ids['garden-notes.md']] });
    assert.ok(only.body.items.length > 0);
    assert.ok(only.body.items.every((h: any) => h.documentId === ids['garden-notes.md']));

    const folder = await api.request('POST', '/api/v1/folders', { token: t.adminKey, json: { name: `f-${randomUUID().slice(0, 4)}` } });
    const empty = await search({ query: 'router', folderIds: [folder.body.id] });
    assert.deepEqual(empty.body.items, []);

    const all = await search({ query: 'How do I reset the router?', topK: 10 });
    const cut = all.body.items[2].similarity;
    const strong = await search({ query: 'How do I reset the router?', topK: 10, minScore: cut });
    assert.ok(strong.body.items.length >= 3 && strong.body.items.length < all.body.items.length + 1);
    assert.ok(strong.body.items.every((h: any) => h.similarity >= cut));
  });

  test('topK is honoured and capped by what exists', async () => {
    const res = await search({ query: 'guide', topK: 100 });
    const chunks = await Promise.all(
      Object.values(ids).map((id) => api.request('GET', `/api/v1/documents/${id}/chunks`, { token: t.adminKey })),
    );
    const total = chunks.reduce((n, c) => n + c.body.items.length, 0);
    assert.equal(res.body.items.length, Math.min(100, total));
  });

  test('bad search input is a 400 naming the field', async () => {
    for (const [body, field] of [
      [{}, 'query'],
      [{ query: '' }, 'query'],
      [{ query: 'x', topK: 0 }, 'topK'],
      [{ query: 'x', mode: 'semantic' }, 'mode'],
      [{ query: 'x', documentIds: ['nope'] }, 'documentIds'],
      [{ query: 'x', minScore: 'high' }, 'minScore'],
    ] as const) {
      const res = await search(body);
      assert.equal(res.status, 400, JSON.stringify(body));
      assert.match(res.body.message, new RegExp(field));
    }
  });
});

describe('isolation', () => {
  test('another tenant searching the same questions finds none of these documents', async () => {
    const other = await createTenant(api, 'search-other');
    for (const mode of ['vector', 'keyword', 'hybrid']) {
      const res = await search({ query: 'XK-4471-B router reset espresso', topK: 20, mode }, other.adminKey);
      assert.equal(res.status, 200);
      assert.deepEqual(res.body.items, []);
    }
    const scoped = await search({ query: 'router', documentIds: [ids['router-guide.md']] }, other.adminKey);
    assert.deepEqual(scoped.body.items, []);
  });
});
