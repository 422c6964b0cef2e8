import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { before, describe, test } from 'node:test';
import type pg from 'pg';
import type { TestApi, TestTenant } from '../support/api.js';
import { useStack } from '../support/stack.js';

// The routes the web console added to the contract: PATCH /api/v1/admin/tenants/:id,
// and GET /api/v1/usage (API keys' lastUsedAt: test/api/api-key-last-used.test.ts).
let api: TestApi;
let su: pg.Client;
let a: TestTenant;
let b: TestTenant;
const stack = useStack({ prefix: 'tset', superuser: true, tenants: ['tset-a', 'tset-b'] });
before(async () => {
  ({
    api,
    su,
    tenants: [a, b],
  } = await stack.ready);
});

const patch = (id: string, json: unknown, token = api.adminKey) => api.request('PATCH', `/api/v1/admin/tenants/${id}`, { token, json });

describe('PATCH /api/v1/admin/tenants/:id', () => {
  test('renames and replaces the settings of that tenant only; the answer has the tenant shape', async () => {
    const res = await patch(a.id, { name: 'Renamed A', settings: { dailyTokenQuota: 1234, limits: { chatPerMinute: 7 } } });
    assert.equal(res.status, 200, res.text);
    assert.deepEqual(Object.keys(res.body).sort(), ['createdAt', 'id', 'name', 'settings', 'slug']);
    assert.equal(res.body.name, 'Renamed A');
    assert.equal(res.body.slug, a.slug);
    assert.deepEqual(res.body.settings, { dailyTokenQuota: 1234, limits: { chatPerMinute: 7 } });
    const list = (await api.request('GET', '/api/v1/admin/tenants', { token: api.adminKey })).body.items;
    assert.equal(list.find((t: any) => t.id === a.id).name, 'Renamed A');
    assert.notEqual(list.find((t: any) => t.id === b.id).name, 'Renamed A');
    assert.deepEqual(list.find((t: any) => t.id === b.id).settings, {});
    // Only the name: the settings stay.
    const renamed = await patch(a.id, { name: 'A again' });
    assert.equal(renamed.status, 200);
    assert.deepEqual(renamed.body.settings, { dailyTokenQuota: 1234, limits: { chatPerMinute: 7 } });
  });

  test('bad input is a 400 naming the field; the slug cannot change; an unknown tenant is a 404; tenant users get 403', async () => {
    const bad = await patch(a.id, { settings: { searchLanguage: 'Klingon!' } });
    assert.equal(bad.status, 400);
    assert.match(bad.body.message, /searchLanguage/);
    const slug = await patch(a.id, { slug: 'taken-over' });
    assert.equal(slug.status, 400);
    assert.match(slug.body.message, /slug/);
    assert.equal((await patch(a.id, { name: '' })).status, 400);
    assert.equal((await patch(randomUUID(), { name: 'Ghost' })).status, 404);
    assert.equal((await patch('not-a-uuid', { name: 'x' })).status, 400);
    assert.equal((await patch(a.id, { name: 'Mine now' }, a.adminKey)).status, 403);
    assert.equal((await patch(a.id, { name: 'Mine now' })).status, 200);
  });
});

describe('GET /api/v1/usage', () => {
  test("the tenant's tokens by day with its quota; admins only; days is checked", async () => {
    await patch(b.id, { settings: { dailyTokenQuota: 5000 } });
    const res = await api.request('GET', '/api/v1/usage?days=7', { token: b.adminKey });
    assert.equal(res.status, 200, res.text);
    assert.deepEqual(Object.keys(res.body).sort(), ['dailyTokenQuota', 'items', 'usedToday']);
    assert.equal(res.body.dailyTokenQuota, 5000);
    assert.equal(typeof res.body.usedToday, 'number');
    for (const row of res.body.items) {
      assert.match(row.day, /^\d{4}-\d{2}-\d{2}$/);
      assert.ok(['chat', 'embedding'].includes(row.kind));
      assert.equal(typeof row.promptTokens, 'number');
    }
    // What the database holds for B, and nothing of A's.
    await su.query(
      `INSERT INTO usage_records (tenant_id, day, kind, model, prompt_tokens, completion_tokens, requests)
       VALUES ($1, (now() AT TIME ZONE 'UTC')::date, 'chat', 'probe-model', 40, 2, 1), ($2, (now() AT TIME ZONE 'UTC')::date, 'chat', 'other-model', 9, 9, 1)
       ON CONFLICT (tenant_id, day, kind, model) DO UPDATE SET prompt_tokens = usage_records.prompt_tokens + 40`,
      [b.id, a.id],
    );
    const after = (await api.request('GET', '/api/v1/usage', { token: b.adminKey })).body;
    const probe = after.items.find((r: any) => r.model === 'probe-model');
    assert.deepEqual(
      probe && { kind: probe.kind, promptTokens: probe.promptTokens, completionTokens: probe.completionTokens, requests: probe.requests },
      {
        kind: 'chat',
        promptTokens: 40,
        completionTokens: 2,
        requests: 1,
      },
    );
    assert.ok(!after.items.some((r: any) => r.model === 'other-model'), "A's usage is not B's");
    assert.equal(after.usedToday, res.body.usedToday + 42);

    assert.equal((await api.request('GET', '/api/v1/usage', { token: b.memberKey })).status, 403);
    assert.equal((await api.request('GET', '/api/v1/usage', { token: api.adminKey })).status, 403);
    for (const days of ['0', '367', 'abc']) {
      const bad = await api.request('GET', `/api/v1/usage?days=${days}`, { token: b.adminKey });
      assert.equal(bad.status, 400, days);
      assert.match(bad.body.message, /days/);
    }
  });
});
