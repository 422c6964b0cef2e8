/**
 * Admission control (issue 8, rows 1-2 of the capacity table): one tenant's or one
 * client's flood of searches or logins never turns into 500s or long waits for
 * another tenant. Every attack is bounded (≤ 15 s each) and on loopback.
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import { createRuntimeDataSource } from '../../libs/database/data-source.js';
import { TenantBusyError } from '../../libs/database/tenant-pool-share.js';
import { TenantDb } from '../../libs/database/tenant-db.js';
import { loadConfig } from '../../libs/config/config.js';
import { createTenant, TestApi, type HttpResult, type TestTenant } from '../support/api.js';
import { superClient, waitForSessions } from '../support/db.js';
import { uniqueText, upload, waitForStatus } from '../support/documents.js';
import { useStack } from '../support/stack.js';

/** The shipped defaults, stated here so that test.sh's relaxed limits for the other suites do not apply. */
const DEFAULTS = {
  RATE_LIMIT_SEARCH_PER_MINUTE: '1200',
  RATE_LIMIT_CHAT_PER_MINUTE: '120',
  RATE_LIMIT_UPLOAD_PER_MINUTE: '600',
  RATE_LIMIT_OPENAI_PER_MINUTE: '300',
  RATE_LIMIT_CLIENT_PERCENT: '50',
  DB_TENANT_POOL_PERCENT: '50',
  DB_TENANT_WAIT_MS: '2000',
  LOGIN_PER_IP_PER_MINUTE: '30',
  LOGIN_MAX_FAILURES: '5',
  LOGIN_LOCKOUT_SECONDS: '30',
  LOGIN_LOCKOUT_MAX_SECONDS: '900',
  PASSWORD_HASH_CONCURRENCY: '2',
  PASSWORD_HASH_QUEUE: '32',
};

const percentile = (values: number[], p: number): number => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? Number.NaN;
};

async function timed<T>(work: () => Promise<T>): Promise<{ ms: number; result: T }> {
  const started = performance.now();
  const result = await work();
  return { ms: performance.now() - started, result };
}

/** The flood query of the capacity report: ~4,000 characters, ~800 words. */
const FLOOD_QUERY = ('descaling espresso machine programme minutes ' + 'lorem ipsum dolor sit amet '.repeat(150)).slice(0, 3990);

describe('a search flood from one tenant', () => {
  let api: TestApi;
  let victim: TestTenant;
  let flooder: TestTenant;
  const stack = useStack({ prefix: 'admission', env: { ...DEFAULTS, DB_POOL_MAX: '20' }, workers: 1, tenants: ['victim', 'flooder'] });

  before(async () => {
    ({
      api,
      tenants: [victim, flooder],
    } = await stack.ready);
    const docs = [
      ...Array.from({ length: 2 }, (_, i) => ({ t: victim, text: uniqueText(`descaling espresso machine ${i}`, 20) })),
      ...Array.from({ length: 6 }, (_, i) => ({ t: flooder, text: uniqueText(`descaling espresso programme ${i} lorem ipsum`, 60) })),
    ];
    for (const d of docs) {
      const up = await upload(api, d.t.adminKey, d.text, 'manual.txt');
      assert.equal(up.status, 202, up.text);
      await waitForStatus(api, d.t.adminKey, up.body.id, ['ready']);
    }
  });

  test('leaves the other tenant at 200 within a bounded p95; the flooder gets 429/503 with Retry-After, never 500', async () => {
    const victimSearch = () =>
      api.request('POST', '/api/v1/search', {
        token: victim.memberKey,
        json: { query: 'how long does descaling take', mode: 'hybrid', topK: 5 },
      });
    const baseline: number[] = [];
    for (let i = 0; i < 20; i++) {
      const { ms, result } = await timed(victimSearch);
      assert.equal(result.status, 200, result.text);
      baseline.push(ms);
    }

    const deadline = Date.now() + 15_000;
    const floodStatuses = new Map<number, number>();
    let withoutRetryAfter = 0;
    const flood = Array.from({ length: 100 }, async () => {
      while (Date.now() < deadline) {
        const res = await api.request('POST', '/api/v1/search', {
          token: flooder.memberKey,
          json: { query: FLOOD_QUERY, mode: 'hybrid', topK: 100 },
        });
        floodStatuses.set(res.status, (floodStatuses.get(res.status) ?? 0) + 1);
        if ((res.status === 429 || res.status === 503) && !res.headers.get('retry-after')) withoutRetryAfter++;
      }
    });
    const during: HttpResult[] = [];
    const latencies: number[] = [];
    await new Promise((r) => setTimeout(r, 500)); // let the flood reach full strength
    while (Date.now() < deadline - 500) {
      const { ms, result } = await timed(victimSearch);
      during.push(result);
      latencies.push(ms);
      await new Promise((r) => setTimeout(r, 50));
    }
    await Promise.all(flood);

    const summary =
      `baseline p95 ${percentile(baseline, 95).toFixed(0)} ms; during the flood p50 ${percentile(latencies, 50).toFixed(0)} ms, ` +
      `p95 ${percentile(latencies, 95).toFixed(0)} ms over ${latencies.length} searches; flooder ${JSON.stringify(Object.fromEntries(floodStatuses))}`;
    console.log(`# search flood: ${summary}`);
    assert.deepEqual([...new Set(during.map((r) => r.status))], [200], summary);
    // Before admission control: 500s and a p95 of 9 s. The bound is relative as the flood shares the 2 CPUs, and at
    // least 4 s: a quiet run gave 0.6 s, and a host busy with other tenants' work makes every request 2–4× slower.
    assert.ok(percentile(latencies, 95) < Math.max(4000, 6 * percentile(baseline, 95)), summary);
    assert.ok(
      [...floodStatuses.keys()].every((s) => s === 200 || s === 429 || s === 503),
      summary,
    );
    assert.ok((floodStatuses.get(429) ?? 0) > 0, summary);
    assert.equal(withoutRetryAfter, 0, summary);
  });
});

