import { Injectable } from '@nestjs/common';
import { IsNull, type EntityManager } from 'typeorm';
import { ApiKeyEntity } from '#libs/database/entities/index.js';

@Injectable()
export class ApiKeysRepository {
  async insert(m: EntityManager, row: Pick<ApiKeyEntity, 'tenantId' | 'id' | 'userId' | 'name' | 'prefix' | 'keyHash'>): Promise<void> {
    await m.insert(ApiKeyEntity, row);
  }

  list(m: EntityManager): Promise<ApiKeyEntity[]> {
    return m.find(ApiKeyEntity, { order: { createdAt: 'ASC', id: 'ASC' } });
  }

  async revoke(m: EntityManager, id: string): Promise<boolean> {
    const res = await m.update(ApiKeyEntity, { id, revokedAt: IsNull() }, { revokedAt: () => 'now()' });
    return (res.affected ?? 0) > 0;
  }
}
