import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { TenantDb } from '#libs/database/tenant-db.js';
import type { TenantRole } from '#libs/tenancy/tenant-context.js';

export interface KeyOwner {
  tenantId: string;
  userId: string;
  role: TenantRole;
  email: string;
  keyId: string;
}
export interface LoginUser {
  tenantId: string;
  userId: string;
  role: TenantRole;
  email: string;
}

interface UserRow {
  tenant_id: string;
  user_id: string;
  role: TenantRole;
  email: string;
}

/**
 * The pre-tenant lookups. They go through narrow SECURITY DEFINER functions
 * (see the init and least-privilege migrations), never through a role that can
 * see every tenant. Login never reads a password hash: the database compares.
 */
@Injectable()
export class AuthRepository {
  constructor(
    private readonly ds: DataSource,
    private readonly db: TenantDb,
  ) {}

  async findApiKeyOwner(keyHash: string): Promise<KeyOwner | undefined> {
    const [row] = await this.ds.query<(UserRow & { key_id: string })[]>(`SELECT * FROM auth_api_key($1)`, [keyHash]);
    return row && { tenantId: row.tenant_id, userId: row.user_id, role: row.role, email: row.email, keyId: row.key_id };
  }

  /** The user as it is now (RLS-scoped to the token's tenant): deleted users and role changes take effect at once. */
  async currentUser(tenantId: string, userId: string): Promise<{ role: TenantRole; email: string } | undefined> {
    const [row] = await this.db.runFor(tenantId, (m) =>
      m.query<{ role: TenantRole; email: string }[]>(`SELECT role, email FROM users WHERE id = $1`, [userId]),
    );
    return row;
  }

  /** The stored hash's parameters and salt ("scrypt$N$r$p$salt"), never the hash itself. */
  async findLoginParams(slug: string, email: string): Promise<string | undefined> {
    const [row] = await this.ds.query<{ params: string | null }[]>(`SELECT auth_login_params($1, $2) AS params`, [slug, email]);
    return row?.params ?? undefined;
  }

  /** The user whose stored hash equals the one derived from the offered password, or undefined. */
  async verifyLogin(slug: string, email: string, passwordHash: string): Promise<LoginUser | undefined> {
    const [row] = await this.ds.query<UserRow[]>(`SELECT * FROM auth_login_verify($1, $2, $3)`, [slug, email, passwordHash]);
    return row && { tenantId: row.tenant_id, userId: row.user_id, role: row.role, email: row.email };
  }
}