describe('request budgets', () => {
  let api: TestApi;
  let second: TestApi;
  const env = { ...DEFAULTS, QUEUE_PREFIX: `budgets-${randomUUID().slice(0, 8)}` };

  before(async () => {
    api = await TestApi.start(env);
    second = await TestApi.start(env); // another API process sharing the same Redis
  });
  after(async () => {
    await second?.close();
    await api?.close();
  });

  test("a tenant's settings.limits is one budget across API processes; each client gets its share; other tenants are untouched", async () => {
    const limited = await createTenant(api, 'limited', { limits: { searchPerMinute: 10, uploadPerMinute: 1 } });
    const other = await createTenant(api, 'other');
    const search = (on: TestApi, token: string) =>
      on.request('POST', '/api/v1/search', { token, json: { query: 'anything', mode: 'keyword' } });

    // The member's key: 5 of the tenant's 10 (RATE_LIMIT_CLIENT_PERCENT 50), spread over both processes.
    for (const on of [api, second, api, second, api]) assert.equal((await search(on, limited.memberKey)).status, 200);
    const clientOver = await search(second, limited.memberKey);
    assert.equal(clientOver.status, 429, clientOver.text);
    assert.match(clientOver.body.message, /this client/);
    const retryAfter = Number(clientOver.headers.get('retry-after'));
    assert.ok(retryAfter >= 1 && retryAfter <= 60, `Retry-After ${retryAfter}`);

    // Another client of the same tenant has its own share, until the tenant's budget is spent.
    for (let i = 0; i < 5; i++) assert.equal((await search(i % 2 ? api : second, limited.adminKey)).status, 200);
    // A third client finds the tenant's budget spent.
    const key = await api.request('POST', `/api/v1/admin/tenants/${limited.id}/api-keys`, {
      token: api.adminKey,
      json: { userId: limited.memberUserId, name: 'third' },
    });
    const tenantOver = await search(api, key.body.key);
    assert.equal(tenantOver.status, 429);
    assert.match(tenantOver.body.message, /this tenant/);

    // Another tenant is not affected at all.
    for (let i = 0; i < 12; i++) assert.equal((await search(i % 2 ? api : second, other.memberKey)).status, 200);

    // Uploads have their own budget: the second upload of the minute is refused and stores nothing.
    assert.equal((await upload(api, limited.adminKey, uniqueText('first'), 'a.txt')).status, 202);
    const refused = await upload(second, limited.adminKey, uniqueText('second'), 'b.txt');
    assert.equal(refused.status, 429, refused.text);
    assert.ok(refused.headers.get('retry-after'));
    const listed = await api.request('GET', '/api/v1/documents', { token: limited.adminKey });
    assert.equal(listed.body.items.length, 1);
  });

  test('a tenant setting outside the allowed range is a 400', async () => {
    const res = await api.request('POST', '/api/v1/admin/tenants', {
      token: api.adminKey,
      json: { name: 'x', slug: `bad-${randomUUID().slice(0, 8)}`, settings: { limits: { searchPerMinute: -1 } } },
    });
    assert.equal(res.status, 400);
    assert.match(res.body.message, /searchPerMinute/);
  });
});

