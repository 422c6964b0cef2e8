import { Injectable } from '@nestjs/common';
import { IsNull, type EntityManager } from 'typeorm';
import { currentTenantId } from '#libs/tenancy/tenant-context.js';
import { ApiKeyEntity } from '#libs/database/entities/index.js';

@Injectable()
export class ApiKeysRepository {
  async insert(m: EntityManager, row: Pick<ApiKeyEntity, 'tenantId' | 'id' | 'userId' | 'name' | 'prefix' | 'keyHash'>): Promise<void> {
    await m.insert(ApiKeyEntity, row);
  }

  list(m: EntityManager): Promise<ApiKeyEntity[]> {
    return m.find(ApiKeyEntity, { order: { createdAt: 'ASC', id: 'ASC' } });
  }

  /** Stamps last_used_at unless it was stamped less than `minIntervalSeconds` ago (any process's write counts). */
  async touch(m: EntityManager, id: string, minIntervalSeconds: number): Promise<boolean> {
    const res = await m
      .createQueryBuilder()
      .update(ApiKeyEntity)
      .set({ lastUsedAt: () => 'now()' })
      .where('tenant_id = :tenantId AND id = :id', { tenantId: currentTenantId(), id }) // by value: one shard on Citus
      .andWhere('(last_used_at IS NULL OR last_used_at < now() - make_interval(secs => :secs))', { secs: minIntervalSeconds })
      .execute();
    return (res.affected ?? 0) > 0;
  }

  async revoke(m: EntityManager, id: string): Promise<boolean> {
    const res = await m.update(ApiKeyEntity, { id, revokedAt: IsNull() }, { revokedAt: () => 'now()' });
    return (res.affected ?? 0) > 0;
  }
}
