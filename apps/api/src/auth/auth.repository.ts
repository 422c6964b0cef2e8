import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { inTenantTransactionFor } from '#libs/database/tenant-transaction.js';
import type { TenantRole } from '#libs/tenancy/tenant-context.js';

export interface KeyOwner { tenantId: string; userId: string; role: TenantRole; email: string; keyId: string }
export interface LoginCandidate { tenantId: string; userId: string; role: TenantRole; email: string; passwordHash: string | null }

/**
 * The pre-tenant lookups. They go through narrow SECURITY DEFINER functions
 * (see the init migration), never through a role that can see every tenant.
 */
@Injectable()
export class AuthRepository {
  constructor(private readonly ds: DataSource) {}

  async findApiKeyOwner(keyHash: string): Promise<KeyOwner | undefined> {
    const [row] = await this.ds.query(`SELECT * FROM auth_api_key($1)`, [keyHash]);
    return row && { tenantId: row.tenant_id, userId: row.user_id, role: row.role, email: row.email, keyId: row.key_id };
  }

  /** The user as it is now (RLS-scoped to the token's tenant): deleted users and role changes take effect at once. */
  async currentUser(tenantId: string, userId: string): Promise<{ role: TenantRole; email: string } | undefined> {
    const [row] = await inTenantTransactionFor(this.ds, tenantId, (m) => m.query(`SELECT role, email FROM users WHERE id = $1`, [userId]));
    return row;
  }

  async findLoginCandidate(slug: string, email: string): Promise<LoginCandidate | undefined> {
    const [row] = await this.ds.query(`SELECT * FROM auth_login_lookup($1, $2)`, [slug, email]);
    return row && { tenantId: row.tenant_id, userId: row.user_id, role: row.role, email: row.email, passwordHash: row.password_hash };
  }
}
