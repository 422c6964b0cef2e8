import assert from 'node:assert/strict';
import { before, test } from 'node:test';
import { TestApi, type TestTenant } from '../support/api.js';
import { expectingErrors } from '../support/expected-errors.js';
import { openApi } from '../support/openapi.js';
import { useStack } from '../support/stack.js';

let api: TestApi;
let a: TestTenant;
const stack = useStack({ prefix: 'docs', tenants: ['docs'] });
before(
  async () =>
    ({
      api,
      tenants: [a],
    } = await stack.ready),
);

test('health: live and ready (Postgres, Redis, migrations) without credentials', async () => {
  const live = await api.request('GET', '/health/live');
  assert.equal(live.status, 200);
  const ready = await api.request('GET', '/health/ready');
  assert.equal(ready.status, 200, ready.text);
  assert.deepEqual(ready.body.checks, { database: 'ok', migrations: 'ok', redis: 'ok' });
});

test('readiness reports Redis down with a 503 instead of hanging', () =>
  expectingErrors('an API whose Redis is unreachable', async () => {
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
  const { doc, ops } = await openApi(api);
  const expected = [
    'post /api/v1/admin/tenants',
    'get /api/v1/admin/tenants',
    'post /api/v1/admin/tenants/{tenantId}/users',
    'post /api/v1/admin/tenants/{tenantId}/api-keys',
    'post /api/v1/auth/login',
    'get /api/v1/me',
    'post /api/v1/users',
    'get /api/v1/users',
    'get /api/v1/users/{id}',
    'patch /api/v1/users/{id}',
    'delete /api/v1/users/{id}',
    'post /api/v1/api-keys',
    'get /api/v1/api-keys',
    'delete /api/v1/api-keys/{id}',
    'get /health/live',
    'get /health/ready',
    'get /metrics',
    'post /api/v1/documents',
    'get /api/v1/documents',
    'post /api/v1/search',
    'post /api/v1/conversations/{id}/messages',
    'get /openai/v1/models',
    'post /openai/v1/chat/completions',
  ];
  for (const key of expected) assert.ok(ops[key], `${key} documented`);
  for (const [key, op] of Object.entries(ops)) {
    if (isPublic(key)) continue;
    assert.ok(op.responses['401'], `${key} documents 401`);
  }
  assert.ok(ops['get /api/v1/users/{id}'].responses['404']);
  assert.ok(doc.components.schemas.ErrorDto.properties.requestId);
});

const isPublic = (key: string) => key.includes(' /health/') || key === 'post /api/v1/auth/login';
const isPlatformAdmin = (key: string) => key.includes(' /api/v1/admin/');

test('every operation has a summary, its security and a schema for every answer with a body', async () => {
  const { doc, ops } = await openApi(api);
  const schemes = doc.components.securitySchemes;
  assert.deepEqual(schemes['tenant-token'] && [schemes['tenant-token'].type, schemes['tenant-token'].scheme], ['http', 'bearer']);
  assert.match(schemes['tenant-token'].bearerFormat, /rag_.*JWT/);
  assert.deepEqual(schemes['admin-key'] && [schemes['admin-key'].type, schemes['admin-key'].scheme], ['http', 'bearer']);
  assert.deepEqual(schemes['admin-basic'] && [schemes['admin-basic'].type, schemes['admin-basic'].scheme], ['http', 'basic']);
  assert.ok(Object.keys(ops).length >= 38, `${Object.keys(ops).length} operations`);
  const resolves = (ref: string) =>
    ref.startsWith('#/components/schemas/') && doc.components.schemas[ref.slice('#/components/schemas/'.length)];
  for (const [key, op] of Object.entries(ops)) {
    assert.ok(typeof op.summary === 'string' && op.summary.length > 3, `${key} has a summary`);
    const wanted = isPublic(key)
      ? [{}]
      : isPlatformAdmin(key)
        ? [{ 'admin-key': [] }]
        : key === 'get /metrics'
          ? [{ 'admin-key': [] }, { 'admin-basic': [] }]
          : [{ 'tenant-token': [] }];
    assert.deepEqual(op.security, wanted, `${key} security`);
    const statuses = Object.keys(op.responses);
    assert.ok(
      statuses.some((s) => s.startsWith('2')),
      `${key} documents its success`,
    );
    for (const status of statuses) {
      if (status === '204') continue;
      const content = op.responses[status].content;
      assert.ok(content && Object.keys(content).length, `${key} ${status} has a body schema`);
      for (const [type, media] of Object.entries<any>(content)) {
        assert.ok(media.schema, `${key} ${status} ${type} has a schema`);
        if (media.schema.$ref) assert.ok(resolves(media.schema.$ref), `${key} ${status} ${type}: ${media.schema.$ref} resolves`);
        if (status >= '400') assert.equal(media.schema.$ref, '#/components/schemas/ErrorDto', `${key} ${status} is the error shape`);
      }
    }
  }
  // The streamed answers: the text/event-stream body and the schema of each event's data.
  const chat = ops['post /api/v1/conversations/{id}/messages'].responses;
  assert.equal(chat['201'].content['application/json'].schema.$ref, '#/components/schemas/MessageDto');
  assert.deepEqual(Object.keys(chat['200'].content), ['text/event-stream']);
  const events = chat['200'].content['text/event-stream']['x-sse-events'];
  assert.deepEqual(Object.keys(events).sort(), ['done', 'error', 'sources', 'token']);
  for (const e of Object.values<any>(events)) assert.ok(resolves(e.$ref), e.$ref);
  const completions = ops['post /openai/v1/chat/completions'].responses['200'].content;
  assert.equal(completions['application/json'].schema.$ref, '#/components/schemas/ChatCompletionDto');
  assert.ok(resolves(completions['text/event-stream']['x-sse-events'].message.$ref));
  assert.ok(doc.components.schemas.ChatCompletionDto.properties.citations);
  assert.equal(
    ops['get /openai/v1/models'].responses['200'].content['application/json'].schema.$ref,
    '#/components/schemas/OpenAIModelListDto',
  );
  assert.equal(ops['get /health/ready'].responses['200'].content['application/json'].schema.$ref, '#/components/schemas/ReadyDto');
  assert.equal(ops['get /metrics'].responses['200'].content['text/plain'].schema.type, 'string');
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

test('metrics take the admin credentials of /docs: the admin key as a bearer token or HTTP Basic', async () => {
  const none = await api.request('GET', '/metrics');
  assert.equal(none.status, 401);
  assert.match(none.headers.get('www-authenticate') ?? '', /^Basic /);
  assert.equal((await api.request('GET', '/metrics', { token: a.adminKey })).status, 401, "a tenant's key");
  const wrongBasic = 'Basic ' + Buffer.from(`admin:${a.adminKey}`).toString('base64');
  assert.equal((await api.request('GET', '/metrics', { headers: { authorization: wrongBasic } })).status, 401);
  const bearer = await api.request('GET', '/metrics', { token: api.adminKey });
  assert.equal(bearer.status, 200);
  assert.match(bearer.text, /process_cpu_seconds_total/);
  assert.match(bearer.headers.get('content-type') ?? '', /^text\/plain/);
  const basic = 'Basic ' + Buffer.from(`admin:${api.adminKey}`).toString('base64');
  const viaBasic = await api.request('GET', '/metrics', { headers: { authorization: basic } });
  assert.equal(viaBasic.status, 200);
  assert.match(viaBasic.text, /ragdocs_http_request_duration_seconds_bucket/);
});

test('security headers from helmet are set', async () => {
  const res = await api.request('GET', '/health/live');
  assert.equal(res.headers.get('x-content-type-options'), 'nosniff');
  assert.ok(res.headers.get('content-security-policy'));
});
