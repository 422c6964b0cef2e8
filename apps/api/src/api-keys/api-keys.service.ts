import { BadRequestException, Injectable, NotFoundException } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { recordAudit } from '#libs/database/audit/audit.repository.js';
import { TenantDb } from '#libs/database/tenant-db.js';
import { currentContext, currentTenantId } from '#libs/tenancy/tenant-context.js';
import { generateApiKey } from '../auth/api-key.js';
import { UsersRepository } from '../users/users.repository.js';
import type { ApiKeyDto, CreateApiKeyDto, CreatedApiKeyDto } from './api-keys.dto.js';
import { ApiKeysRepository } from './api-keys.repository.js';

@Injectable()
export class ApiKeysService {
  constructor(
    private readonly db: TenantDb,
    private readonly repo: ApiKeysRepository,
    private readonly users: UsersRepository,
  ) {}

  async create(dto: CreateApiKeyDto): Promise<CreatedApiKeyDto> {
    const userId = dto.userId ?? currentContext().userId;
    if (!userId) throw new BadRequestException('userId is required');
    const { key, prefix, hash } = generateApiKey();
    const id = randomUUID();
    await this.db.run(async (m) => {
      // The user must be in this tenant: RLS hides others, so they are "not found".
      if (!(await this.users.findById(m, userId))) throw new NotFoundException('User not found');
      await this.repo.insert(m, { tenantId: currentTenantId(), id, userId, name: dto.name, prefix, keyHash: hash });
      await recordAudit(m, 'api_key.created', { type: 'api_key', id }, { userId, prefix });
    });
    return { id, name: dto.name, key, userId, prefix };
  }

  async list(): Promise<{ items: ApiKeyDto[] }> {
    const rows = await this.db.run((m) => this.repo.list(m));
    return {
      items: rows.map((k) => ({
        id: k.id,
        name: k.name,
        userId: k.userId,
        prefix: k.prefix,
        createdAt: k.createdAt,
        lastUsedAt: k.lastUsedAt,
        revokedAt: k.revokedAt,
      })),
    };
  }

  async revoke(id: string): Promise<void> {
    await this.db.run(async (m) => {
      if (!(await this.repo.revoke(m, id))) throw new NotFoundException('API key not found');
      await recordAudit(m, 'api_key.revoked', { type: 'api_key', id });
    });
  }
}
