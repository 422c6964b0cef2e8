import assert from 'node:assert/strict';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { randomUUID } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { createApiApp } from '../../apps/api/src/app.factory.js';
import { loadConfig, type AppConfig } from '../../libs/config/config.js';

export interface HttpResult<T = any> {
  status: number;
  body: T;
  headers: Headers;
  text: string;
}
export interface RequestOptions {
  token?: string;
  json?: unknown;
  body?: string | Uint8Array | FormData;
  headers?: Record<string, string>;
}

/** One request to a running API (in-process or a child process): JSON in and out, a bearer token if given. */
export async function httpRequest<T = any>(
  baseUrl: string,
  method: string,
  path: string,
  opts: RequestOptions = {},
): Promise<HttpResult<T>> {
  const headers: Record<string, string> = { ...(opts.headers ?? {}) };
  if (opts.token) headers.authorization = `Bearer ${opts.token}`;
  let body = opts.body;
  if (opts.json !== undefined) {
    headers['content-type'] = 'application/json';
    body = JSON.stringify(opts.json);
  }
  const res = await fetch(baseUrl + path, { method, headers, body });
  const text = await res.text();
  let parsed: unknown = text;
  try {
    parsed = text ? JSON.parse(text) : undefined;
  } catch {
    /* not JSON */
  }
  return { status: res.status, body: parsed as T, headers: res.headers, text };
}

/** The one error shape of the API (API.md): {statusCode, error, message, requestId}. */
export function assertErrorShape(body: any, status: number): void {
  assert.equal(body.statusCode, status);
  assert.equal(typeof body.error, 'string');
  assert.equal(typeof body.message, 'string');
  assert.match(body.requestId, /^[\w.-]{8,}$/);
}

/** The real API app on a real port (loopback, random). */
export class TestApi {
  private constructor(
    readonly app: NestExpressApplication,
    readonly baseUrl: string,
    readonly config: AppConfig,
  ) {}

  static async start(overrides: Partial<NodeJS.ProcessEnv> = {}): Promise<TestApi> {
    const config = loadConfig({ ...process.env, ...overrides });
    const app = await createApiApp(config);
    await app.listen(0, '127.0.0.1');
    const { port } = app.getHttpServer().address() as AddressInfo;
    return new TestApi(app, `http://127.0.0.1:${port}`, config);
  }

  get adminKey(): string {
    return this.config.auth.adminApiKey;
  }

  request<T = any>(method: string, path: string, opts: RequestOptions = {}): Promise<HttpResult<T>> {
    return httpRequest<T>(this.baseUrl, method, path, opts);
  }

  async close(): Promise<void> {
    await this.app.close();
  }
}

export interface TestTenant {
  id: string;
  slug: string;
  adminUserId: string;
  adminEmail: string;
  adminPassword: string;
  /** An API key of the tenant's admin user. */
  adminKey: string;
  memberUserId: string;
  memberKey: string;
}

/** A tenant with an admin and a member, each with an API key, made through the admin API. */
export async function createTenant(
  api: Pick<TestApi, 'request' | 'adminKey'>,
  label = 't',
  settings?: Record<string, unknown>,
): Promise<TestTenant> {
  const slug = `${label}-${randomUUID().slice(0, 8)}`;
  const t = await api.request('POST', '/api/v1/admin/tenants', { token: api.adminKey, json: { name: `Tenant ${slug}`, slug, settings } });
  if (t.status !== 201) throw new Error(`create tenant: ${t.status} ${t.text}`);
  const adminEmail = `admin@${slug}.test`;
  const adminPassword = `pw-${randomUUID()}`;
  const admin = await api.request('POST', `/api/v1/admin/tenants/${t.body.id}/users`, {
    token: api.adminKey,
    json: { email: adminEmail, role: 'admin', password: adminPassword },
  });
  if (admin.status !== 201) throw new Error(`create admin: ${admin.status} ${admin.text}`);
  const member = await api.request('POST', `/api/v1/admin/tenants/${t.body.id}/users`, {
    token: api.adminKey,
    json: { email: `member@${slug}.test`, role: 'member' },
  });
  if (member.status !== 201) throw new Error(`create member: ${member.status} ${member.text}`);
  const key = async (userId: string) => {
    const k = await api.request('POST', `/api/v1/admin/tenants/${t.body.id}/api-keys`, {
      token: api.adminKey,
      json: { userId, name: 'test' },
    });
    if (k.status !== 201) throw new Error(`create key: ${k.status} ${k.text}`);
    return k.body.key as string;
  };
  return {
    id: t.body.id,
    slug,
    adminUserId: admin.body.id,
    adminEmail,
    adminPassword,
    adminKey: await key(admin.body.id),
    memberUserId: member.body.id,
    memberKey: await key(member.body.id),
  };
}
