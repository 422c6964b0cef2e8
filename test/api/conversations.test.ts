import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { before, describe, test } from 'node:test';
import { ConversationsRepository } from '../../apps/api/src/conversations/conversations.repository.js';
import { ConversationsService } from '../../apps/api/src/conversations/conversations.service.js';
import type { TenantDb } from '../../libs/database/tenant-db.js';
import { runInTenant } from '../../libs/tenancy/tenant-context.js';
import { createTenant, type TestApi, type TestTenant } from '../support/api.js';
import { openApi } from '../support/openapi.js';
import { useStack } from '../support/stack.js';

let api: TestApi;
let tenantDb: TenantDb;
let a: TestTenant;
let b: TestTenant;
const repo = new ConversationsRepository();
const stack = useStack({ prefix: 'conversations', tenantDb: 2, tenants: ['conv-a', 'conv-b'] });
before(
  async () =>
    ({
      api,
      tenantDb,
      tenants: [a, b],
    } = await stack.ready),
);

const C = '/api/v1/conversations';
const uniq = (label: string) => `${label} ${randomUUID().slice(0, 8)}`;
const SHAPE = ['createdAt', 'documentIds', 'folderIds', 'id', 'systemPrompt', 'title', 'updatedAt', 'userId'];

async function create(token: string, json: Record<string, unknown> = {}): Promise<any> {
  const res = await api.request('POST', C, { token, json });
  assert.equal(res.status, 201, res.text);
  return res.body;
}

async function mkdir(token: string): Promise<string> {
  const res = await api.request('POST', '/api/v1/folders', { token, json: { name: uniq('conv-folder') } });
  assert.equal(res.status, 201, res.text);
  return res.body.id;
}

/** A document row straight in the database (the upload pipeline is not what is tested here). */
async function insertDocument(tenantId: string): Promise<string> {
  const id = randomUUID();
  await tenantDb.runFor(tenantId, (m) =>
    m.query(
      `INSERT INTO documents (tenant_id, id, filename, mime_type, size_bytes, content_hash, status)
     VALUES ($1, $2, $3, 'text/plain', 3, $4, 'ready')`,
      [tenantId, id, `${id}.txt`, randomUUID().replaceAll('-', '')],
    ),
  );
  return id;
}

/** Messages through the repository method the chat uses, one transaction per message unless `together`. */
async function addMessages(tenantId: string, conversationId: string, contents: string[], together = false): Promise<string[]> {
  const add = (m: Parameters<typeof repo.addMessage>[0], content: string, i: number) =>
    repo.addMessage(m, {
      tenantId,
      id: randomUUID(),
      conversationId,
      role: i % 2 ? 'assistant' : 'user',
      content,
      ...(i % 2 ? { metadata: { model: 'test', index: i } } : {}),
    });
  if (together) {
    return tenantDb.runFor(tenantId, async (m) => {
      const ids: string[] = [];
      for (const [i, c] of contents.entries()) ids.push((await add(m, c, i)).id);
      return ids;
    });
  }
  const ids: string[] = [];
  for (const [i, c] of contents.entries()) ids.push((await tenantDb.runFor(tenantId, (m) => add(m, c, i))).id);
  return ids;
}

async function messageCount(tenantId: string, conversationId: string): Promise<number> {
  const [row] = await tenantDb.runFor(tenantId, (m) =>
    m.query('SELECT count(*)::int AS n FROM messages WHERE conversation_id = $1', [conversationId]),
  );
  return row.n;
}

async function auditActions(tenantId: string, id: string): Promise<string[]> {
  const rows: { action: string }[] = await tenantDb.runFor(tenantId, (m) =>
    m.query('SELECT action FROM audit_logs WHERE target_type = $1 AND target_id = $2 ORDER BY created_at, action', ['conversation', id]),
  );
  return rows.map((r) => r.action);
}

/** Every page of a listing, following nextCursor. */
async function walk(token: string, query: string): Promise<{ ids: string[]; pages: number; items: any[] }> {
  const items: any[] = [];
  let cursor: string | null = null;
  let pages = 0;
  do {
    const res: { status: number; text: string; body: any } = await api.request('GET', `${C}?${query}${cursor ? `&cursor=${cursor}` : ''}`, {
      token,
    });
    assert.equal(res.status, 200, res.text);
    items.push(...res.body.items);
    cursor = res.body.nextCursor;
    pages++;
    assert.ok(pages < 100, 'the walk ends');
  } while (cursor);
  return { ids: items.map((c) => c.id), pages, items };
}

