import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { before, describe, test } from 'node:test';
import type { TestApi, TestTenant } from '../support/api.js';
import { useStack } from '../support/stack.js';

let api: TestApi;
let a: TestTenant;
let b: TestTenant;
const stack = useStack({ prefix: 'auth', tenants: ['auth-a', 'auth-b'] });
before(
  async () =>
    ({
      api,
      tenants: [a, b],
    } = await stack.ready),
);

describe('platform administration', () => {
  test('creates and lists tenants; the answer has the API.md shape', async () => {
    const slug = `adm-${randomUUID().slice(0, 8)}`;
    const res = await api.request('POST', '/api/v1/admin/tenants', {
      token: api.adminKey,
      json: { name: 'Adm', slug, settings: { searchLanguage: 'english' } },
    });
    assert.equal(res.status, 201);
    assert.deepEqual(Object.keys(res.body).sort(), ['createdAt', 'id', 'name', 'settings', 'slug']);
    assert.deepEqual(res.body.settings, { searchLanguage: 'english' });
    const list = await api.request('GET', '/api/v1/admin/tenants', { token: api.adminKey });
    assert.equal(list.status, 200);
    const slugs = list.body.items.map((t: { slug: string }) => t.slug);
    for (const s of [slug, a.slug, b.slug]) assert.ok(slugs.includes(s), `${s} listed`);
  });

  test('a duplicate slug is a 409, not a 500', async () => {
    const res = await api.request('POST', '/api/v1/admin/tenants', { token: api.adminKey, json: { name: 'Dup', slug: a.slug } });
    assert.equal(res.status, 409);
  });

  test('acting on a tenant that does not exist answers 404', async () => {
    const ghost = randomUUID();
    const u = await api.request('POST', `/api/v1/admin/tenants/${ghost}/users`, {
      token: api.adminKey,
      json: { email: 'x@y.test', role: 'member' },
    });
    assert.equal(u.status, 404);
    const k = await api.request('POST', `/api/v1/admin/tenants/${ghost}/api-keys`, {
      token: api.adminKey,
      json: { userId: randomUUID(), name: 'k' },
    });
    assert.equal(k.status, 404);
  });

  test("an API key for another tenant's user answers 404", async () => {
    const res = await api.request('POST', `/api/v1/admin/tenants/${a.id}/api-keys`, {
      token: api.adminKey,
      json: { userId: b.adminUserId, name: 'k' },
    });
    assert.equal(res.status, 404);
  });

  test('tenant users cannot reach platform-admin routes (403) and the admin key cannot read tenant data (403)', async () => {
    assert.equal((await api.request('GET', '/api/v1/admin/tenants', { token: a.adminKey })).status, 403);
    assert.equal(
      (await api.request('POST', '/api/v1/admin/tenants', { token: a.adminKey, json: { name: 'x', slug: 'xx-yy' } })).status,
      403,
    );
    assert.equal((await api.request('GET', '/api/v1/users', { token: api.adminKey })).status, 403);
  });
});

describe('authentication', () => {
  test('login by tenant slug + email + password gives a JWT that works on /me', async () => {
    const res = await api.request('POST', '/api/v1/auth/login', {
      json: { tenant: a.slug, email: a.adminEmail.toUpperCase(), password: a.adminPassword },
    });
    assert.equal(res.status, 200);
    assert.equal(res.body.tokenType, 'Bearer');
    assert.ok(res.body.expiresIn > 0);
    const me = await api.request('GET', '/api/v1/me', { token: res.body.accessToken });
    assert.equal(me.status, 200);
    assert.deepEqual(me.body, { userId: a.adminUserId, tenantId: a.id, email: a.adminEmail, role: 'admin' });
  });

  test("a wrong password, an unknown email and another tenant's slug all answer the same 401", async () => {
    const attempts = [
      { tenant: a.slug, email: a.adminEmail, password: 'wrong-password' },
      { tenant: a.slug, email: 'nobody@nowhere.test', password: a.adminPassword },
      { tenant: b.slug, email: a.adminEmail, password: a.adminPassword },
    ];
    for (const json of attempts) {
      const res = await api.request('POST', '/api/v1/auth/login', { json });
      assert.equal(res.status, 401);
      assert.equal(res.body.message, 'Invalid tenant, email or password');
    }
  });

  test('API keys: /me works; the key is stored hashed; a revoked key stops working', async () => {
    const me = await api.request('GET', '/api/v1/me', { token: a.memberKey });
    assert.equal(me.status, 200);
    assert.equal(me.body.role, 'member');
    const created = await api.request('POST', '/api/v1/api-keys', { token: a.adminKey, json: { name: 'temp' } });
    assert.equal(created.status, 201);
    assert.match(created.body.key, /^rag_[A-Za-z0-9_-]{40,}$/);
    const list = await api.request('GET', '/api/v1/api-keys', { token: a.adminKey });
    assert.ok(!list.text.includes(created.body.key), 'the key is never shown again');
    assert.equal((await api.request('GET', '/api/v1/me', { token: created.body.key })).status, 200);
    assert.equal((await api.request('DELETE', `/api/v1/api-keys/${created.body.id}`, { token: a.adminKey })).status, 204);
    assert.equal((await api.request('GET', '/api/v1/me', { token: created.body.key })).status, 401);
  });

  test('no token, a malformed token, a forged key or a tampered JWT answer 401', async () => {
    assert.equal((await api.request('GET', '/api/v1/me')).status, 401);
    assert.equal((await api.request('GET', '/api/v1/me', { headers: { authorization: 'Basic abc' } })).status, 401);
    assert.equal((await api.request('GET', '/api/v1/me', { token: 'rag_' + 'x'.repeat(43) })).status, 401);
    const login = await api.request('POST', '/api/v1/auth/login', {
      json: { tenant: a.slug, email: a.adminEmail, password: a.adminPassword },
    });
    const [h, p, s] = login.body.accessToken.split('.');
    const claims = JSON.parse(Buffer.from(p, 'base64url').toString());
    const forged = [h, Buffer.from(JSON.stringify({ ...claims, tid: b.id })).toString('base64url'), s].join('.');
    assert.equal((await api.request('GET', '/api/v1/me', { token: forged })).status, 401);
  });

  test("a JWT follows the user: a role change applies at once, a deleted user's token stops working", async () => {
    const email = `dave-${randomUUID().slice(0, 6)}@a.test`;
    const u = await api.request('POST', '/api/v1/users', { token: a.adminKey, json: { email, role: 'admin', password: 'dave-password' } });
    const jwt = (await api.request('POST', '/api/v1/auth/login', { json: { tenant: a.slug, email, password: 'dave-password' } })).body
      .accessToken;
    assert.equal((await api.request('GET', '/api/v1/users', { token: jwt })).status, 200);
    await api.request('PATCH', `/api/v1/users/${u.body.id}`, { token: a.adminKey, json: { role: 'member' } });
    assert.equal((await api.request('GET', '/api/v1/users', { token: jwt })).status, 403);
    await api.request('DELETE', `/api/v1/users/${u.body.id}`, { token: a.adminKey });
    assert.equal((await api.request('GET', '/api/v1/me', { token: jwt })).status, 401);
  });

  test('a member on a tenant-admin route gets 403', async () => {
    assert.equal((await api.request('GET', '/api/v1/users', { token: a.memberKey })).status, 403);
    assert.equal(
      (await api.request('POST', '/api/v1/users', { token: a.memberKey, json: { email: 'm2@x.test', role: 'admin' } })).status,
      403,
    );
    assert.equal((await api.request('GET', '/api/v1/api-keys', { token: a.memberKey })).status, 403);
    assert.equal((await api.request('POST', '/api/v1/api-keys', { token: a.memberKey, json: { name: 'k' } })).status, 403);
  });
});

