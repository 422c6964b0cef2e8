/**
 * Bounded query cost: the keyword side reads at most MAX_KEYWORD_TERMS words,
 * a keyword-only search with more is a 400 that says so, and a search that
 * cannot finish within SEARCH_TIMEOUT_MS answers 503 and gives its
 * connection back (here it is made to wait on a lock held by another session).
 */
import assert from 'node:assert/strict';
import { before, test } from 'node:test';
import type pg from 'pg';
import { MAX_KEYWORD_TERMS } from '../../libs/retrieval/search.repository.js';
import type { TestApi, TestTenant } from '../support/api.js';
import { upload, waitForStatus } from '../support/documents.js';
import { useStack } from '../support/stack.js';

let api: TestApi;
let t: TestTenant;
let db: pg.Client;
const stack = useStack({
  prefix: 'limits',
  // 1 s: every search of the file runs under it, and an ordinary one must never meet it, even on a host so busy with
  // other work that everything runs several times slower (300 ms did not leave that margin).
  env: { SEARCH_TIMEOUT_MS: '1000', DB_POOL_MAX: '3' },
  workers: 1,
  superuser: true,
  tenants: ['limits'],
});
before(async () => {
  ({
    api,
    su: db,
    tenants: [t],
  } = await stack.ready);
  const up = await upload(api, t.adminKey, 'The descaling programme of the espresso machine takes twenty minutes.', 'manual.txt');
  await waitForStatus(api, t.adminKey, up.body.id, ['ready']);
});

test(`a keyword search of more than ${MAX_KEYWORD_TERMS} words is a 400 that names the cap; hybrid takes a 4,000-character query`, async () => {
  const words = Array.from({ length: MAX_KEYWORD_TERMS + 1 }, (_, i) => `word${i}`).join(' ');
  const res = await api.request('POST', '/api/v1/search', { token: t.memberKey, json: { query: words, mode: 'keyword' } });
  assert.equal(res.status, 400);
  assert.match(res.body.message, new RegExp(`at most ${MAX_KEYWORD_TERMS} words`));
  const exact = await api.request('POST', '/api/v1/search', { token: t.memberKey, json: { query: 'descaling espresso', mode: 'keyword' } });
  assert.equal(exact.status, 200);
  assert.equal(exact.body.items.length, 1);

  // The flood query of the capacity report: ~4,000 characters, 800+ words. Only its first words reach the tsquery.
  const long = ('descaling espresso machine programme minutes ' + 'lorem ipsum dolor sit amet '.repeat(150)).slice(0, 4000);
  const started = Date.now();
  const hybrid = await api.request('POST', '/api/v1/search', { token: t.memberKey, json: { query: long, mode: 'hybrid', topK: 100 } });
  assert.equal(hybrid.status, 200, hybrid.text);
  assert.equal(hybrid.body.items.length, 1);
  assert.ok(Date.now() - started < 5000, `took ${Date.now() - started} ms`);
});

test('a search that cannot finish within SEARCH_TIMEOUT_MS answers 503 and gives its connection back', async () => {
  await db.query('BEGIN');
  await db.query('LOCK TABLE vector_indexes IN ACCESS EXCLUSIVE MODE'); // every search reads it first
  try {
    const started = Date.now();
    const results = await Promise.all(
      Array.from({ length: 6 }, () =>
        api.request('POST', '/api/v1/search', { token: t.memberKey, json: { query: 'descaling', mode: 'vector' } }),
      ),
    );
    for (const r of results) {
      assert.equal(r.status, 503, r.text);
      assert.match(r.body.message, /took too long/);
    }
    // Six searches of 1 s each on a tenant's share of the pool: ~6 s. Without the timeout they would wait for the lock,
    // that is for ever.
    assert.ok(Date.now() - started < 20_000, `503s took ${Date.now() - started} ms`);
  } finally {
    await db.query('ROLLBACK');
  }
  // A pool of 3 served 6 timed-out searches: the connections came back.
  const ok = await api.request('POST', '/api/v1/search', { token: t.memberKey, json: { query: 'descaling', mode: 'vector' } });
  assert.equal(ok.status, 200, ok.text);
  assert.equal(ok.body.items.length, 1);
});