describe('the connection pool', () => {
  test('no tenant holds more than its share; its extra transactions are refused (TenantBusyError), another tenant gets through at once', async () => {
    const config = loadConfig();
    const tenants = new TenantDb(
      await createRuntimeDataSource(
        { ...config.database, tenantPoolPercent: 50, tenantWaitMs: 300 },
        { poolMax: 4, poolMin: 0 },
      ).initialize(),
    );
    const db = await superClient();
    try {
      const [a, b] = [randomUUID(), randomUUID()];
      await db.query(`INSERT INTO tenants (id, name, slug) VALUES ($1, 'a', $2), ($3, 'b', $4)`, [
        a,
        `pool-a-${a.slice(0, 8)}`,
        b,
        `pool-b-${b.slice(0, 8)}`,
      ]);
      // The bounds below are far under the holders' 5 s: whatever waited for them took 5 s, whatever did not took a
      // fraction of a second on a quiet machine and stays under 3 s on one that is busy with other work.
      const slow = () => tenants.runFor(a, (m) => m.query('SELECT pg_sleep(5)'));
      const holding = [slow(), slow()]; // tenant a's share of a 4-connection pool is 2
      await waitForSessions(db, "both of tenant a's transactions sleeping", `query = 'SELECT pg_sleep(5)' AND state = 'active'`, 2);
      const third = await timed(() =>
        slow().then(
          () => 'ran',
          (e) => e,
        ),
      );
      assert.ok(third.result instanceof TenantBusyError, `third transaction: ${third.result}`);
      assert.ok(third.ms < 3000, `refused after ${third.ms} ms`);
      const otherTenant = await timed(() => tenants.runFor(b, (m) => m.query('SELECT 1 AS one')));
      assert.equal(otherTenant.result[0].one, 1);
      assert.ok(otherTenant.ms < 3000, `other tenant waited ${otherTenant.ms} ms`);
      await Promise.all(holding);
      // Once its own transactions end, the tenant gets in again.
      assert.equal((await tenants.runFor(a, (m) => m.query('SELECT 2 AS two')))[0].two, 2);
    } finally {
      await db.end();
      await tenants.dataSource.destroy();
    }
  });

  test('a request that cannot get a connection in time answers 503 with Retry-After, never 500', async () => {
    // Two tenants hold one connection each (their share of a 2-connection pool) on a lock; a third tenant's
    // request finds the pool full and waits DB_CONNECT_TIMEOUT_MS for a connection.
    const api = await TestApi.start({
      ...DEFAULTS,
      DB_POOL_MAX: '2',
      DB_TENANT_POOL_PERCENT: '50',
      DB_TENANT_WAIT_MS: '10000',
      DB_CONNECT_TIMEOUT_MS: '300',
      SEARCH_TIMEOUT_MS: '10000',
    });
    const db = await superClient();
    try {
      const [a, b, c] = await Promise.all([createTenant(api, 'pool-a'), createTenant(api, 'pool-b'), createTenant(api, 'pool-c')]);
      const search = (t: TestTenant) =>
        api.request('POST', '/api/v1/search', { token: t.memberKey, json: { query: 'anything', mode: 'vector' } });
      await db.query('BEGIN');
      await db.query('LOCK TABLE tenants IN ACCESS EXCLUSIVE MODE'); // the budget look-up and the search read it
      const holders = [search(a), search(a), search(b), search(b)];
      // Both pool connections blocked on the lock: only then is the pool full for c.
      await waitForSessions(db, 'both pool connections waiting on the lock', `usename = 'rag_app' AND wait_event_type = 'Lock'`, 2);
      const late = await timed(() => search(c));
      await db.query('ROLLBACK');
      const held = await Promise.all(holders);
      assert.equal(late.result.status, 503, late.result.text);
      assert.equal(late.result.headers.get('retry-after'), '1');
      assert.match(late.result.body.message, /busy/);
      // DB_CONNECT_TIMEOUT_MS is 300 ms; a request that waited for the lock instead would take SEARCH_TIMEOUT_MS (10 s).
      assert.ok(late.ms < 5000, `answered after ${late.ms} ms`);
      // The tenants that were queued behind their own share are served once the lock goes.
      assert.deepEqual(
        held.map((r) => r.status),
        [200, 200, 200, 200],
      );
    } finally {
      await db.end();
      await api.close();
    }
  });
});

