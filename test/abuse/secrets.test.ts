/**
 * Secrets stay secret: the generated secrets file is 0600, a supplied admin key
 * is never printed (a generated one once), and the logs carry no key, JWT or
 * password, even when a client puts them where the API logs (query strings,
 * malformed JSON bodies).
 */
import assert from 'node:assert/strict';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import { chmodSync, copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { JwtService } from '@nestjs/jwt';
import { redactSecrets } from '../../libs/logging/redact.js';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const API_MAIN = fileURLToPath(new URL('../../apps/api/src/main.js', import.meta.url));

describe('scripts/env-defaults.sh and the start-up banner', () => {
  let dir: string;
  const secretsFile = () => join(dir, '.cache/secrets.env');
  const mode = (f: string) => (statSync(f).mode & 0o777).toString(8);

  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'ragdocs-secrets-'));
    mkdirSync(join(dir, 'scripts'));
    for (const f of ['env-defaults.sh', 'banner.sh']) copyFileSync(join(ROOT, 'scripts', f), join(dir, 'scripts', f));
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  /** What `npm start` does: source the defaults (umask 022, the usual), then print the banner. */
  function start(env: Record<string, string> = {}): string {
    const res = spawnSync('bash', ['-c', 'set -euo pipefail; umask 022; source scripts/env-defaults.sh; bash scripts/banner.sh'], {
      cwd: dir,
      encoding: 'utf8',
      timeout: 30_000,
      env: { PATH: `${dirname(process.execPath)}:${process.env.PATH}`, HOME: dir, ...env },
    });
    assert.equal(res.status, 0, res.stderr);
    return res.stdout + res.stderr;
  }
  const generatedKey = () => /GENERATED_ADMIN_API_KEY=(\S+)/.exec(readFileSync(secretsFile(), 'utf8'))![1]!;

  test('the secrets file is created 0600, and a generated admin key is printed once', () => {
    const first = start();
    assert.equal(mode(secretsFile()), '600');
    const key = generatedKey();
    assert.match(key, /^adm_[A-Za-z0-9_-]{32}$/);
    assert.ok(first.includes(key), 'the first start shows the generated key');
    const second = start();
    assert.ok(!second.includes(key), 'later starts do not');
    assert.match(second, /GENERATED_ADMIN_API_KEY in \.cache\/secrets\.env/);
  });

  test('a supplied ADMIN_API_KEY is never printed', () => {
    const supplied = `supplied-${randomBytes(16).toString('hex')}`;
    for (let i = 0; i < 2; i++) {
      const out = start({ ADMIN_API_KEY: supplied });
      assert.ok(!out.includes(supplied), out);
      assert.match(out, /the ADMIN_API_KEY you set \(not printed\)/);
    }
    // Also on a fresh checkout, where the JWT secret is generated at the same time.
    rmSync(join(dir, '.cache'), { recursive: true });
    assert.ok(!start({ ADMIN_API_KEY: supplied }).includes(supplied));
    assert.equal(mode(secretsFile()), '600');
  });

  test('a secrets file left 0644 by an older version is made 0600', () => {
    writeFileSync(secretsFile(), `GENERATED_ADMIN_API_KEY=adm_${'x'.repeat(32)}\nGENERATED_JWT_SECRET=${'j'.repeat(64)}\n`);
    chmodSync(secretsFile(), 0o644);
    start();
    assert.equal(mode(secretsFile()), '600');
  });
});