describe('tenant administration', () => {
  test('a tenant admin manages users of their own tenant; passwords are never returned', async () => {
    const created = await api.request('POST', '/api/v1/users', {
      token: a.adminKey,
      json: { email: 'Carol@A.test', role: 'member', password: 'long-enough-pw' },
    });
    assert.equal(created.status, 201);
    assert.equal(created.body.email, 'carol@a.test');
    assert.equal(created.body.tenantId, a.id);
    assert.ok(!('passwordHash' in created.body));
    const dup = await api.request('POST', '/api/v1/users', { token: a.adminKey, json: { email: 'carol@a.test', role: 'member' } });
    assert.equal(dup.status, 409);
    const patched = await api.request('PATCH', `/api/v1/users/${created.body.id}`, { token: a.adminKey, json: { role: 'admin' } });
    assert.equal(patched.status, 200);
    assert.equal(patched.body.role, 'admin');
    const login = await api.request('POST', '/api/v1/auth/login', {
      json: { tenant: a.slug, email: 'carol@a.test', password: 'long-enough-pw' },
    });
    assert.equal(login.status, 200);
    assert.equal((await api.request('DELETE', `/api/v1/users/${created.body.id}`, { token: a.adminKey })).status, 204);
    assert.equal((await api.request('GET', `/api/v1/users/${created.body.id}`, { token: a.adminKey })).status, 404);
  });

  test('passwords are stored with a memory-hard KDF, not in clear', async () => {
    const { superClient } = await import('../support/db.js');
    const db = await superClient();
    try {
      const { rows } = await db.query('SELECT password_hash FROM users WHERE id = $1', [a.adminUserId]);
      assert.match(rows[0].password_hash, /^scrypt\$32768\$8\$1\$/);
      assert.ok(!rows[0].password_hash.includes(a.adminPassword));
      const keys = await db.query('SELECT key_hash FROM api_keys WHERE tenant_id = $1', [a.id]);
      for (const k of keys.rows) assert.match(k.key_hash, /^[0-9a-f]{64}$/);
    } finally {
      await db.end();
    }
  });

  test("every id-taking route answers 404 for another tenant's id, and leaves B's data intact", async () => {
    const bKeys = await api.request('GET', '/api/v1/api-keys', { token: b.adminKey });
    const bKeyId = bKeys.body.items[0].id;
    const probes: [string, string, unknown?][] = [
      ['GET', `/api/v1/users/${b.memberUserId}`],
      ['PATCH', `/api/v1/users/${b.memberUserId}`, { role: 'admin' }],
      ['DELETE', `/api/v1/users/${b.memberUserId}`],
      ['DELETE', `/api/v1/api-keys/${bKeyId}`],
      ['POST', '/api/v1/api-keys', { name: 'steal', userId: b.adminUserId }],
    ];
    for (const [method, path, json] of probes) {
      const res = await api.request(method, path, { token: a.adminKey, json });
      assert.equal(res.status, 404, `${method} ${path} -> ${res.status} ${res.text}`);
    }
    const member = await api.request('GET', `/api/v1/users/${b.memberUserId}`, { token: b.adminKey });
    assert.equal(member.body.role, 'member');
    assert.equal((await api.request('GET', '/api/v1/me', { token: b.adminKey })).status, 200);
  });

  test('a tenant admin cannot delete themselves', async () => {
    const res = await api.request('DELETE', `/api/v1/users/${a.adminUserId}`, { token: a.adminKey });
    assert.equal(res.status, 400);
  });
});
