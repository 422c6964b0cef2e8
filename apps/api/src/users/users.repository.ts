import { Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import { currentTenantId } from '#libs/tenancy/tenant-context.js';
import { UserEntity } from '#libs/database/entities/index.js';

@Injectable()
export class UsersRepository {
  async insert(m: EntityManager, row: Pick<UserEntity, 'tenantId' | 'id' | 'email' | 'role' | 'passwordHash'>): Promise<UserEntity> {
    await m.insert(UserEntity, row);
    return m.findOneByOrFail(UserEntity, { id: row.id });
  }

  findById(m: EntityManager, id: string): Promise<UserEntity | null> {
    return m.findOneBy(UserEntity, { id });
  }

  list(m: EntityManager): Promise<UserEntity[]> {
    return m.find(UserEntity, { order: { createdAt: 'ASC', id: 'ASC' } });
  }

  async update(m: EntityManager, id: string, patch: Partial<Pick<UserEntity, 'role' | 'passwordHash'>>): Promise<boolean> {
    const res = await m.update(UserEntity, { id }, patch);
    return (res.affected ?? 0) > 0;
  }

  /**
   * Keys and conversations go with the user (ON DELETE CASCADE); folders, documents and audit entries
   * stay, with no owner. Those references are cleared here rather than by ON DELETE SET NULL, which
   * Citus cannot run on distributed tables (migration 1764000020000): one behaviour on both.
   */
  async delete(m: EntityManager, id: string): Promise<boolean> {
    const tenantId = currentTenantId();
    await m.query(`UPDATE folders SET user_id = NULL WHERE tenant_id = $1 AND user_id = $2`, [tenantId, id]);
    await m.query(`UPDATE documents SET user_id = NULL WHERE tenant_id = $1 AND user_id = $2`, [tenantId, id]);
    await m.query(`UPDATE audit_logs SET actor_user_id = NULL WHERE tenant_id = $1 AND actor_user_id = $2`, [tenantId, id]);
    const res = await m.delete(UserEntity, { tenantId, id });
    return (res.affected ?? 0) > 0;
  }
}
