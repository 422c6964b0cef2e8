import { Injectable, NotFoundException } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { TenantDb } from '#libs/database/tenant-db.js';
import type { TenantEntity } from '#libs/database/entities/index.js';
import { EmbeddingModels } from '#libs/embedding-sets/embedding-models.js';
import { EmbeddingSetsRepository } from '#libs/embedding-sets/embedding-sets.repository.js';
import { PlatformDb } from './platform-db.js';
import type { CreateTenantDto, TenantDto, UpdateTenantDto } from './tenants.dto.js';
import { TenantsRepository } from './tenants.repository.js';

const toDto = (t: TenantEntity): TenantDto => ({ id: t.id, name: t.name, slug: t.slug, settings: t.settings, createdAt: t.createdAt });

@Injectable()
export class TenantsService {
  constructor(
    private readonly db: TenantDb,
    private readonly platform: PlatformDb,
    private readonly repo: TenantsRepository,
    private readonly sets: EmbeddingSetsRepository,
    private readonly models: EmbeddingModels,
  ) {}

  /**
   * Through the platform role (the runtime role may not insert tenants). The new
   * tenant's row is written inside its own tenant context, so RLS WITH CHECK holds.
   * Its first embedding set, the platform default model, is written by the runtime
   * role (the platform role reaches tenants only); a tenant left without one gets it
   * at its first upload.
   */
  async create(dto: CreateTenantDto): Promise<TenantDto> {
    const id = randomUUID();
    const row = await this.platform.runFor(id, (m) =>
      this.repo.insert(m, { id, name: dto.name, slug: dto.slug, settings: { ...(dto.settings ?? {}) } }),
    );
    await this.db.runFor(id, (m) => this.sets.ensureActive(m, id, this.models.platformDefault));
    return toDto(row);
  }

  async list(): Promise<{ items: TenantDto[] }> {
    const rows = await this.platform.run((m) => this.repo.listAll(m));
    return { items: rows.map(toDto) };
  }

  /**
   * The platform role edits the row inside the tenant's own context (RLS), name and settings
   * only (its column grants). A new searchLanguage applies to documents ingested from then on
   * (reprocess the others). Rate budgets are memoised for up to 30 s (TenantLimitsService), so
   * new limits apply within that.
   */
  async update(id: string, dto: UpdateTenantDto): Promise<TenantDto> {
    const row = await this.platform.runFor(id, (m) =>
      this.repo.update(m, id, { name: dto.name, settings: dto.settings ? { ...dto.settings } : undefined }),
    );
    if (!row) throw new NotFoundException('Tenant not found');
    return toDto(row);
  }

  /** 404 unless the tenant exists; used before acting inside a named tenant. */
  async assertExists(tenantId: string): Promise<void> {
    const found = await this.db.runFor(tenantId, (m) => this.repo.findCurrent(m, tenantId));
    if (!found) throw new NotFoundException('Tenant not found');
  }
}
