import { Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
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

  async delete(m: EntityManager, id: string): Promise<boolean> {
    const res = await m.delete(UserEntity, { id });
    return (res.affected ?? 0) > 0;
  }
}
