/**
 * lastUsedAt of API keys (GET /api/v1/api-keys): written when a key authenticates a request, at
 * most once a minute per key. Three API instances in this process stand for three API processes,
 * each with its own memo, all sharing the database: one writes, the second finds the row written
 * less than a minute ago and leaves it, and after a minute (the row moved back in time) a third
 * writes again, while the first two, which recorded the key in the last minute, do not even try.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type pg from 'pg';
import { TestApi, type TestTenant } from '../support/api.js';
import { useStack } from '../support/stack.js';
import { waitFor } from '../support/worker.js';

interface KeyRow {
  id: string;
  userId: string;
  lastUsedAt: string | null;
}

let a: TestApi;
let b: TestApi;
let c: TestApi;
let su: pg.Client;
let tenant: TestTenant;
const stack = useStack({ prefix: 'lastused', tenants: ['lastused'], superuser: true });
before(async () => {
  ({
    api: a,
    su,
    tenants: [tenant],
  } = await stack.ready);
  b = await TestApi.start(stack.env);
  c = await TestApi.start(stack.env);
});
after(async () => {
  await b?.close();
  await c?.close();
});

/** The member's key as the tenant admin sees it in the keys list. */
async function memberKey(): Promise<KeyRow> {
  const res = await a.request<{ items: KeyRow[] }>('GET', '/api/v1/api-keys', { token: tenant.adminKey });
  assert.equal(res.status, 200, res.text);
  const row = res.body.items.find((k) => k.userId === tenant.memberUserId);
  assert.ok(row, 'the member key is listed');
  return row;
}

async function useKey(api: TestApi, times = 1): Promise<void> {
  for (let i = 0; i < times; i++) {
    const res = await api.request('GET', '/api/v1/me', { token: tenant.memberKey });
    assert.equal(res.status, 200, res.text);
  }
}

/** The write is off the request path: give a write that should not happen the time to happen. */
const settle = () => new Promise((r) => setTimeout(r, 500));

test('a key never used has lastUsedAt null; its first use writes it', async () => {
  assert.equal((await memberKey()).lastUsedAt, null);
  const before = Date.now();
  await useKey(a);
  const row = await waitFor('lastUsedAt to be written', async () => {
    const k = await memberKey();
    return k.lastUsedAt !== null && k;
  });
  const at = Date.parse(row.lastUsedAt!);
  assert.ok(at >= before - 1000 && at <= Date.now() + 1000, `lastUsedAt ${row.lastUsedAt} is the time of the request`);
});

test('within the minute, neither the same process nor another one writes it again', async () => {
  const first = (await memberKey()).lastUsedAt;
  assert.ok(first);
  await useKey(a, 5);
  await useKey(b, 5); // b has never seen the key: it tries, and the UPDATE's condition leaves the row
  await settle();
  assert.equal((await memberKey()).lastUsedAt, first);
});

test('a minute later it is written again, once', async () => {
  const { id } = await memberKey();
  await su.query(`UPDATE api_keys SET last_used_at = now() - interval '2 minutes' WHERE id = $1`, [id]);
  const backdated = (await memberKey()).lastUsedAt!;
  // a and b recorded the key less than a minute ago: they do not touch the database for it.
  await useKey(a, 3);
  await useKey(b, 3);
  await settle();
  assert.equal((await memberKey()).lastUsedAt, backdated);
  // c has not: its write finds a row older than a minute and stamps it.
  const before = Date.now();
  await useKey(c, 3);
  const row = await waitFor('lastUsedAt to be written again', async () => {
    const k = await memberKey();
    return k.lastUsedAt !== backdated && k;
  });
  const at = Date.parse(row.lastUsedAt!);
  assert.ok(at >= before - 1000 && at <= Date.now() + 1000, `lastUsedAt ${row.lastUsedAt} is the time of c's request`);
});
