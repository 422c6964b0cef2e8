/**
 * Searches keep their statements per connection (libs/database/named-statement.ts). Tried here against what can break
 * them: a column a search returns changing type while the API runs (a migration during a rolling deploy), a bad
 * parameter, and two tenants sharing one connection's statements. The API has one database connection, so every search
 * meets the statements the one before it kept.
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, test } from 'node:test';
import type pg from 'pg';
import { QueryFailedError } from 'typeorm';
import { isStaleResultType, queryNamed } from '../../libs/database/named-statement.js';
import type { TenantDb } from '../../libs/database/tenant-db.js';
import type { TestApi, TestTenant } from '../support/api.js';
import { runtimeDb } from '../support/db.js';
import { upload, waitForStatus } from '../support/documents.js';
import { useStack } from '../support/stack.js';

let api: TestApi;
let t: TestTenant;
let other: TestTenant;
let db: pg.Client;
let one: TenantDb;
const stack = useStack({
  prefix: 'named',
  env: { DB_POOL_MAX: '1', DB_POOL_MIN: '1' },
  workers: 1,
  superuser: true,
  tenants: ['named', 'named-other'],
});
before(async () => {
  ({
    api,
    su: db,
    tenants: [t, other],
  } = await stack.ready);
  for (const tenant of [t, other]) {
    const up = await upload(api, tenant.adminKey, `The descaling programme of machine ${tenant.slug} takes twenty minutes.`, 'manual.txt');
    await waitForStatus(api, tenant.adminKey, up.body.id, ['ready']);
  }
  one = await runtimeDb(1);
});
after(async () => {
  await one?.dataSource.destroy();
});

const search = (tenant: TestTenant) =>
  api.request('POST', '/api/v1/search', { token: tenant.memberKey, json: { query: 'descaling', mode: 'vector', topK: 5 } });

test('a column a search returns changes type under the kept statements: that request is a 503 that says why, the next one is served', async () => {
  const first = await search(t);
  assert.equal(first.status, 200, first.text);
  assert.equal(first.body.items[0].filename, 'manual.txt');
  // The type of documents.filename as a migration could change it, and back, each with a search between.
  for (const type of ['varchar(1000)', 'text']) {
    await db.query(`ALTER TABLE documents ALTER COLUMN filename TYPE ${type}`);
    const stale = await search(t);
    assert.equal(stale.status, 503, `${type}: ${stale.text}`);
    assert.match(stale.body.message, /schema changed/);
    for (const tenant of [t, other, t]) {
      const next = await search(tenant);
      assert.equal(next.status, 200, `${type}, after: ${next.text}`);
      assert.equal(next.body.items.length, 1);
      assert.equal(next.body.items[0].filename, 'manual.txt');
    }
  }
});

test('one statement per text on a connection, whichever tenant runs it; its errors are QueryFailedErrors with the driver code', async () => {
  const text = `SELECT d.id, d.filename FROM documents d WHERE d.tenant_id = $1`;
  for (const tenant of [t, other, t]) {
    const rows = await one.runFor(tenant.id, (m) => queryNamed<{ filename: string }>(m, text, [tenant.id]));
    assert.deepEqual(
      rows.map((r) => r.filename),
      ['manual.txt'],
    );
  }
  // Another tenant's id through the kept statement: the policy reads the transaction's tenant when the plan runs.
  assert.deepEqual(await one.runFor(t.id, (m) => queryNamed(m, text, [other.id])), []);
  const kept = await one.runFor(t.id, (m) =>
    m.query<{ n: number }[]>(`SELECT count(*)::int AS n FROM pg_prepared_statements WHERE statement = $1`, [text]),
  );
  assert.equal(kept[0]!.n, 1);
  await assert.rejects(
    one.runFor(t.id, (m) => queryNamed(m, text, ['not-a-uuid'])),
    (e: unknown) => e instanceof QueryFailedError && (e as { code?: string }).code === '22P02',
  );
  // A result type changed under it, on this connection: the call that meets it fails, the connection parses afresh.
  const probe = `SELECT v FROM named_probe_${randomUUID().replace(/-/g, '')}`;
  const table = probe.split(' ').pop()!;
  await one.runFor(t.id, (m) => m.query(`CREATE TEMP TABLE ${table} (v int)`));
  await one.runFor(t.id, (m) => m.query(`INSERT INTO ${table} VALUES (7)`));
  assert.deepEqual(await one.runFor(t.id, (m) => queryNamed(m, probe, [])), [{ v: 7 }]);
  await one.runFor(t.id, (m) => m.query(`ALTER TABLE ${table} ALTER COLUMN v TYPE text`));
  await assert.rejects(
    one.runFor(t.id, (m) => queryNamed(m, probe, [])),
    (e: unknown) => e instanceof QueryFailedError && isStaleResultType(e),
  );
  assert.deepEqual(await one.runFor(t.id, (m) => queryNamed(m, probe, [])), [{ v: '7' }]);
});
