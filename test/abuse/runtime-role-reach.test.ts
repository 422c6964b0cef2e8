/**
 * What a SQL injection running as the runtime role (DATABASE_URL) can still do,
 * tried directly on a connection as that role, the way an injected statement
 * would run. README, "What the runtime role can reach", states the outcome.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import pg from 'pg';
import { loadConfig } from '../../libs/config/config.js';
import { databaseMode, setTenant } from '../../libs/database/transaction-settings.js';
import type { TestApi, TestTenant } from '../support/api.js';
import { useStack } from '../support/stack.js';

let api: TestApi;
let a: TestTenant;
let b: TestTenant;
let app: pg.Client; // the runtime role: an injection's connection
let platform: pg.Client; // the platform-admin role
let su: pg.Client;

const stack = useStack({ prefix: 'reach', superuser: true, tenants: ['reach-a', 'reach-b'] });
before(async () => {
  ({
    api,
    su,
    tenants: [a, b],
  } = await stack.ready);
  const settings = { systemPrompt: `secret prompt of ${b.slug}`, dailyTokenQuota: 1000 };
  await su.query(`UPDATE tenants SET settings = $2 WHERE id = $1`, [b.id, settings]);
  app = new pg.Client({ connectionString: process.env.DATABASE_URL });
  platform = new pg.Client({ connectionString: loadConfig().database.platformUrl });
  await Promise.all([app.connect(), platform.connect()]);
});
after(() => Promise.all([app?.end(), platform?.end()]));

/** The SQLSTATE a statement fails with, or 'ok'. */
async function outcome(client: pg.Client, sql: string, params: unknown[] = []): Promise<string> {
  try {
    await client.query(sql, params);
    return 'ok';
  } catch (e) {
    return (e as { code?: string }).code ?? String(e);
  }
}

/** One statement inside a transaction whose tenant is `tenantId` (as the app sets it, or as an injection forges it). */
async function asTenant<T = any>(client: pg.Client, tenantId: string, sql: string, params: unknown[] = []): Promise<T[]> {
  await client.query('BEGIN');
  try {
    await setTenant(client, await databaseMode(client, client), tenantId); // set_config, or SET LOCAL on Citus
    return (await client.query(sql, params)).rows;
  } finally {
    await client.query('ROLLBACK');
  }
}

const PERMISSION_DENIED = '42501';
const NO_SUCH_FUNCTION = '42883';

describe('as the runtime role', () => {
  test('admin_list_tenants() is refused: no listing of every tenant with its settings and system prompt', async () => {
    assert.equal(await outcome(app, `SELECT * FROM admin_list_tenants()`), PERMISSION_DENIED);
  });

  test('no password hash, of another tenant or its own: auth_login_lookup is gone, auth_login_params gives only the salt', async () => {
    assert.equal(await outcome(app, `SELECT * FROM auth_login_lookup($1, $2)`, [b.slug, b.adminEmail]), NO_SUCH_FUNCTION);
    const {
      rows: [{ params }],
    } = await app.query(`SELECT auth_login_params($1, $2) AS params`, [b.slug, b.adminEmail]);
    const {
      rows: [{ password_hash: stored }],
    } = await su.query(`SELECT password_hash FROM users WHERE tenant_id = $1 AND id = $2`, [b.id, b.adminUserId]);
    assert.match(params, /^scrypt\$\d+\$\d+\$\d+\$[A-Za-z0-9_-]+$/, 'parameters and salt only');
    assert.ok(stored.startsWith(`${params}$`) && stored.length > params.length + 20, 'the derived key stays in the database');
    // Verification needs the password: a guess must be derived (32 MiB scrypt) per try, and a wrong one returns nothing.
    assert.deepEqual((await app.query(`SELECT * FROM auth_login_verify($1, $2, $3)`, [b.slug, b.adminEmail, `${params}$AAAA`])).rows, []);
  });

  test('SELECT password_hash FROM users is refused with no tenant, with its own tenant and with a forged one', async () => {
    assert.equal(await outcome(app, `SELECT password_hash FROM users`), PERMISSION_DENIED);
    assert.equal(await outcome(app, `SELECT * FROM users`), PERMISSION_DENIED);
    for (const t of [a.id, b.id]) {
      await assert.rejects(asTenant(app, t, `SELECT password_hash FROM users`), { code: PERMISSION_DENIED });
      await assert.rejects(asTenant(app, t, `SELECT * FROM users`), { code: PERMISSION_DENIED });
    }
    // What the routes need still works: the other columns, in the current tenant.
    const own = await asTenant(app, a.id, `SELECT id, email, role, created_at FROM users ORDER BY email`);
    assert.deepEqual(own.map((r) => r.email).sort(), [a.adminEmail, `member@${a.slug}.test`]);
  });

  test('DELETE, UPDATE, INSERT and TRUNCATE on tenants are refused, whichever tenant is set', async () => {
    for (const t of ['', a.id, b.id]) {
      const tx = (sql: string, params: unknown[] = []) =>
        (t ? asTenant(app, t, sql, params) : app.query(sql, params)).then(
          () => 'ok',
          (e) => e.code,
        );
      assert.equal(await tx(`DELETE FROM tenants`), PERMISSION_DENIED, `DELETE with tenant "${t}"`);
      assert.equal(await tx(`DELETE FROM tenants WHERE id = $1`, [b.id]), PERMISSION_DENIED);
      assert.equal(await tx(`UPDATE tenants SET settings = '{"dailyTokenQuota": 999999999}' WHERE id = $1`, [b.id]), PERMISSION_DENIED);
      assert.equal(await tx(`UPDATE tenants SET settings = '{}'`), PERMISSION_DENIED);
      assert.equal(await tx(`INSERT INTO tenants (id, name, slug) VALUES (gen_random_uuid(), 'x', 'injected-tenant')`), PERMISSION_DENIED);
      assert.equal(await tx(`TRUNCATE tenants CASCADE`), PERMISSION_DENIED);
    }
    const { rows } = await su.query(`SELECT id, settings FROM tenants WHERE id = ANY($1) ORDER BY id`, [[a.id, b.id]]);
    assert.equal(rows.length, 2, 'both tenants are still there');
    assert.equal(rows.find((r) => r.id === b.id).settings.dailyTokenQuota, 1000, "B's quota unchanged");
  });

  test("still reachable (stated in the README): a forged app.current_tenant_id reads that tenant's rows and its own settings row", async () => {
    // RLS trusts the transaction's setting, and any statement on the connection can set it.
    const users = await asTenant(app, b.id, `SELECT email FROM users`);
    assert.deepEqual(users.map((r) => r.email).sort(), [b.adminEmail, `member@${b.slug}.test`]);
    const [tenant] = await asTenant(app, b.id, `SELECT settings FROM tenants`);
    assert.equal(tenant.settings.systemPrompt, `secret prompt of ${b.slug}`);
    // …one tenant at a time: never two tenants' rows in one statement.
    const both = await asTenant(app, a.id, `SELECT DISTINCT tenant_id FROM users`);
    assert.deepEqual(
      both.map((r) => r.tenant_id),
      [a.id],
    );
  });
});