describe('conversations: happy paths', () => {
  test('create, get, patch (null clears), list, delete; the answer has the conversation shape; create and delete are audited', async () => {
    const folderId = await mkdir(a.memberKey);
    const documentId = await insertDocument(a.id);
    const c = await create(a.memberKey, {
      title: '  Contract questions  ',
      systemPrompt: 'Answer like a lawyer.',
      folderIds: [folderId, folderId],
      documentIds: [documentId],
    });
    assert.deepEqual(Object.keys(c).sort(), SHAPE);
    assert.equal(c.title, 'Contract questions', 'the title is trimmed');
    assert.equal(c.systemPrompt, 'Answer like a lawyer.');
    assert.deepEqual(c.folderIds, [folderId], 'duplicates are dropped');
    assert.deepEqual(c.documentIds, [documentId]);
    assert.equal(c.userId, a.memberUserId, 'owned by the caller');
    assert.ok(!Number.isNaN(Date.parse(c.createdAt)) && !Number.isNaN(Date.parse(c.updatedAt)));

    const bare = await create(a.memberKey);
    assert.equal(bare.title, null);
    assert.equal(bare.systemPrompt, null);
    assert.deepEqual(bare.folderIds, []);
    assert.deepEqual(bare.documentIds, []);

    const got = await api.request('GET', `${C}/${c.id}`, { token: a.memberKey });
    assert.equal(got.status, 200);
    assert.deepEqual(got.body, c);

    const renamed = await api.request('PATCH', `${C}/${c.id}`, { token: a.memberKey, json: { title: 'Renamed', folderIds: [] } });
    assert.equal(renamed.status, 200, renamed.text);
    assert.equal(renamed.body.title, 'Renamed');
    assert.equal(renamed.body.systemPrompt, 'Answer like a lawyer.', 'omitted = unchanged');
    assert.deepEqual(renamed.body.folderIds, [], '[] clears the folder scope');
    assert.deepEqual(renamed.body.documentIds, [documentId], 'omitted = unchanged');
    assert.ok(new Date(renamed.body.updatedAt) > new Date(c.updatedAt), 'updatedAt moves');

    const cleared = await api.request('PATCH', `${C}/${c.id}`, {
      token: a.memberKey,
      json: { title: null, systemPrompt: null, documentIds: [] },
    });
    assert.equal(cleared.status, 200, cleared.text);
    assert.equal(cleared.body.title, null);
    assert.equal(cleared.body.systemPrompt, null);
    assert.deepEqual(cleared.body.documentIds, []);
    const emptyTitle = await api.request('PATCH', `${C}/${c.id}`, { token: a.memberKey, json: { title: '   ' } });
    assert.equal(emptyTitle.status, 200);
    assert.equal(emptyTitle.body.title, null, 'a blank title is no title');

    const list = await api.request('GET', C, { token: a.memberKey });
    assert.equal(list.status, 200);
    assert.deepEqual(Object.keys(list.body).sort(), ['items', 'nextCursor']);
    const ids = list.body.items.map((x: { id: string }) => x.id);
    assert.ok(ids.includes(c.id) && ids.includes(bare.id));
    assert.ok(ids.indexOf(c.id) < ids.indexOf(bare.id), 'the conversation updated last comes first');

    const del = await api.request('DELETE', `${C}/${c.id}`, { token: a.memberKey });
    assert.equal(del.status, 204, del.text);
    assert.equal((await api.request('GET', `${C}/${c.id}`, { token: a.memberKey })).status, 404);
    assert.equal((await api.request('DELETE', `${C}/${c.id}`, { token: a.memberKey })).status, 404);
    assert.deepEqual(await auditActions(a.id, c.id), ['conversation.created', 'conversation.deleted']);
  });

  test('messages list oldest first; limit keeps the newest; before pages back; a new message bumps the conversation to the top', async () => {
    const c = await create(a.memberKey, { title: uniq('history') });
    const newer = await create(a.memberKey, { title: uniq('newer') });
    const empty = await api.request('GET', `${C}/${c.id}/messages`, { token: a.memberKey });
    assert.equal(empty.status, 200);
    assert.deepEqual(empty.body, { items: [] });

    const first = await addMessages(a.id, c.id, ['q1', 'a1', 'q2']);
    const rest = await addMessages(a.id, c.id, ['a2', 'q3', 'a3', 'q4'], true); // one transaction: order still kept
    const all = [...first, ...rest];

    const res = await api.request('GET', `${C}/${c.id}/messages`, { token: a.memberKey });
    assert.equal(res.status, 200, res.text);
    assert.deepEqual(
      res.body.items.map((x: { id: string }) => x.id),
      all,
      'chronological',
    );
    assert.deepEqual(
      res.body.items.map((x: { content: string }) => x.content),
      ['q1', 'a1', 'q2', 'a2', 'q3', 'a3', 'q4'],
    );
    const [q1, a1] = res.body.items;
    assert.deepEqual(Object.keys(q1).sort(), ['content', 'createdAt', 'id', 'metadata', 'role']);
    assert.equal(q1.role, 'user');
    assert.deepEqual(q1.metadata, {}, 'metadata defaults to {}');
    assert.equal(a1.role, 'assistant');
    assert.deepEqual(a1.metadata, { model: 'test', index: 1 });

    const last2 = await api.request('GET', `${C}/${c.id}/messages?limit=2`, { token: a.memberKey });
    assert.deepEqual(
      last2.body.items.map((x: { id: string }) => x.id),
      all.slice(-2),
      'the newest two, oldest first',
    );
    const back = await api.request('GET', `${C}/${c.id}/messages?limit=3&before=${last2.body.items[0].id}`, { token: a.memberKey });
    assert.deepEqual(
      back.body.items.map((x: { id: string }) => x.id),
      all.slice(-5, -2),
    );
    const start = await api.request('GET', `${C}/${c.id}/messages?limit=3&before=${back.body.items[0].id}`, { token: a.memberKey });
    assert.deepEqual(
      start.body.items.map((x: { id: string }) => x.id),
      all.slice(0, 2),
      'fewer than limit: the beginning',
    );
    const none = await api.request('GET', `${C}/${c.id}/messages?before=${all[0]}`, { token: a.memberKey });
    assert.deepEqual(none.body.items, []);

    const unknown = await api.request('GET', `${C}/${c.id}/messages?before=${randomUUID()}`, { token: a.memberKey });
    assert.equal(unknown.status, 404);
    const otherConv = await api.request('GET', `${C}/${newer.id}/messages?before=${all[0]}`, { token: a.memberKey });
    assert.equal(otherConv.status, 404, 'before must be a message of this conversation');

    // recentMessages: what the chat sends to the model.
    const recent = await tenantDb.runFor(a.id, (m) => repo.recentMessages(m, c.id, 3));
    assert.deepEqual(
      recent.map((x) => x.content),
      ['q3', 'a3', 'q4'],
    );

    const list = await api.request('GET', `${C}?limit=100`, { token: a.memberKey });
    const ids = list.body.items.map((x: { id: string }) => x.id);
    assert.ok(ids.indexOf(c.id) < ids.indexOf(newer.id), 'the conversation with new messages comes first');
    const got = (await api.request('GET', `${C}/${c.id}`, { token: a.memberKey })).body;
    assert.ok(new Date(got.updatedAt) > new Date(c.updatedAt), 'addMessage bumps updatedAt');
  });

  test('deleting a conversation deletes its messages', async () => {
    const c = await create(a.memberKey);
    await addMessages(a.id, c.id, ['hello', 'hi there']);
    assert.equal(await messageCount(a.id, c.id), 2);
    assert.equal((await api.request('DELETE', `${C}/${c.id}`, { token: a.memberKey })).status, 204);
    assert.equal(await messageCount(a.id, c.id), 0);
    assert.equal((await api.request('GET', `${C}/${c.id}/messages`, { token: a.memberKey })).status, 404);
  });

  test('pagination with the cursor walks every conversation exactly once, newest-updated first, ties broken by id', async () => {
    const t = await createTenant(api, 'conv-page');
    const made: string[] = [];
    for (let i = 0; i < 11; i++) made.push((await create(t.memberKey, { title: `c${i}` })).id);
    // Four of them share one updated_at to the microsecond: the id decides.
    await tenantDb.runFor(t.id, (m) =>
      m.query(`UPDATE conversations SET updated_at = '2030-01-01 00:00:00.123456+00' WHERE id = ANY($1::uuid[])`, [made.slice(3, 7)]),
    );
    const adminOwn = await create(t.adminKey, { title: 'admin' });

    for (const limit of [1, 3, 4, 20]) {
      const { ids, pages } = await walk(t.memberKey, `limit=${limit}`);
      assert.equal(ids.length, 11, `limit ${limit}: every one`);
      assert.equal(new Set(ids).size, 11, `limit ${limit}: none twice`);
      assert.equal(pages, Math.max(1, Math.ceil(11 / limit)), `limit ${limit}: pages`);
      const expected: { id: string }[] = await tenantDb.runFor(t.id, (m) =>
        m.query('SELECT id FROM conversations WHERE user_id = $1 ORDER BY updated_at DESC, id DESC', [t.memberUserId]),
      );
      assert.deepEqual(
        ids,
        expected.map((r) => r.id),
        `limit ${limit}: order`,
      );
      assert.deepEqual(ids.slice(0, 4), [...made.slice(3, 7)].sort().reverse(), 'the tied ones, by id descending, on top');
    }
    const all = await walk(t.adminKey, 'limit=5&scope=all');
    assert.equal(all.ids.length, 12);
    assert.equal(new Set(all.ids).size, 12);
    assert.ok(all.ids.includes(adminOwn.id));

    const first = await api.request('GET', `${C}?limit=11`, { token: t.memberKey });
    assert.equal(first.body.nextCursor, null, 'no next page when everything fits');
  });
});

