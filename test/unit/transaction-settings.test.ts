import assert from 'node:assert/strict';
import { test } from 'node:test';
import { databaseMode, setLocal, setTenant, type Queryable } from '../../libs/database/transaction-settings.js';

/** Records what would be sent; answers the pg_extension probe in the shape of a TypeORM manager or of a pg client. */
function fake(citus: boolean, shape: 'rows' | 'result'): Queryable & { sent: { sql: string; params?: unknown[] }[] } {
  const sent: { sql: string; params?: unknown[] }[] = [];
  return {
    sent,
    query(sql: string, params?: unknown[]) {
      sent.push({ sql, params });
      const rows = sql.includes('pg_extension') && citus ? [{ '?column?': 1 }] : [];
      return Promise.resolve(shape === 'rows' ? rows : { rows });
    },
  };
}

test('the kind of database is read from pg_extension once per owner, from rows (TypeORM) or a result (pg)', async () => {
  for (const shape of ['rows', 'result'] as const) {
    for (const citus of [true, false]) {
      const q = fake(citus, shape);
      const owner = {};
      assert.equal(await databaseMode(owner, q), citus ? 'citus' : 'postgres', `${shape}, citus=${citus}`);
      assert.equal(await databaseMode(owner, q), citus ? 'citus' : 'postgres');
      assert.equal(q.sent.length, 1, 'asked once');
    }
  }
});

test('plain PostgreSQL: one set_config statement with bound values; Citus: SET LOCAL with quoted literals, propagated', async () => {
  const pgq = fake(false, 'rows');
  await setLocal(pgq, 'postgres', { 'hnsw.ef_search': '40', jit: 'off' });
  assert.deepEqual(pgq.sent, [
    { sql: 'SELECT set_config($1, $2, true), set_config($3, $4, true)', params: ['hnsw.ef_search', '40', 'jit', 'off'] },
  ]);
  const cq = fake(true, 'rows');
  await setLocal(cq, 'citus', { 'hnsw.ef_search': '40', statement_timeout: "5'000" });
  assert.equal(
    cq.sent[0]!.sql,
    "SET LOCAL citus.propagate_set_commands = 'local'; SET LOCAL hnsw.ef_search = '40'; SET LOCAL statement_timeout = '5''000'",
  );
  await assert.rejects(setLocal(cq, 'citus', { 'x; DROP TABLE users': '1' }), /not a setting name/);
});

test('the tenant must be a UUID before it is written into a statement', async () => {
  const q = fake(true, 'rows');
  await assert.rejects(setTenant(q, 'citus', "00000000-0000-0000-0000-000000000000'; SET LOCAL app.x = '1"), /must be a UUID/);
  assert.equal(q.sent.length, 0);
  await setTenant(q, 'citus', '7d1c6b0e-2a3f-4b5c-8d9e-0f1a2b3c4d5e');
  assert.match(q.sent[0]!.sql, /SET LOCAL app\.current_tenant_id = '7d1c6b0e-2a3f-4b5c-8d9e-0f1a2b3c4d5e'$/);
});