describe('login', () => {
  let api: TestApi;
  let t: TestTenant;
  const stack = useStack({ prefix: 'login', env: { ...DEFAULTS, TRUST_PROXY: 'true', LOGIN_LOCKOUT_SECONDS: '2' }, tenants: ['login'] });
  before(
    async () =>
      ({
        api,
        tenants: [t],
      } = await stack.ready),
  );
  const login = (tenant: string, email: string, password: string, ip: string) =>
    api.request('POST', '/api/v1/auth/login', { json: { tenant, email, password }, headers: { 'x-forwarded-for': ip } });

  test('guessing passwords locks the account with a growing lock, the right password included; other accounts are unaffected', async () => {
    for (let i = 0; i < 5; i++) assert.equal((await login(t.slug, t.adminEmail, `wrong-${i}`, '10.0.0.1')).status, 401);
    const locked = await login(t.slug, t.adminEmail, t.adminPassword, '10.0.0.2'); // the right one, from elsewhere
    assert.equal(locked.status, 429, locked.text);
    assert.match(locked.body.message, /failed logins/);
    const first = Number(locked.headers.get('retry-after'));
    assert.ok(first >= 1 && first <= 2, `Retry-After ${first}`);

    // An unknown account is treated the same way: no existence oracle in the lock.
    for (let i = 0; i < 5; i++) assert.equal((await login(t.slug, `nobody-${i}@x.test`, 'x', '10.0.0.3')).status, 401);
    for (let i = 0; i < 5; i++) assert.equal((await login(t.slug, 'ghost@x.test', `wrong-${i}`, '10.0.0.3')).status, 401);
    assert.equal((await login(t.slug, 'ghost@x.test', 'x', '10.0.0.3')).status, 429);

    // Another account of the tenant logs in meanwhile.
    const member = await api.request('POST', `/api/v1/admin/tenants/${t.id}/users`, {
      token: api.adminKey,
      json: { email: `m2@${t.slug}.test`, role: 'member', password: 'member-password-1' },
    });
    assert.equal(member.status, 201);
    assert.equal((await login(t.slug, `m2@${t.slug}.test`, 'member-password-1', '10.0.0.1')).status, 200);

    // After the lock, one more failure locks again for twice as long.
    await new Promise((r) => setTimeout(r, first * 1000 + 200));
    assert.equal((await login(t.slug, t.adminEmail, 'wrong-again', '10.0.0.1')).status, 401);
    const again = await login(t.slug, t.adminEmail, t.adminPassword, '10.0.0.1');
    assert.equal(again.status, 429);
    assert.ok(Number(again.headers.get('retry-after')) >= 3, `Retry-After ${again.headers.get('retry-after')}`);
    await new Promise((r) => setTimeout(r, Number(again.headers.get('retry-after')) * 1000 + 200));
    assert.equal((await login(t.slug, t.adminEmail, t.adminPassword, '10.0.0.1')).status, 200);
  });

  test("a flood of 100 concurrent logins from one address leaves another user's login fast; the flood gets 429, never 5xx", async () => {
    const baseline = (await timed(() => login(t.slug, `m2@${t.slug}.test`, 'member-password-1', '10.0.1.1'))).ms;
    const flood = Array.from({ length: 100 }, (_, i) => login(`made-up-${i}`, `x${i}@x.test`, 'password', '10.6.6.6'));
    await new Promise((r) => setTimeout(r, 50));
    const victim: number[] = [];
    for (let i = 0; i < 5; i++) {
      const { ms, result } = await timed(() => login(t.slug, `m2@${t.slug}.test`, 'member-password-1', '10.0.1.1'));
      assert.equal(result.status, 200, result.text);
      victim.push(ms);
    }
    const statuses = (await Promise.all(flood)).map((r) => r.status);
    const counts = statuses.reduce<Record<number, number>>((acc, s) => ({ ...acc, [s]: (acc[s] ?? 0) + 1 }), {});
    const summary = `baseline ${baseline.toFixed(0)} ms; victim during the flood max ${Math.max(...victim).toFixed(0)} ms; flood ${JSON.stringify(counts)}`;
    console.log(`# login flood: ${summary}`);
    assert.ok(
      statuses.every((s) => s === 401 || s === 429),
      summary,
    );
    assert.ok((counts[429] ?? 0) >= 70, summary); // 30 per minute from one address, one at a time
    // Without the gates the victim waited 8.5-13 s; the bound is relative because the CPU is shared with the flood.
    assert.ok(Math.max(...victim) < Math.max(3000, 4 * baseline), summary);
  });

  test('an unknown user and a wrong password take the same time', async () => {
    const wrong: number[] = [];
    const unknown: number[] = [];
    for (let i = 0; i < 4; i++) {
      wrong.push((await timed(() => login(t.slug, `m2@${t.slug}.test`, `nope-${i}`, `10.0.2.${i}`))).ms);
      unknown.push((await timed(() => login(t.slug, `unknown-${i}@${t.slug}.test`, 'nope', `10.0.3.${i}`))).ms);
    }
    const ratio = percentile(unknown, 50) / percentile(wrong, 50);
    assert.ok(ratio > 0.5 && ratio < 2, `unknown ${unknown.map(Math.round).join(',')} vs wrong ${wrong.map(Math.round).join(',')} ms`);
    assert.ok(percentile(unknown, 50) > 30, 'a password hash was computed for the unknown user');
  });
});
