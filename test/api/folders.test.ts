import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { before, describe, test } from 'node:test';
import type { TenantDb } from '../../libs/database/tenant-db.js';
import type { TestApi, TestTenant } from '../support/api.js';
import { openApi } from '../support/openapi.js';
import { useStack } from '../support/stack.js';

let api: TestApi;
let tenantDb: TenantDb;
let a: TestTenant;
let b: TestTenant;
const stack = useStack({ prefix: 'folders', tenantDb: 2, tenants: ['fold-a', 'fold-b'] });
before(
  async () =>
    ({
      api,
      tenantDb,
      tenants: [a, b],
    } = await stack.ready),
);

const F = '/api/v1/folders';
const uniq = (label: string) => `${label} ${randomUUID().slice(0, 8)}`;

async function mkdir(token: string, name: string, parentId?: string | null): Promise<any> {
  const res = await api.request('POST', F, { token, json: parentId === undefined ? { name } : { name, parentId } });
  assert.equal(res.status, 201, res.text);
  return res.body;
}

/** A document row straight in the database (the upload pipeline is not what is tested here). */
async function insertDocument(tenantId: string, folderId: string | null): Promise<string> {
  const id = randomUUID();
  await tenantDb.runFor(tenantId, (m) =>
    m.query(
      `INSERT INTO documents (tenant_id, id, folder_id, filename, mime_type, size_bytes, content_hash, status)
     VALUES ($1, $2, $3, $4, 'text/plain', 3, $5, 'ready')`,
      [tenantId, id, folderId, `${id}.txt`, randomUUID().replaceAll('-', '')],
    ),
  );
  return id;
}

async function documentFolder(tenantId: string, id: string): Promise<string | null | undefined> {
  const rows = await tenantDb.runFor(tenantId, (m) => m.query('SELECT folder_id FROM documents WHERE id = $1', [id]));
  return rows[0]?.folder_id;
}

async function auditActions(tenantId: string, folderId: string): Promise<string[]> {
  const rows: { action: string }[] = await tenantDb.runFor(tenantId, (m) =>
    m.query('SELECT action FROM audit_logs WHERE target_type = $1 AND target_id = $2 ORDER BY created_at, action', ['folder', folderId]),
  );
  return rows.map((r) => r.action);
}