describe('conversations: refused input', () => {
  test('invalid bodies are a 400 naming the fields', async () => {
    const cases: [Record<string, unknown>, RegExp][] = [
      [{ title: 'x'.repeat(501) }, /title must be at most 500 characters/],
      [{ title: 42 }, /title must be a string/],
      [{ title: 'line\nbreak' }, /title must not contain control characters/],
      [{ systemPrompt: 'x'.repeat(20_001) }, /systemPrompt must be at most 20000 characters/],
      [{ systemPrompt: ['x'] }, /systemPrompt must be a string/],
      [{ systemPrompt: 'nul\u0000' }, /systemPrompt must not contain NUL/],
      [{ folderIds: 'not-an-array' }, /folderIds must be an array/],
      [{ folderIds: null }, /folderIds must be an array/],
      [{ folderIds: ['nope'] }, /each value in folderIds must be a UUID/],
      [{ folderIds: Array.from({ length: 101 }, () => randomUUID()) }, /folderIds must contain at most 100 ids/],
      [{ documentIds: [randomUUID(), 7] }, /each value in documentIds must be a UUID/],
      [{ documentIds: Array.from({ length: 101 }, () => randomUUID()) }, /documentIds must contain at most 100 ids/],
      [{ userId: a.adminUserId }, /userId/],
    ];
    for (const [json, message] of cases) {
      const res = await api.request('POST', C, { token: a.memberKey, json });
      assert.equal(res.status, 400, JSON.stringify(json).slice(0, 80));
      assert.match(res.body.message, message);
    }
    const all = await api.request('POST', C, {
      token: a.memberKey,
      json: { title: 'x'.repeat(501), systemPrompt: 5, folderIds: 'x', documentIds: ['y'] },
    });
    for (const field of ['title', 'systemPrompt', 'folderIds', 'documentIds'])
      assert.match(all.body.message, new RegExp(field), `names ${field}`);

    // Limits are in characters (code points), like Postgres' length().
    const maxTitle = '😀'.repeat(500);
    assert.equal((await create(a.memberKey, { title: maxTitle })).title, maxTitle);
    const maxPrompt = '€'.repeat(20_000);
    assert.equal((await create(a.memberKey, { systemPrompt: maxPrompt })).systemPrompt, maxPrompt);
    const hundred = await api.request('POST', C, {
      token: a.memberKey,
      json: { folderIds: Array.from({ length: 100 }, () => randomUUID()) },
    });
    assert.equal(hundred.status, 404, '100 ids pass validation (then are looked up)');

    const c = await create(a.memberKey, { title: 'keep' });
    for (const [json, message] of [
      [{}, /Nothing to update/],
      [{ title: 'x'.repeat(501) }, /title/],
      [{ folderIds: null }, /folderIds/],
      [{ documentIds: ['x'] }, /documentIds/],
      [{ userId: a.adminUserId }, /userId/],
    ] as const) {
      const res = await api.request('PATCH', `${C}/${c.id}`, { token: a.memberKey, json });
      assert.equal(res.status, 400, `PATCH ${JSON.stringify(json)}`);
      assert.match(res.body.message, message);
    }
    assert.equal((await api.request('GET', `${C}/${c.id}`, { token: a.memberKey })).body.title, 'keep', 'unchanged');
  });

  test('bad query parameters and path ids are a 400 naming them', async () => {
    const c = await create(a.memberKey);
    const queries: [string, RegExp][] = [
      [`${C}?limit=0`, /limit/],
      [`${C}?limit=101`, /limit/],
      [`${C}?limit=abc`, /limit/],
      [`${C}?scope=everyone`, /scope must be own or all/],
      [`${C}?cursor=garbage`, /cursor is not valid/],
      [`${C}?cursor=${Buffer.from('["x","y"]').toString('base64url')}`, /cursor is not valid/],
      [`${C}?foo=1`, /foo/],
      [`${C}/${c.id}/messages?limit=0`, /limit/],
      [`${C}/${c.id}/messages?limit=501`, /limit/],
      [`${C}/${c.id}/messages?before=42`, /before must be a UUID/],
    ];
    for (const [path, message] of queries) {
      const res = await api.request('GET', path, { token: a.memberKey });
      assert.equal(res.status, 400, path);
      assert.match(res.body.message, message, path);
    }
    assert.equal((await api.request('GET', `${C}?limit=100`, { token: a.memberKey })).status, 200);
    assert.equal((await api.request('GET', `${C}/${c.id}/messages?limit=500`, { token: a.memberKey })).status, 200);
    for (const [method, path, json] of [
      ['GET', `${C}/not-a-uuid`],
      ['PATCH', `${C}/not-a-uuid`, { title: 'x' }],
      ['DELETE', `${C}/not-a-uuid`],
      ['GET', `${C}/not-a-uuid/messages`],
    ] as const) {
      const res = await api.request(method, path, { token: a.memberKey, json });
      assert.equal(res.status, 400, `${method} ${path}`);
      assert.match(res.body.message, /id must be a UUID/);
    }
  });

  test("folder and document scopes must be of the tenant: unknown or another tenant's ids are a 404", async () => {
    const aFolder = await mkdir(a.memberKey);
    const aDoc = await insertDocument(a.id);
    const bFolder = await mkdir(b.adminKey);
    const bDoc = await insertDocument(b.id);
    const cases: [Record<string, unknown>, string][] = [
      [{ folderIds: [randomUUID()] }, 'Folder not found'],
      [{ folderIds: [aFolder, bFolder] }, 'Folder not found'],
      [{ documentIds: [randomUUID()] }, 'Document not found'],
      [{ documentIds: [aDoc, bDoc] }, 'Document not found'],
      [{ folderIds: [aFolder], documentIds: [bDoc] }, 'Document not found'],
    ];
    for (const [json, message] of cases) {
      const res = await api.request('POST', C, { token: a.memberKey, json });
      assert.equal(res.status, 404, JSON.stringify(json));
      assert.equal(res.body.message, message);
    }
    const ok = await create(a.memberKey, { folderIds: [aFolder.toUpperCase()], documentIds: [aDoc] });
    assert.deepEqual(ok.folderIds, [aFolder]);
    for (const [json, message] of cases) {
      const res = await api.request('PATCH', `${C}/${ok.id}`, { token: a.memberKey, json });
      assert.equal(res.status, 404, `PATCH ${JSON.stringify(json)}`);
      assert.equal(res.body.message, message);
    }
    const now = (await api.request('GET', `${C}/${ok.id}`, { token: a.memberKey })).body;
    assert.deepEqual(now, ok, 'a refused PATCH changes nothing');
  });
});