describe('as the platform-admin role', () => {
  test('lists every tenant, creates tenants and edits their name and settings, but reads no user, no password hash, and deletes nothing', async () => {
    const { rows } = await platform.query(`SELECT slug FROM admin_list_tenants()`);
    for (const s of [a.slug, b.slug])
      assert.ok(
        rows.some((r) => r.slug === s),
        `${s} listed`,
      );
    assert.equal(await outcome(platform, `SELECT email FROM users`), PERMISSION_DENIED);
    assert.equal(await outcome(platform, `SELECT auth_login_params($1, $2)`, [b.slug, b.adminEmail]), PERMISSION_DENIED);
    assert.equal(await outcome(platform, `DELETE FROM tenants`), PERMISSION_DENIED);
    // It edits a tenant's name and settings (PATCH /admin/tenants/:id) as that tenant only: with no
    // tenant set, RLS leaves no row to change; the slug users sign in with and the id, never.
    assert.equal((await platform.query(`UPDATE tenants SET settings = '{}'`)).rowCount, 0);
    assert.equal(await outcome(platform, `UPDATE tenants SET slug = 'taken-over'`), PERMISSION_DENIED);
    // A constant, not gen_random_uuid(): Citus refuses a volatile function in an UPDATE before it asks for privileges.
    assert.equal(await outcome(platform, `UPDATE tenants SET id = '00000000-0000-4000-8000-000000000001'`), PERMISSION_DENIED);
    // An insert is checked by RLS like any write: only as the tenant being created.
    assert.equal(
      await outcome(platform, `INSERT INTO tenants (id, name, slug) VALUES (gen_random_uuid(), 'x', 'no-tenant-set')`),
      PERMISSION_DENIED,
    );
  });
});

describe('the routes that used these functions still work', () => {
  test('GET /admin/tenants lists tenants with their settings; POST creates one', async () => {
    const list = await api.request('GET', '/api/v1/admin/tenants', { token: api.adminKey });
    assert.equal(list.status, 200);
    assert.equal(list.body.items.find((t: { id: string }) => t.id === b.id).settings.systemPrompt, `secret prompt of ${b.slug}`);
  });

  test('login: the right password gives a token; a wrong one, an unknown user and a user without password get the same 401', async () => {
    const ok = await api.request('POST', '/api/v1/auth/login', {
      json: { tenant: b.slug, email: b.adminEmail, password: b.adminPassword },
    });
    assert.equal(ok.status, 200);
    assert.equal((await api.request('GET', '/api/v1/me', { token: ok.body.accessToken })).body.tenantId, b.id);
    for (const json of [
      { tenant: b.slug, email: b.adminEmail, password: `${b.adminPassword}x` },
      { tenant: b.slug, email: 'nobody@nowhere.test', password: b.adminPassword },
      { tenant: b.slug, email: `member@${b.slug}.test`, password: b.adminPassword },
      { tenant: a.slug, email: b.adminEmail, password: b.adminPassword },
    ]) {
      const res = await api.request('POST', '/api/v1/auth/login', { json });
      assert.equal(res.status, 401, JSON.stringify(json));
      assert.equal(res.body.message, 'Invalid tenant, email or password');
    }
  });
});