describe('folders: happy paths', () => {
  test('create (admin and member), list ordered by name, list children, get; the answer has the folder shape', async () => {
    const root = await mkdir(a.adminKey, `  ${uniq('Zeta root')}  `);
    assert.deepEqual(Object.keys(root).sort(), ['createdAt', 'id', 'name', 'parentId', 'updatedAt', 'userId']);
    assert.match(root.name, /^Zeta root [0-9a-f]{8}$/, 'the name is trimmed');
    assert.equal(root.parentId, null);
    assert.equal(root.userId, a.adminUserId);

    const child2 = await mkdir(a.memberKey, 'beta', root.id);
    const child1 = await mkdir(a.memberKey, 'Alpha', root.id);
    assert.equal(child1.parentId, root.id);
    assert.equal(child1.userId, a.memberUserId, 'members may create folders too');

    const all = await api.request('GET', F, { token: a.memberKey });
    assert.equal(all.status, 200);
    const ids = all.body.items.map((f: { id: string }) => f.id);
    for (const f of [root, child1, child2]) assert.ok(ids.includes(f.id), `${f.name} listed`);
    const names = all.body.items.map((f: { name: string }) => f.name);
    const sorted = (await tenantDb.runFor(a.id, (m) => m.query('SELECT name FROM folders ORDER BY name, id'))).map(
      (r: { name: string }) => r.name,
    );
    assert.deepEqual(names, sorted, 'ordered by name, id (database collation)');

    const children = await api.request('GET', `${F}?parentId=${root.id}`, { token: a.adminKey });
    assert.equal(children.status, 200);
    assert.deepEqual(children.body.items.map((f: { id: string }) => f.id).sort(), [child1.id, child2.id].sort());

    const got = await api.request('GET', `${F}/${child1.id}`, { token: a.adminKey });
    assert.equal(got.status, 200);
    assert.deepEqual(got.body, child1);
    assert.deepEqual(await auditActions(a.id, root.id), ['folder.created']);
  });

  test('rename and move (under another folder, then to the top level) are audited', async () => {
    const p1 = await mkdir(a.adminKey, uniq('p1'));
    const p2 = await mkdir(a.adminKey, uniq('p2'));
    const f = await mkdir(a.memberKey, 'drafts', p1.id);

    const renamed = await api.request('PATCH', `${F}/${f.id}`, { token: a.memberKey, json: { name: ' final ' } });
    assert.equal(renamed.status, 200, renamed.text);
    assert.equal(renamed.body.name, 'final');
    assert.equal(renamed.body.parentId, p1.id);
    assert.ok(new Date(renamed.body.updatedAt) >= new Date(f.updatedAt));

    const moved = await api.request('PATCH', `${F}/${f.id}`, { token: a.adminKey, json: { parentId: p2.id } });
    assert.equal(moved.status, 200, moved.text);
    assert.equal(moved.body.parentId, p2.id);
    assert.equal(moved.body.name, 'final');

    const both = await api.request('PATCH', `${F}/${f.id}`, { token: a.adminKey, json: { parentId: null, name: uniq('top') } });
    assert.equal(both.status, 200, both.text);
    assert.equal(both.body.parentId, null);
    assert.equal((await api.request('GET', `${F}/${f.id}`, { token: a.adminKey })).body.parentId, null);

    assert.deepEqual((await auditActions(a.id, f.id)).sort(), [
      'folder.created',
      'folder.moved',
      'folder.moved',
      'folder.renamed',
      'folder.renamed',
    ]);
    const empty = await api.request('PATCH', `${F}/${f.id}`, { token: a.adminKey, json: {} });
    assert.equal(empty.status, 400);
  });

  test('delete removes the folder and every subfolder; their documents move to no folder', async () => {
    const top = await mkdir(a.adminKey, uniq('tree'));
    const mid = await mkdir(a.adminKey, 'mid', top.id);
    const leaf = await mkdir(a.memberKey, 'leaf', mid.id);
    const other = await mkdir(a.adminKey, uniq('kept'));
    const [dTop, dLeaf, dOther] = [
      await insertDocument(a.id, top.id),
      await insertDocument(a.id, leaf.id),
      await insertDocument(a.id, other.id),
    ];

    const del = await api.request('DELETE', `${F}/${top.id}`, { token: a.adminKey });
    assert.equal(del.status, 204, del.text);
    for (const f of [top, mid, leaf])
      assert.equal((await api.request('GET', `${F}/${f.id}`, { token: a.adminKey })).status, 404, `${f.name} gone`);
    assert.equal((await api.request('GET', `${F}/${other.id}`, { token: a.adminKey })).status, 200);

    assert.equal(await documentFolder(a.id, dTop), null, 'document of the deleted folder kept, without a folder');
    assert.equal(await documentFolder(a.id, dLeaf), null, 'document of a deleted subfolder kept, without a folder');
    assert.equal(await documentFolder(a.id, dOther), other.id, 'other folders untouched');

    const [audit] = await tenantDb.runFor(a.id, (m) =>
      m.query(`SELECT details FROM audit_logs WHERE action = 'folder.deleted' AND target_id = $1`, [top.id]),
    );
    assert.equal(audit.details.deletedSubfolders, 2);
    assert.equal(audit.details.documentsMovedToNoFolder, 2);
  });
});