describe('the API process logs no key, JWT or password', () => {
  const adminKey = `supplied-admin-${randomBytes(18).toString('base64url')}`;
  let child: ChildProcess;
  let output = '';
  let base = '';

  before(async () => {
    child = spawn(process.execPath, ['--enable-source-maps', API_MAIN], {
      env: { ...process.env, ADMIN_API_KEY: adminKey, PORT: '0', LOG_LEVEL: 'debug' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    child.stdout!.on('data', (d) => (output += d));
    child.stderr!.on('data', (d) => (output += d));
    const deadline = Date.now() + 30_000;
    for (;;) {
      const m = /API listening on (http:\/\/localhost:\d+)/.exec(output);
      if (m) {
        base = m[1]!.replace('localhost', '127.0.0.1');
        break;
      }
      if (child.exitCode !== null || Date.now() > deadline) throw new Error(`the API did not start:\n${output}`);
      await new Promise((r) => setTimeout(r, 50));
    }
  });
  after(async () => {
    if (child && child.exitCode === null) {
      const exited = new Promise((r) => child.once('exit', r));
      child.kill('SIGTERM');
      await exited;
    }
  });

  const call = (method: string, path: string, init: { token?: string; body?: string } = {}) =>
    fetch(base + path, {
      method,
      headers: {
        ...(init.token ? { authorization: `Bearer ${init.token}` } : {}),
        ...(init.body ? { 'content-type': 'application/json' } : {}),
      },
      body: init.body,
    }).then(async (r) => ({ status: r.status, body: (await r.json().catch(() => undefined)) as any }));

  test('bad tokens, tokens in query strings, wrong passwords and malformed bodies are logged without them', async () => {
    // A tenant and a user with a password, through the supplied admin key.
    const slug = `sec-${randomUUID().slice(0, 8)}`;
    const tenant = await call('POST', '/api/v1/admin/tenants', { token: adminKey, body: JSON.stringify({ name: 'Secrets', slug }) });
    assert.equal(tenant.status, 201);
    const password = `correct-horse-${randomBytes(8).toString('hex')}`;
    const email = `admin@${slug}.test`;
    assert.equal(
      (
        await call('POST', `/api/v1/admin/tenants/${tenant.body.id}/users`, {
          token: adminKey,
          body: JSON.stringify({ email, role: 'admin', password }),
        })
      ).status,
      201,
    );
    const login = await call('POST', '/api/v1/auth/login', { body: JSON.stringify({ tenant: slug, email, password }) });
    assert.equal(login.status, 200);
    const realJwt: string = login.body.accessToken;

    const forgedJwt = new JwtService({ secret: `not-the-secret-${randomUUID()}` }).sign({
      sub: randomUUID(),
      tid: tenant.body.id,
      role: 'admin',
      email,
    });
    const fakeApiKey = `rag_${randomBytes(32).toString('base64url')}`;
    const wrongPassword = `wrong-pw-${randomBytes(8).toString('hex')}`;
    // Random right after the first letter: a JSON parse error quotes only ~10 characters from the fault, the password's start.
    const bodyPassword = `x${randomBytes(8).toString('hex')}-body-pw`;
    const secrets = { adminKey, jwtSecret: process.env.JWT_SECRET!, realJwt, forgedJwt, fakeApiKey, password, wrongPassword, bodyPassword };

    const probes: [number, Promise<{ status: number }>][] = [
      [401, call('GET', '/api/v1/me', { token: forgedJwt })],
      [401, call('GET', '/api/v1/me', { token: fakeApiKey })],
      [401, call('GET', `/api/v1/me?access_token=${realJwt}`)],
      [401, call('GET', `/api/v1/me?api_key=${fakeApiKey}`)],
      [401, call('GET', `/api/v1/admin/tenants?key=${encodeURIComponent(adminKey)}`)],
      [403, call('GET', `/api/v1/users?token=${adminKey}`, { token: adminKey })],
      [401, call('POST', '/api/v1/auth/login', { body: JSON.stringify({ tenant: slug, email, password: wrongPassword }) })],
      // Node's JSON.parse error quotes the body, and the filter logs it at debug.
      [400, call('POST', '/api/v1/auth/login', { body: `{"tenant":"${slug}","password":${bodyPassword}}` })],
      [400, call('POST', '/api/v1/auth/login', { body: `{"tenant":"${slug}","email":"${email}","password":"${bodyPassword}","extra":1}` })],
    ];
    for (const [expected, probe] of probes) assert.equal((await probe).status, expected);
    await new Promise((r) => setTimeout(r, 300)); // let the child's pipes drain

    // The requests did reach the log (so a secret could have), scrubbed.
    const debugLines = output.split('\n').filter((l) => /HttpError/.test(l));
    assert.ok(debugLines.length >= probes.length, `expected a log line per probe, got:\n${debugLines.join('\n')}`);
    assert.match(output, /\[REDACTED\]/, 'the log shows where something was scrubbed');
    assert.match(output, /is not valid JSON/, 'the JSON parse error was logged');
    for (const [name, value] of Object.entries(secrets)) {
      assert.ok(value && value.length >= 16, name);
      assert.ok(!output.includes(value), `${name} appears in the API's output:\n${output}`);
    }
    assert.ok(!output.includes(bodyPassword.slice(1, 9)), `the start of the body's password appears in the API's output:\n${output}`);
  });
});

test('redactSecrets: the shapes the project uses', () => {
  const jwtLike = new JwtService({ secret: 'k'.repeat(40) }).sign({ sub: 'x' });
  const cases: [string, string][] = [
    [`Authorization: Bearer ${jwtLike}`, jwtLike],
    [`GET /x?access_token=${jwtLike}&y=1`, jwtLike],
    [`cut short: ${jwtLike.slice(0, 30)}`, jwtLike.slice(0, 30)],
    ['key rag_abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG used', 'abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG'],
    ['adm_abcdefghijklmnopqrstuvwxyz012345', 'abcdefghijklmnopqrstuvwxyz012345'],
    ['{"email":"a@b.c","password":"hunter2 with spaces"}', 'hunter2 with spaces'],
    [`Unexpected token 'h', "{"password":hunter2-unquoted}" is not valid JSON`, 'hunter2-unquoted'],
    ['postgres://rag_app:db-password-123@127.0.0.1:5432/ragdocs', 'db-password-123'],
    ['stored scrypt$32768$8$1$c2FsdHNhbHQ$a2V5a2V5a2V5', 'a2V5a2V5a2V5'],
    ['OPENAI sk-proj-abcdefghijklmnopqrstuvwxyz', 'abcdefghijklmnopqrstuvwxyz'],
  ];
  for (const [text, secret] of cases) assert.ok(!redactSecrets(text).includes(secret), `${text} -> ${redactSecrets(text)}`);
  assert.equal(redactSecrets('a literal-secret-value here', ['literal-secret-value']), 'a [REDACTED] here');
  // Ordinary log text is left alone.
  for (const plain of [
    'rag_app connected as rag_auth',
    'usage tokens=12',
    'duplicate key value violates unique constraint "users_tenant_email_uq"',
  ]) {
    assert.equal(redactSecrets(plain), plain);
  }
});
