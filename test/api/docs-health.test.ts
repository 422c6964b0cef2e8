import assert from 'node:assert/strict';
import { before, test } from 'node:test';
import { TestApi, type TestTenant } from '../support/api.js';
import { expectingErrors } from '../support/expected-errors.js';
import { useStack } from '../support/stack.js';

let api: TestApi;
let a: TestTenant;
const stack = useStack({ prefix: 'docs', tenants: ['docs'] });
before(async () => ({ api, tenants: [a] } = await stack.ready));

test('health: live and ready (Postgres, Redis, migrations) without credentials', async () => {
  const live = await api.request('GET', '/health/live');
  assert.equal(live.status, 200);
  const ready = await api.request('GET', '/health/ready');
  assert.equal(ready.status, 200, ready.text);
  assert.deepEqual(ready.body.checks, { database: 'ok', migrations: 'ok', redis: 'ok' });
});

test('readiness reports Redis down with a 503 instead of hanging', () => expectingErrors('an API whose Redis is unreachable', async () => {
  const broken = await TestApi.start({ REDIS_URL: 'redis://127.0.0.1:1' });
  try {
    const started = Date.now();
    const res = await broken.request('GET', '/health/ready');
    assert.equal(res.status, 503);
    assert.match(res.body.message, /redis/);
    assert.ok(Date.now() - started < 5000);
  } finally {
    await broken.close();
  }
}));

test('Swagger UI is for the platform admin only: bearer or HTTP Basic', async () => {
  const anon = await api.request('GET', '/docs');
  assert.equal(anon.status, 401);
  assert.match(anon.headers.get('www-authenticate') ?? '', /^Basic/);
  assert.equal((await api.request('GET', '/docs', { token: a.adminKey })).status, 401);
  const basic = 'Basic ' + Buffer.from(`admin:${api.adminKey}`).toString('base64');
  const ui = await api.request('GET', '/docs', { headers: { authorization: basic } });
  assert.equal(ui.status, 200);
  assert.match(ui.text, /swagger-ui/i);
  const wrong = 'Basic ' + Buffer.from(`admin:not-the-key`).toString('base64');
  assert.equal((await api.request('GET', '/docs', { headers: { authorization: wrong } })).status, 401);
  assert.equal((await api.request('GET', '/docs-json', { token: api.adminKey })).status, 200);
});

test('the OpenAPI document covers every route with its auth and error answers', async () => {
  const doc = (await api.request('GET', '/docs-json', { token: api.adminKey })).body;
  const expected = [
    'post /api/v1/admin/tenants', 'get /api/v1/admin/tenants', 'post /api/v1/admin/tenants/{tenantId}/users',
    'post /api/v1/admin/tenants/{tenantId}/api-keys', 'post /api/v1/auth/login', 'get /api/v1/me',
    'post /api/v1/users', 'get /api/v1/users', 'get /api/v1/users/{id}', 'patch /api/v1/users/{id}', 'delete /api/v1/users/{id}',
    'post /api/v1/api-keys', 'get /api/v1/api-keys', 'delete /api/v1/api-keys/{id}', 'get /health/live', 'get /health/ready', 'get /metrics',
  ];
  const ops: Record<string, any> = {};
  for (const [path, methods] of Object.entries<any>(doc.paths)) for (const [m, op] of Object.entries(methods)) ops[`${m} ${path}`] = op;
  for (const key of expected) assert.ok(ops[key], `${key} documented`);
  for (const [key, op] of Object.entries(ops)) {
    if (key.includes('/health/') || key === 'post /api/v1/auth/login') continue;
    assert.ok(op.security?.some((s: object) => 'bearer' in s), `${key} documents bearer auth`);
    assert.ok(op.responses['401'], `${key} documents 401`);
  }
  assert.ok(ops['get /api/v1/users/{id}'].responses['404']);
  assert.ok(doc.components.schemas.ErrorDto.properties.requestId);
});

test('the queue dashboard is for the platform admin only and shows the ingestion queue', async () => {
  assert.equal((await api.request('GET', '/admin/queues')).status, 401);
  assert.equal((await api.request('GET', '/admin/queues', { token: a.adminKey })).status, 401);
  const basic = 'Basic ' + Buffer.from(`admin:${api.adminKey}`).toString('base64');
  const page = await api.request('GET', '/admin/queues', { headers: { authorization: basic } });
  assert.equal(page.status, 200);
  assert.match(page.text, /<html/i);
  const queues = await api.request('GET', '/admin/queues/api/queues', { token: api.adminKey });
  assert.equal(queues.status, 200, queues.text);
  assert.ok(queues.body.queues.some((q: { name: string }) => q.name === 'ingestion'));
});

test('metrics need the platform admin key', async () => {
  assert.equal((await api.request('GET', '/metrics')).status, 401);
  assert.equal((await api.request('GET', '/metrics', { token: a.adminKey })).status, 403);
  const res = await api.request('GET', '/metrics', { token: api.adminKey });
  assert.equal(res.status, 200);
  assert.match(res.text, /process_cpu_seconds_total/);
});

test('security headers from helmet are set', async () => {
  const res = await api.request('GET', '/health/live');
  assert.equal(res.headers.get('x-content-type-options'), 'nosniff');
  assert.ok(res.headers.get('content-security-policy'));
});