describe('folders: refused input', () => {
  test('a duplicate name under the same parent is a 409 (create, rename, move); the same name elsewhere is fine', async () => {
    const name = uniq('dup');
    const first = await mkdir(a.adminKey, name);
    const dup = await api.request('POST', F, { token: a.memberKey, json: { name: `${name} ` } });
    assert.equal(dup.status, 409);
    assert.match(dup.body.message, /already exists at the top level/);

    const parent = await mkdir(a.adminKey, uniq('parent'));
    const nested = await mkdir(a.adminKey, name, parent.id); // same name, other parent: fine
    const dupNested = await api.request('POST', F, { token: a.adminKey, json: { name, parentId: parent.id } });
    assert.equal(dupNested.status, 409);
    assert.match(dupNested.body.message, /already exists in this parent folder/);

    const sibling = await mkdir(a.adminKey, 'sibling', parent.id);
    const rename = await api.request('PATCH', `${F}/${sibling.id}`, { token: a.adminKey, json: { name } });
    assert.equal(rename.status, 409);
    const move = await api.request('PATCH', `${F}/${nested.id}`, { token: a.adminKey, json: { parentId: null } });
    assert.equal(move.status, 409, 'moving next to a folder of the same name');
    assert.equal((await api.request('GET', `${F}/${nested.id}`, { token: a.adminKey })).body.parentId, parent.id, 'unchanged');
    assert.equal((await api.request('GET', `${F}/${first.id}`, { token: a.adminKey })).body.name, name);
  });

  test('moving a folder into itself or one of its descendants is a 400 and changes nothing', async () => {
    const top = await mkdir(a.adminKey, uniq('cycle'));
    const mid = await mkdir(a.adminKey, 'mid', top.id);
    const leaf = await mkdir(a.adminKey, 'leaf', mid.id);
    for (const target of [top, mid, leaf]) {
      const res = await api.request('PATCH', `${F}/${top.id}`, { token: a.adminKey, json: { parentId: target.id } });
      assert.equal(res.status, 400, target.name);
      assert.equal(res.body.message, 'a folder cannot be moved into itself or its descendants');
    }
    const midIntoLeaf = await api.request('PATCH', `${F}/${mid.id}`, { token: a.adminKey, json: { parentId: leaf.id } });
    assert.equal(midIntoLeaf.status, 400);
    assert.equal((await api.request('GET', `${F}/${top.id}`, { token: a.adminKey })).body.parentId, null);
    assert.equal((await api.request('GET', `${F}/${mid.id}`, { token: a.adminKey })).body.parentId, top.id);
    // Moving up the tree is fine.
    const up = await api.request('PATCH', `${F}/${leaf.id}`, { token: a.adminKey, json: { parentId: top.id } });
    assert.equal(up.status, 200);
  });

  test('two concurrent crossing moves (X under Y, Y under X) cannot both succeed', async () => {
    for (let i = 0; i < 5; i++) {
      const x = await mkdir(a.adminKey, uniq('x'));
      const y = await mkdir(a.adminKey, uniq('y'));
      const [r1, r2] = await Promise.all([
        api.request('PATCH', `${F}/${x.id}`, { token: a.adminKey, json: { parentId: y.id } }),
        api.request('PATCH', `${F}/${y.id}`, { token: a.adminKey, json: { parentId: x.id } }),
      ]);
      assert.deepEqual([r1.status, r2.status].sort(), [200, 400], `round ${i}: ${r1.text} / ${r2.text}`);
    }
  });

  test('invalid names are a 400 naming the field', async () => {
    const bad: unknown[] = ['', '   ', 'x'.repeat(256), 'a/b', 'tab\there', 'nul\u0000', 'bell\u0007', 'c1\u0085', 42, null, ['a']];
    for (const name of bad) {
      const res = await api.request('POST', F, { token: a.adminKey, json: { name } });
      assert.equal(res.status, 400, JSON.stringify(name));
      assert.match(res.body.message, /name/);
    }
    assert.equal((await api.request('POST', F, { token: a.adminKey, json: {} })).status, 400, 'name is required');
    const f = await mkdir(a.adminKey, uniq('ok'));
    for (const name of ['', 'a/b', null]) {
      const res = await api.request('PATCH', `${F}/${f.id}`, { token: a.adminKey, json: { name } });
      assert.equal(res.status, 400, `PATCH ${JSON.stringify(name)}`);
    }
    // 255 characters (code points, not UTF-16 units) is the maximum.
    const long = '€'.repeat(250) + '😀'.repeat(5);
    assert.equal((await api.request('POST', F, { token: a.adminKey, json: { name: long } })).status, 201);
    assert.equal((await api.request('POST', F, { token: a.adminKey, json: { name: long + 'x' } })).status, 400);
  });

  test('bad UUIDs are a 400 (path, body and query) and unknown fields are refused', async () => {
    for (const [method, json] of [
      ['GET', undefined],
      ['PATCH', { name: 'x' }],
      ['DELETE', undefined],
    ] as const) {
      const res = await api.request(method, `${F}/not-a-uuid`, { token: a.adminKey, json });
      assert.equal(res.status, 400, method);
      assert.match(res.body.message, /id must be a UUID/);
    }
    const f = await mkdir(a.adminKey, uniq('uuid'));
    const create = await api.request('POST', F, { token: a.adminKey, json: { name: 'x', parentId: '42' } });
    assert.equal(create.status, 400);
    assert.match(create.body.message, /parentId must be a UUID/);
    const move = await api.request('PATCH', `${F}/${f.id}`, { token: a.adminKey, json: { parentId: 'nope' } });
    assert.equal(move.status, 400);
    assert.match(move.body.message, /parentId must be a UUID/);
    const list = await api.request('GET', `${F}?parentId=nope`, { token: a.adminKey });
    assert.equal(list.status, 400);
    assert.match(list.body.message, /parentId must be a UUID/);
    assert.equal((await api.request('GET', `${F}?foo=1`, { token: a.adminKey })).status, 400);
    assert.equal((await api.request('POST', F, { token: a.adminKey, json: { name: 'x', userId: a.memberUserId } })).status, 400);
  });

  test('unknown ids are a 404, as folder and as parent', async () => {
    const ghost = randomUUID();
    const f = await mkdir(a.adminKey, uniq('ghost'));
    assert.equal((await api.request('GET', `${F}/${ghost}`, { token: a.adminKey })).status, 404);
    assert.equal((await api.request('PATCH', `${F}/${ghost}`, { token: a.adminKey, json: { name: 'x' } })).status, 404);
    assert.equal((await api.request('DELETE', `${F}/${ghost}`, { token: a.adminKey })).status, 404);
    const create = await api.request('POST', F, { token: a.adminKey, json: { name: 'x', parentId: ghost } });
    assert.equal(create.status, 404);
    assert.equal(create.body.message, 'Parent folder not found');
    const move = await api.request('PATCH', `${F}/${f.id}`, { token: a.adminKey, json: { parentId: ghost } });
    assert.equal(move.status, 404);
    assert.equal(move.body.message, 'Parent folder not found');
    assert.equal((await api.request('GET', `${F}?parentId=${ghost}`, { token: a.adminKey })).status, 404);
  });
});

