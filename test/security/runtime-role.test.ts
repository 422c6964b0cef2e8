import assert from 'node:assert/strict';
import { test } from 'node:test';
import { DataSource } from 'typeorm';
import { assertRuntimeRoleIsRestricted } from '../../libs/database/data-source.js';

test('the apps refuse to run on a superuser connection (RLS would not apply)', async () => {
  const url = new URL(process.env.DATABASE_URL!);
  const admin = new URL(process.env.DATABASE_ADMIN_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres');
  admin.pathname = url.pathname;
  const ds = await new DataSource({ type: 'postgres', url: admin.toString(), installExtensions: false }).initialize();
  try {
    await assert.rejects(assertRuntimeRoleIsRestricted(ds), /superuser/);
  } finally {
    await ds.destroy();
  }
});

test('the runtime role passes the same check', async () => {
  const ds = await new DataSource({ type: 'postgres', url: process.env.DATABASE_URL!, installExtensions: false }).initialize();
  try {
    await assertRuntimeRoleIsRestricted(ds);
    const [{ n }] = await ds.query('SELECT count(*)::int AS n FROM tenants');
    assert.equal(n, 0, 'no tenant set: the runtime role sees no tenant rows');
  } finally {
    await ds.destroy();
  }
});
