import assert from 'node:assert/strict';
import { before, test } from 'node:test';
import { assertErrorShape, type TestApi, type TestTenant } from '../support/api.js';
import { useStack } from '../support/stack.js';

let api: TestApi;
let a: TestTenant;
const stack = useStack({ prefix: 'bad', env: { JSON_BODY_MAX_BYTES: '4096' }, tenants: ['bad'] });
before(
  async () =>
    ({
      api,
      tenants: [a],
    } = await stack.ready),
);

test('malformed JSON is a 400 with the error shape', async () => {
  const res = await api.request('POST', '/api/v1/users', {
    token: a.adminKey,
    body: '{"email": "x@y.test", ',
    headers: { 'content-type': 'application/json' },
  });
  assert.equal(res.status, 400);
  assertErrorShape(res.body, 400);
  assert.match(res.body.message, /JSON/);
});

test('validation errors name every failing field', async () => {
  const res = await api.request('POST', '/api/v1/users', {
    token: a.adminKey,
    json: { email: 'not-an-email', role: 'owner', password: 'short' },
  });
  assert.equal(res.status, 400);
  assertErrorShape(res.body, 400);
  for (const field of ['email', 'role', 'password']) assert.match(res.body.message, new RegExp(field));
});

test('unknown fields are refused rather than silently ignored', async () => {
  const res = await api.request('POST', '/api/v1/users', { token: a.adminKey, json: { email: 'u@y.test', role: 'member', tenantId: 'x' } });
  assert.equal(res.status, 400);
  assert.match(res.body.message, /tenantId/);
});

test('ids that are not UUIDs are a 400 naming the parameter, not a 500', async () => {
  for (const path of ['/api/v1/users/42', '/api/v1/users/..%2F..%2Fetc', "/api/v1/users/1'%20OR%20'1'='1"]) {
    const res = await api.request('GET', path, { token: a.adminKey });
    assert.equal(res.status, 400, path);
    assert.match(res.body.message, /id must be a UUID/);
  }
  const res = await api.request('POST', '/api/v1/admin/tenants/nope/users', {
    token: api.adminKey,
    json: { email: 'a@b.test', role: 'member' },
  });
  assert.equal(res.status, 400);
  assert.match(res.body.message, /tenantId must be a UUID/);
});

test('an oversized JSON body is a 413', async () => {
  const res = await api.request('POST', '/api/v1/users', {
    token: a.adminKey,
    json: { email: 'big@y.test', role: 'member', password: 'x'.repeat(10_000) },
  });
  assert.equal(res.status, 413);
  assertErrorShape(res.body, 413);
});

test('a bad slug, an empty name and a bad setting when creating a tenant are a 400', async () => {
  const res = await api.request('POST', '/api/v1/admin/tenants', {
    token: api.adminKey,
    json: { name: '', slug: '../Bad Slug', settings: { dailyTokenQuota: -1 } },
  });
  assert.equal(res.status, 400);
  for (const field of ['name', 'slug', 'dailyTokenQuota']) assert.match(res.body.message, new RegExp(field));
});

test('unknown routes answer 404 (authenticated) with the error shape and the request id header', async () => {
  const res = await api.request('GET', '/api/v1/nope', { token: a.adminKey, headers: { 'x-request-id': 'my-request-1234' } });
  assert.equal(res.status, 404);
  assert.equal(res.body.requestId, 'my-request-1234');
  assert.equal(res.headers.get('x-request-id'), 'my-request-1234');
});
