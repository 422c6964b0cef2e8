/**
 * The 5xx probes of the capacity report (issue 8): input that used to reach a 500
 * (deep JSON, NUL characters, cursors PostgreSQL rejects, a client hanging up
 * mid-upload) is a 4xx with a message, or a 499-style log line, and loses nothing.
 */
import assert from 'node:assert/strict';
import { request as httpRequest } from 'node:http';
import { after, before, test } from 'node:test';
import { assertErrorShape, createTenant, TestApi, type TestTenant } from '../support/api.js';

let api: TestApi;
let a: TestTenant;
let output = '';
const write = process.stdout.write.bind(process.stdout);
const writeErr = process.stderr.write.bind(process.stderr);

before(async () => {
  // The API's log lines, to check what a client abort is logged as.
  process.stdout.write = ((chunk: string | Uint8Array, ...rest: any[]) => {
    output += String(chunk);
    return write(chunk, ...rest);
  }) as typeof process.stdout.write;
  process.stderr.write = ((chunk: string | Uint8Array, ...rest: any[]) => {
    output += String(chunk);
    return writeErr(chunk, ...rest);
  }) as typeof process.stderr.write;
  api = await TestApi.start({ JSON_BODY_MAX_BYTES: '4096', LOG_LEVEL: 'warn' });
  a = await createTenant(api, 'probe');
});
after(async () => {
  process.stdout.write = write;
  process.stderr.write = writeErr;
  await api.close();
});

test('JSON nested 1,000 levels deep is a 400, also before authentication (it used to overflow the stack)', async () => {
  const deep = '['.repeat(1000) + ']'.repeat(1000);
  for (const [path, token] of [
    ['/api/v1/auth/login', undefined],
    ['/api/v1/search', a.memberKey],
  ] as const) {
    const res = await api.request('POST', path, { token, body: `{"x": ${deep}}`, headers: { 'content-type': 'application/json' } });
    assert.equal(res.status, 400, path);
    assertErrorShape(res.body, 400);
    assert.match(res.body.message, /nested deeper than 32/);
  }
});

test('a NUL character in any JSON string is a 400 naming it (PostgreSQL text cannot hold it), and nothing stored is lost', async () => {
  const key = await api.request('POST', '/api/v1/api-keys', { token: a.adminKey, json: { name: 'kept' } });
  assert.equal(key.status, 201, key.text);
  const cases: [string, unknown, string?][] = [
    ['/api/v1/search', { query: 'refund\u0000policy', mode: 'keyword' }],
    ['/api/v1/search', { query: '\u0000', mode: 'hybrid' }],
    ['/api/v1/api-keys', { name: 'bad\u0000name' }],
    ['/api/v1/conversations', { title: 'x\u0000' }],
    ['/openai/v1/chat/completions', { messages: [{ role: 'user', content: 'hello\u0000' }] }, 'messages[0].content'],
  ];
  for (const [path, json, named] of cases) {
    const res = await api.request('POST', path, { token: a.adminKey, json });
    assert.equal(res.status, 400, `${path} ${JSON.stringify(json)}: ${res.text}`);
    const field = named ?? Object.keys(json as object)[0]!;
    assert.ok(res.body.message === `${field} must not contain NUL characters`, res.body.message);
  }
  // An escaped backslash followed by "u0000" is ordinary text, not a NUL.
  const literal = await api.request('POST', '/api/v1/search', { token: a.adminKey, json: { query: 'path\\u0000name', mode: 'hybrid' } });
  assert.equal(literal.status, 200, literal.text);
  const keys = await api.request('GET', '/api/v1/api-keys', { token: a.adminKey });
  assert.ok(keys.body.items.some((k: { name: string }) => k.name === 'kept'));
});

test('a cursor whose date JavaScript accepts but PostgreSQL does not (2020-02-30) is a 400, not a 500', async () => {
  for (const ts of ['2020-02-30 10:00:00+00', '2021-13-01', '2021-01-01 24:00:00', 'yesterday']) {
    const cursor = Buffer.from(JSON.stringify([ts, '00000000-0000-4000-8000-000000000000'])).toString('base64url');
    for (const path of ['/api/v1/documents', '/api/v1/conversations']) {
      const res = await api.request('GET', `${path}?cursor=${cursor}`, { token: a.adminKey });
      assert.equal(res.status, 400, `${path} ${ts}: ${res.text}`);
      assert.match(res.body.message, /cursor/);
    }
  }
  const ok = Buffer.from(JSON.stringify(['2020-02-29 10:00:00.123456+00', '00000000-0000-4000-8000-000000000000'])).toString('base64url');
  const res = await api.request('GET', `/api/v1/documents?cursor=${ok}`, { token: a.adminKey });
  assert.equal(res.status, 200, res.text);
});

test('a NUL character in a chat message is a 400 and the conversation keeps what it had', async () => {
  const conv = await api.request('POST', '/api/v1/conversations', { token: a.adminKey, json: { title: 'kept' } });
  assert.equal(conv.status, 201, conv.text);
  const res = await api.request('POST', `/api/v1/conversations/${conv.body.id}/messages`, {
    token: a.adminKey,
    json: { content: 'why\u0000' },
  });
  assert.equal(res.status, 400, res.text);
  assert.match(res.body.message, /content must not contain NUL characters/);
  const got = await api.request('GET', `/api/v1/conversations/${conv.body.id}`, { token: a.adminKey });
  assert.equal(got.status, 200);
  assert.equal(got.body.title, 'kept');
});

test('a client that hangs up in the middle of an upload is logged as 499, not as a server error, and nothing is stored', async () => {
  const boundary = 'probe-boundary';
  const head = `--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="big.txt"\r\nContent-Type: text/plain\r\n\r\n`;
  const url = new URL(api.baseUrl);
  const logged = output.length;
  await new Promise<void>((resolve) => {
    const req = httpRequest({
      host: url.hostname,
      port: url.port,
      method: 'POST',
      path: '/api/v1/documents',
      headers: {
        authorization: `Bearer ${a.adminKey}`,
        'content-type': `multipart/form-data; boundary=${boundary}`,
        'content-length': String(8 * 1024 * 1024),
      },
    });
    req.on('error', () => resolve()); // our own hang-up
    req.write(head);
    req.write(Buffer.alloc(1024 * 1024, 'a'), () =>
      setTimeout(() => {
        req.destroy();
        resolve();
      }, 200),
    );
  });
  const abortLine = /POST \/api\/v1\/documents \[[^\]]+\] 499 client closed the request/;
  let lines = '';
  for (let i = 0; i < 50 && !abortLine.test(lines); i++) {
    await new Promise((r) => setTimeout(r, 100));
    lines = output.slice(logged);
  }
  assert.match(lines, abortLine);
  assert.doesNotMatch(lines, /ERROR|\b500\b/);
  const docs = await api.request('GET', '/api/v1/documents', { token: a.adminKey });
  assert.equal(docs.body.items.length, 0);
});