describe('conversations: access', () => {
  test("a member lists only their own; the admin lists their own by default and every one with scope=all; a member's scope=all is a 403", async () => {
    const mine = await create(a.memberKey, { title: uniq('member') });
    const admins = await create(a.adminKey, { title: uniq('admin') });

    const member = await walk(a.memberKey, 'limit=100');
    assert.ok(member.ids.includes(mine.id));
    assert.ok(!member.ids.includes(admins.id));
    assert.ok(
      member.items.every((c) => c.userId === a.memberUserId),
      "only the member's own",
    );
    const memberOwn = await walk(a.memberKey, 'limit=100&scope=own');
    assert.deepEqual(memberOwn.ids, member.ids);

    const adminDefault = await walk(a.adminKey, 'limit=100');
    assert.ok(adminDefault.ids.includes(admins.id));
    assert.ok(!adminDefault.ids.includes(mine.id), 'the default scope is own, for the admin too');

    const adminAll = await walk(a.adminKey, 'limit=100&scope=all');
    assert.ok(adminAll.ids.includes(admins.id) && adminAll.ids.includes(mine.id));
    assert.ok(
      adminAll.items.every((c) => [a.adminUserId, a.memberUserId].includes(c.userId)),
      "only tenant A's",
    );

    const denied = await api.request('GET', `${C}?scope=all`, { token: a.memberKey });
    assert.equal(denied.status, 403);
    assert.match(denied.body.message, /scope=all/);
  });

  test("a member gets 404 for the admin's conversation on every route", async () => {
    const admins = await create(a.adminKey, { title: 'admin only' });
    await addMessages(a.id, admins.id, ['secret question']);
    for (const [method, path, json] of [
      ['GET', `${C}/${admins.id}`],
      ['PATCH', `${C}/${admins.id}`, { title: 'pwned' }],
      ['DELETE', `${C}/${admins.id}`],
      ['GET', `${C}/${admins.id}/messages`],
    ] as const) {
      const res = await api.request(method, path, { token: a.memberKey, json });
      assert.equal(res.status, 404, `${method} ${path}`);
      assert.equal(res.body.message, 'Conversation not found');
    }
    const still = await api.request('GET', `${C}/${admins.id}`, { token: a.adminKey });
    assert.deepEqual(still.body, { ...admins, updatedAt: still.body.updatedAt });
    assert.equal(still.body.title, 'admin only');
  });

  test("the admin may read a member's conversation and its messages, but PATCH and DELETE are a 403", async () => {
    const c = await create(a.memberKey, { title: 'member chat' });
    await addMessages(a.id, c.id, ['q', 'a']);
    const got = await api.request('GET', `${C}/${c.id}`, { token: a.adminKey });
    assert.equal(got.status, 200);
    assert.equal(got.body.userId, a.memberUserId);
    const msgs = await api.request('GET', `${C}/${c.id}/messages`, { token: a.adminKey });
    assert.equal(msgs.status, 200);
    assert.deepEqual(
      msgs.body.items.map((x: { content: string }) => x.content),
      ['q', 'a'],
    );

    const patch = await api.request('PATCH', `${C}/${c.id}`, { token: a.adminKey, json: { title: 'admin edit' } });
    assert.equal(patch.status, 403);
    const del = await api.request('DELETE', `${C}/${c.id}`, { token: a.adminKey });
    assert.equal(del.status, 403);
    assert.equal((await api.request('GET', `${C}/${c.id}`, { token: a.memberKey })).body.title, 'member chat', 'unchanged');
    assert.equal(await messageCount(a.id, c.id), 2);
    // A missing id stays a 404 for the admin.
    assert.equal((await api.request('PATCH', `${C}/${randomUUID()}`, { token: a.adminKey, json: { title: 'x' } })).status, 404);
  });

  test("another tenant's conversation is a 404 on every route, for its admin and member alike; it is unchanged", async () => {
    const bConv = await create(b.memberKey, { title: 'tenant B' });
    await addMessages(b.id, bConv.id, ['b question']);
    for (const token of [a.adminKey, a.memberKey]) {
      for (const [method, path, json] of [
        ['GET', `${C}/${bConv.id}`],
        ['PATCH', `${C}/${bConv.id}`, { title: 'pwned' }],
        ['DELETE', `${C}/${bConv.id}`],
        ['GET', `${C}/${bConv.id}/messages`],
      ] as const) {
        const res = await api.request(method, path, { token, json });
        assert.equal(res.status, 404, `${method} ${path}`);
        assert.equal(res.body.message, 'Conversation not found');
      }
    }
    const aAll = await walk(a.adminKey, 'limit=100&scope=all');
    assert.ok(!aAll.ids.includes(bConv.id), 'scope=all stays inside the tenant');
    const bNow = await api.request('GET', `${C}/${bConv.id}`, { token: b.memberKey });
    assert.equal(bNow.body.title, 'tenant B');
    assert.equal(await messageCount(b.id, bConv.id), 1);
  });

  test('getForChat: the owner only; an admin who is not the owner and another tenant get a 404', async () => {
    const service = api.app.get(ConversationsService);
    const mine = await create(a.memberKey, { systemPrompt: 'be brief' });
    const bConv = await create(b.adminKey);
    const as = <T>(t: TestTenant, who: 'admin' | 'member', fn: () => Promise<T>) =>
      runInTenant(t.id, fn, { userId: who === 'admin' ? t.adminUserId : t.memberUserId, role: who });

    const got = await as(a, 'member', () => service.getForChat(mine.id));
    assert.equal(got.id, mine.id);
    assert.equal(got.systemPrompt, 'be brief');
    await assert.rejects(
      as(a, 'admin', () => service.getForChat(mine.id)),
      (e: any) => e.getStatus?.() === 404,
    );
    await assert.rejects(
      as(a, 'member', () => service.getForChat(bConv.id)),
      (e: any) => e.getStatus?.() === 404,
    );
    await assert.rejects(
      as(a, 'admin', () => service.getForChat(bConv.id)),
      (e: any) => e.getStatus?.() === 404,
    );
    await assert.rejects(
      as(a, 'member', () => service.getForChat(randomUUID())),
      (e: any) => e.getStatus?.() === 404,
    );
  });

  test('no token is a 401 on every route; the platform admin key is a 403', async () => {
    const c = await create(a.memberKey);
    const routes: [string, string, unknown?][] = [
      ['POST', C, {}],
      ['GET', C],
      ['GET', `${C}/${c.id}`],
      ['PATCH', `${C}/${c.id}`, { title: 'x' }],
      ['DELETE', `${C}/${c.id}`],
      ['GET', `${C}/${c.id}/messages`],
    ];
    for (const [method, path, json] of routes) {
      assert.equal((await api.request(method, path, { json })).status, 401, `${method} ${path}`);
      assert.equal((await api.request(method, path, { json, token: 'rag_not-a-real-key' })).status, 401, `${method} ${path} (bad key)`);
      assert.equal((await api.request(method, path, { json, token: api.adminKey })).status, 403, `${method} ${path} (platform admin)`);
    }
    assert.equal((await api.request('GET', `${C}/${c.id}`, { token: a.memberKey })).status, 200, 'still there');
  });

  test('the OpenAPI document lists the conversation routes with their tag, auth and errors', async () => {
    const { doc, ops } = await openApi(api);
    const expected: Record<string, string[]> = {
      'post /api/v1/conversations': ['201', '400', '401', '404'],
      'get /api/v1/conversations': ['200', '400', '401', '403'],
      'get /api/v1/conversations/{id}': ['200', '400', '401', '404'],
      'patch /api/v1/conversations/{id}': ['200', '400', '401', '403', '404'],
      'delete /api/v1/conversations/{id}': ['204', '400', '401', '403', '404'],
      'get /api/v1/conversations/{id}/messages': ['200', '400', '401', '404'],
    };
    for (const [key, codes] of Object.entries(expected)) {
      const op = ops[key];
      assert.ok(op, `${key} documented`);
      assert.deepEqual(op.tags, ['conversations']);
      assert.deepEqual(op.security, [{ 'tenant-token': [] }], `${key} takes a tenant token`);
      for (const c of codes) assert.ok(op.responses[c], `${key} documents ${c}`);
    }
    assert.ok(doc.components.schemas.ConversationDto.properties.folderIds);
    assert.ok(doc.components.schemas.MessageDto.properties.metadata);
  });
});
