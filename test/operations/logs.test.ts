/**
 * The API's logs are JSON lines: one access line per request with the route pattern, the
 * status, the duration, the request id, the tenant and the user; and no credential a client
 * sent (bearer key, password, cookie, the JWT handed back) appears anywhere in the output.
 */
import assert from 'node:assert/strict';
import { randomBytes, randomUUID } from 'node:crypto';
import { after, before, test } from 'node:test';
import type { TestTenant } from '../support/api.js';
import { ApiProcess } from '../support/api-process.js';
import { useStack } from '../support/stack.js';

const stack = useStack({ prefix: 'logs', tenants: ['logs'] });
let api: ApiProcess;
let t: TestTenant;

before(async () => {
  const { env, tenants } = await stack.ready;
  t = tenants[0];
  api = await ApiProcess.start({ ...env, LOG_LEVEL: 'log' });
});
after(() => api?.stop());

type Line = Record<string, unknown>;
const lines = (): Line[] =>
  api.log
    .split('\n')
    .filter((l) => l.trim())
    .map((l) => {
      try {
        return JSON.parse(l) as Line;
      } catch {
        throw new Error(`a log line is not JSON: ${l}`);
      }
    });
const accessLines = (requestId: string) => lines().filter((l) => l.requestId === requestId && 'status' in l && 'durationMs' in l);

async function waitForAccess(requestId: string): Promise<Line[]> {
  // Up to 15 s: the API writes the line after the answer, and a busy host can hold its process back for seconds.
  for (let i = 0; i < 300; i++) {
    const found = accessLines(requestId);
    if (found.length) return found;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`no access line for ${requestId}:\n${api.log}`);
}

test('one JSON access line per request, with the route pattern, status, duration, request id, tenant and user', async () => {
  const cookie = `session=${randomBytes(16).toString('hex')}`;
  const me = await api.request('GET', '/api/v1/me', { token: t.adminKey, headers: { cookie } });
  assert.equal(me.status, 200, me.text);
  const meId = me.headers.get('x-request-id')!;
  const [access, ...more] = await waitForAccess(meId);
  assert.equal(more.length, 0, 'one access line per request');
  assert.equal(access!.method, 'GET');
  assert.equal(access!.route, '/api/v1/me');
  assert.equal(access!.status, 200);
  assert.equal(typeof access!.durationMs, 'number');
  assert.equal(access!.tenantId, t.id);
  assert.equal(access!.userId, t.adminUserId);
  assert.equal(access!.level, 'info');
  assert.equal(typeof access!.time, 'string');

  // The route is the pattern, not the URL: no id, no query string.
  const missing = randomUUID();
  const doc = await api.request('GET', `/api/v1/documents/${missing}?x=1`, { token: t.memberKey });
  assert.equal(doc.status, 404);
  const [docLine] = await waitForAccess(doc.headers.get('x-request-id')!);
  assert.equal(docLine!.route, '/api/v1/documents/:id');
  assert.equal(docLine!.status, 404);
  assert.equal(docLine!.userId, t.memberUserId);
  assert.ok(!JSON.stringify(docLine).includes(missing), 'the id is not in the access line');

  // A caller's own request id is kept; an unauthenticated request has no tenant.
  const own = `trace-${randomUUID()}`;
  const unauth = await api.request('GET', '/api/v1/me', { headers: { 'x-request-id': own } });
  assert.equal(unauth.status, 401);
  const [unauthLine] = await waitForAccess(own);
  assert.equal(unauthLine!.status, 401);
  assert.equal(unauthLine!.tenantId, null);
});

test('no key, password, cookie or token reaches the output', async () => {
  const cookie = `sid=${randomBytes(16).toString('hex')}`;
  const login = await api.request('POST', '/api/v1/auth/login', {
    json: { tenant: t.slug, email: t.adminEmail, password: t.adminPassword },
    headers: { cookie },
  });
  assert.equal(login.status, 200, login.text);
  const jwt: string = login.body.accessToken;
  const wrong = `wrong-${randomBytes(12).toString('hex')}`;
  const refused = await api.request('POST', '/api/v1/auth/login', { json: { tenant: t.slug, email: t.adminEmail, password: wrong } });
  assert.equal(refused.status, 401);
  const viaJwt = await api.request('GET', `/api/v1/me?access_token=${jwt}`, { token: jwt });
  assert.equal(viaJwt.status, 200);
  const [loginLine] = await waitForAccess(login.headers.get('x-request-id')!);
  assert.equal(loginLine!.route, '/api/v1/auth/login');
  await waitForAccess(viaJwt.headers.get('x-request-id')!);

  const secrets = { apiKey: t.adminKey, memberKey: t.memberKey, password: t.adminPassword, wrong, jwt, cookie, adminKey: api.adminKey };
  for (const [name, value] of Object.entries(secrets)) assert.ok(!api.log.includes(value), `${name} appears in the API's output`);
  assert.ok(!api.log.includes(cookie.split('=')[1]!), 'the cookie value appears in the output');
});

test('LOG_LEVEL is honoured: a probe is logged at debug, so only a debug process shows it', async () => {
  const probe = await api.request('GET', '/health/live');
  assert.equal(probe.status, 200);
  const mine = await api.request('GET', '/api/v1/me', { token: t.adminKey }); // logged after the probe's line would be
  await waitForAccess(mine.headers.get('x-request-id')!);
  assert.equal(accessLines(probe.headers.get('x-request-id')!).length, 0, 'no probe line at LOG_LEVEL=log');

  const { env } = await stack.ready;
  const verbose = await ApiProcess.start({ ...env, LOG_LEVEL: 'debug' });
  try {
    const seen = await verbose.request('GET', '/health/live');
    const id = seen.headers.get('x-request-id')!;
    for (let i = 0; i < 300 && !verbose.log.includes(id); i++) await new Promise((r) => setTimeout(r, 50));
    const line = verbose.log
      .split('\n')
      .filter((l) => l.includes(id))
      .map((l) => JSON.parse(l) as Line)
      .find((l) => l.status === 200);
    assert.equal(line?.level, 'debug', verbose.log);
    assert.equal(line?.route, '/health/live');
  } finally {
    await verbose.stop();
  }
});
