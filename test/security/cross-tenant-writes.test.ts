import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { before, test } from 'node:test';
import type { TenantDb } from '../../libs/database/tenant-db.js';
import type { TestTenant } from '../support/api.js';
import { useStack } from '../support/stack.js';

let a: TestTenant;
let b: TestTenant;
let tenantDb: TenantDb;
const stack = useStack({ prefix: 'writes', tenantDb: 2, tenants: ['w-a', 'w-b'] });
before(
  async () =>
    ({
      tenantDb,
      tenants: [a, b],
    } = await stack.ready),
);

test("writing a row with another tenant's tenant_id fails (WITH CHECK)", async () => {
  await assert.rejects(
    tenantDb.runFor(a.id, (m) =>
      m.query(`INSERT INTO users (tenant_id, id, email, role) VALUES ($1, $2, 'intruder@x.test', 'admin')`, [b.id, randomUUID()]),
    ),
    /row-level security/,
  );
  await assert.rejects(
    tenantDb.runFor(a.id, (m) => m.query(`INSERT INTO folders (tenant_id, id, name) VALUES ($1, $2, 'x')`, [b.id, randomUUID()])),
    /row-level security/,
  );
});

test('moving an own row to another tenant fails', async () => {
  await assert.rejects(
    tenantDb.runFor(a.id, (m) => m.query(`UPDATE users SET tenant_id = $1 WHERE id = $2`, [b.id, a.memberUserId])),
    // Citus refuses to change a row's distribution column before the policy is asked.
    /row-level security|modifying the partition value of rows is not allowed/,
  );
});

test("pointing at another tenant's parent row fails (tenant-scoped foreign keys)", async () => {
  // An API key in A for B's user; a folder in A under B's folder; a document in A in B's folder.
  const bFolder = randomUUID();
  await tenantDb.runFor(b.id, (m) => m.query(`INSERT INTO folders (tenant_id, id, name) VALUES ($1, $2, 'b-folder')`, [b.id, bFolder]));
  await assert.rejects(
    tenantDb.runFor(a.id, (m) =>
      m.query(`INSERT INTO api_keys (tenant_id, id, user_id, name, prefix, key_hash) VALUES ($1, $2, $3, 'k', 'rag_x', 'h')`, [
        a.id,
        randomUUID(),
        b.adminUserId,
      ]),
    ),
    /foreign key/,
  );
  await assert.rejects(
    tenantDb.runFor(a.id, (m) =>
      m.query(`INSERT INTO folders (tenant_id, id, parent_id, name) VALUES ($1, $2, $3, 'child')`, [a.id, randomUUID(), bFolder]),
    ),
    /foreign key/,
  );
  await assert.rejects(
    tenantDb.runFor(a.id, (m) =>
      m.query(
        `INSERT INTO documents (tenant_id, id, folder_id, filename, mime_type, size_bytes, content_hash, status)
               VALUES ($1, $2, $3, 'f.txt', 'text/plain', 1, 'h', 'queued')`,
        [a.id, randomUUID(), bFolder],
      ),
    ),
    /foreign key/,
  );
});

test("updating or deleting another tenant's rows affects nothing", async () => {
  const upd = await tenantDb.runFor(a.id, (m) => m.query(`UPDATE users SET role = 'admin' WHERE id = $1`, [b.memberUserId]));
  assert.equal(upd[1], 0);
  const del = await tenantDb.runFor(a.id, (m) => m.query(`DELETE FROM users WHERE id = $1`, [b.adminUserId]));
  assert.equal(del[1], 0);
  const still = await tenantDb.runFor(b.id, (m) => m.query(`SELECT role FROM users WHERE id = $1`, [b.memberUserId]));
  assert.deepEqual(still, [{ role: 'member' }]);
});
