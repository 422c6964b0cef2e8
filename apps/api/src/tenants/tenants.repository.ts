import { Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import { TenantEntity, type TenantSettings } from '#libs/database/entities/index.js';

@Injectable()
export class TenantsRepository {
  async insert(m: EntityManager, row: { id: string; name: string; slug: string; settings: TenantSettings }): Promise<TenantEntity> {
    await m.insert(TenantEntity, row);
    return m.findOneByOrFail(TenantEntity, { id: row.id });
  }

  /** Only the current tenant's own row is visible (RLS). */
  findCurrent(m: EntityManager, id: string): Promise<TenantEntity | null> {
    return m.findOneBy(TenantEntity, { id });
  }

  /** The tenant's settings (prompt, quota, limits), or undefined when it is not the current tenant (RLS). */
  async settings(m: EntityManager, id: string): Promise<TenantSettings | undefined> {
    const row = await m.findOne(TenantEntity, { select: { id: true, settings: true }, where: { id } });
    return row?.settings;
  }

  /** Name and/or settings of the current tenant (RLS: no other row is visible); null when it does not exist. */
  async update(m: EntityManager, id: string, patch: { name?: string; settings?: TenantSettings }): Promise<TenantEntity | null> {
    if (patch.name !== undefined || patch.settings !== undefined) await m.update(TenantEntity, { id }, patch);
    return m.findOneBy(TenantEntity, { id });
  }

  /** The one cross-tenant read, through a SECURITY DEFINER function only the platform role may call. */
  async listAll(m: EntityManager): Promise<TenantEntity[]> {
    const rows = await m.query<{ id: string; name: string; slug: string; settings: TenantSettings; created_at: Date }[]>(
      `SELECT id, name, slug, settings, created_at FROM admin_list_tenants()`,
    );
    return rows.map((r) =>
      Object.assign(new TenantEntity(), { id: r.id, name: r.name, slug: r.slug, settings: r.settings, createdAt: r.created_at }),
    );
  }
}