describe('folders: access', () => {
  test("another tenant's folder ids answer 404 on every route and as parentId; B's folder is unchanged", async () => {
    const bParent = await mkdir(b.adminKey, uniq('b-parent'));
    const bFolder = await mkdir(b.memberKey, uniq('b-secret'), bParent.id);
    const bDoc = await insertDocument(b.id, bFolder.id);
    const aFolder = await mkdir(a.adminKey, uniq('a-own'));

    assert.equal((await api.request('GET', `${F}/${bFolder.id}`, { token: a.adminKey })).status, 404);
    assert.equal((await api.request('PATCH', `${F}/${bFolder.id}`, { token: a.adminKey, json: { name: 'pwned' } })).status, 404);
    assert.equal((await api.request('PATCH', `${F}/${bFolder.id}`, { token: a.adminKey, json: { parentId: null } })).status, 404);
    assert.equal((await api.request('PATCH', `${F}/${bFolder.id}`, { token: a.adminKey, json: { parentId: aFolder.id } })).status, 404);
    assert.equal((await api.request('DELETE', `${F}/${bFolder.id}`, { token: a.adminKey })).status, 404);
    assert.equal((await api.request('DELETE', `${F}/${bParent.id}`, { token: a.memberKey })).status, 404);
    const asParent = await api.request('POST', F, { token: a.adminKey, json: { name: 'x', parentId: bFolder.id } });
    assert.equal(asParent.status, 404);
    assert.equal(asParent.body.message, 'Parent folder not found');
    const moveUnder = await api.request('PATCH', `${F}/${aFolder.id}`, { token: a.adminKey, json: { parentId: bFolder.id } });
    assert.equal(moveUnder.status, 404);
    assert.equal((await api.request('GET', `${F}?parentId=${bParent.id}`, { token: a.adminKey })).status, 404);

    const aList = await api.request('GET', F, { token: a.adminKey });
    assert.ok(!aList.text.includes(bFolder.id) && !aList.text.includes(bParent.id), "A never lists B's folders");
    const bNow = await api.request('GET', `${F}/${bFolder.id}`, { token: b.adminKey });
    assert.equal(bNow.status, 200);
    assert.deepEqual(bNow.body, bFolder, "B's folder is unchanged");
    assert.equal(await documentFolder(b.id, bDoc), bFolder.id);
    assert.equal((await api.request('GET', `${F}/${aFolder.id}`, { token: a.adminKey })).body.parentId, null);
  });

  test("a member cannot delete an admin's (or another member's) folder, but can delete their own; the admin can delete any", async () => {
    const adminFolder = await mkdir(a.adminKey, uniq('admins'));
    const denied = await api.request('DELETE', `${F}/${adminFolder.id}`, { token: a.memberKey });
    assert.equal(denied.status, 403);
    assert.equal((await api.request('GET', `${F}/${adminFolder.id}`, { token: a.adminKey })).status, 200, 'still there');

    const own = await mkdir(a.memberKey, uniq('mine'));
    assert.equal((await api.request('DELETE', `${F}/${own.id}`, { token: a.memberKey })).status, 204);
    assert.equal((await api.request('GET', `${F}/${own.id}`, { token: a.memberKey })).status, 404);

    const members = await mkdir(a.memberKey, uniq('members'));
    assert.equal((await api.request('DELETE', `${F}/${members.id}`, { token: a.adminKey })).status, 204);
    assert.equal((await api.request('DELETE', `${F}/${adminFolder.id}`, { token: a.adminKey })).status, 204);
  });

  test('no token is a 401 on every route; the platform admin key is a 403', async () => {
    const f = await mkdir(a.adminKey, uniq('auth'));
    const routes: [string, string, unknown?][] = [
      ['POST', F, { name: 'x' }],
      ['GET', F],
      ['GET', `${F}/${f.id}`],
      ['PATCH', `${F}/${f.id}`, { name: 'x' }],
      ['DELETE', `${F}/${f.id}`],
    ];
    for (const [method, path, json] of routes) {
      assert.equal((await api.request(method, path, { json })).status, 401, `${method} ${path}`);
      assert.equal((await api.request(method, path, { json, token: api.adminKey })).status, 403, `${method} ${path} (platform admin)`);
    }
    assert.equal((await api.request('GET', `${F}/${f.id}`, { token: a.adminKey })).body.name, f.name);
  });

  test('the OpenAPI document lists the folder routes with their tag, auth and errors', async () => {
    const { doc, ops } = await openApi(api);
    const expected: Record<string, string[]> = {
      'post /api/v1/folders': ['201', '400', '401', '404', '409'],
      'get /api/v1/folders': ['200', '400', '401'],
      'get /api/v1/folders/{id}': ['200', '400', '401', '404'],
      'patch /api/v1/folders/{id}': ['200', '400', '401', '404', '409'],
      'delete /api/v1/folders/{id}': ['204', '400', '401', '403', '404'],
    };
    for (const [key, codes] of Object.entries(expected)) {
      const op = ops[key];
      assert.ok(op, `${key} documented`);
      assert.deepEqual(op.tags, ['folders']);
      assert.deepEqual(op.security, [{ 'tenant-token': [] }], `${key} takes a tenant token`);
      for (const c of codes) assert.ok(op.responses[c], `${key} documents ${c}`);
    }
    assert.match(ops['delete /api/v1/folders/{id}'].description, /no folder/);
    assert.ok(doc.components.schemas.FolderDto.properties.parentId);
  });
});
