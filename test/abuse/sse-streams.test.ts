/**
 * Row 6 of the capacity report: one tenant opens 150 SSE chat streams and never
 * reads them. The other tenant's searches and chats are unaffected, the flood is
 * held to its tenant's chat budget (the rest 429 with Retry-After).
 */
import assert from 'node:assert/strict';
import { request as httpRequest, type ClientRequest, type IncomingMessage } from 'node:http';
import { before, test } from 'node:test';
import type { TestApi, TestTenant } from '../support/api.js';
import { uniqueText, upload, waitForStatus } from '../support/documents.js';
import { readSse } from '../support/sse.js';
import { useStack } from '../support/stack.js';

let api: TestApi;
let victim: TestTenant;
let flooder: TestTenant;
const stack = useStack({
  prefix: 'sse',
  llm: true,
  workers: 1,
  tenants: ['sse-victim', 'sse-flooder'],
  env: (llm) => ({
    EMBEDDING_PROVIDER: 'local',
    CHAT_PROVIDER: 'openai-compatible',
    OPENAI_BASE_URL: llm.baseUrl,
    OPENAI_API_KEY: 'test-key',
    RATE_LIMIT_CHAT_PER_MINUTE: '120',
    RATE_LIMIT_CLIENT_PERCENT: '50',
    RATE_LIMIT_SEARCH_PER_MINUTE: '1200',
  }),
});
before(async () => {
  ({
    api,
    tenants: [victim, flooder],
  } = await stack.ready);
  stack.llm.chatAnswer = Array.from({ length: 20 }, (_, i) => `word${i}`).join(' ') + ' [1].';
  stack.llm.chatChunkDelayMs = 400; // each answer streams for ~8 s
  for (const t of [victim, flooder]) {
    const up = await upload(api, t.adminKey, uniqueText('descaling the espresso machine', 5), 'manual.txt');
    await waitForStatus(api, t.adminKey, up.body.id, ['ready']);
  }
});

test('150 chat streams opened and never read hurt no other tenant; the flood is held to its budget', async () => {
  const conv = (await api.request('POST', '/api/v1/conversations', { token: flooder.memberKey, json: {} })).body.id;
  const url = new URL(api.baseUrl);
  const requests: ClientRequest[] = [];
  const statuses = await Promise.all(
    Array.from(
      { length: 150 },
      () =>
        new Promise<IncomingMessage>((resolve, reject) => {
          const req = httpRequest(
            {
              host: url.hostname,
              port: url.port,
              method: 'POST',
              path: `/api/v1/conversations/${conv}/messages`,
              headers: { authorization: `Bearer ${flooder.memberKey}`, 'content-type': 'application/json', accept: 'text/event-stream' },
            },
            (res) => {
              res.pause(); // never read
              resolve(res);
            },
          );
          req.on('error', reject);
          req.end(JSON.stringify({ content: 'how do I descale it?' }));
          requests.push(req);
        }),
    ),
  );
  const counts = statuses.reduce<Record<number, number>>((a, r) => ({ ...a, [r.statusCode!]: (a[r.statusCode!] ?? 0) + 1 }), {});
  assert.deepEqual(Object.keys(counts).sort(), ['200', '429'], JSON.stringify(counts));
  assert.equal(counts[200], 60, JSON.stringify(counts)); // the member key's half of 120 per minute
  assert.ok(statuses.filter((r) => r.statusCode === 429).every((r) => Number(r.headers['retry-after']) >= 1));

  // Meanwhile the other tenant searches and chats as usual.
  const latencies: number[] = [];
  for (let i = 0; i < 10; i++) {
    const started = performance.now();
    const res = await api.request('POST', '/api/v1/search', { token: victim.memberKey, json: { query: 'descaling', mode: 'hybrid' } });
    latencies.push(performance.now() - started);
    assert.equal(res.status, 200, res.text);
    assert.ok(res.body.items.length > 0);
  }
  assert.ok(Math.max(...latencies) < 2000, `victim searches ${latencies.map(Math.round).join(',')} ms`);
  const vconv = (await api.request('POST', '/api/v1/conversations', { token: victim.memberKey, json: {} })).body.id;
  const chat = await fetch(`${api.baseUrl}/api/v1/conversations/${vconv}/messages`, {
    method: 'POST',
    headers: { authorization: `Bearer ${victim.memberKey}`, 'content-type': 'application/json', accept: 'text/event-stream' },
    body: JSON.stringify({ content: 'how do I descale it?' }),
  });
  assert.equal(chat.status, 200);
  const events = await readSse(chat);
  assert.equal(events[events.length - 1]!.event, 'done', JSON.stringify(events.at(-1)));

  // The flooder hangs up; the API goes on serving (the upstream cancel on hang-up is tested in test/chat/chat-llm).
  for (const r of requests) r.destroy();
  const after = await api.request('POST', '/api/v1/search', { token: victim.memberKey, json: { query: 'descaling', mode: 'vector' } });
  assert.equal(after.status, 200);
});
