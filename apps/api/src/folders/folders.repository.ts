import { Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import { currentTenantId } from '#libs/tenancy/tenant-context.js';
import { FolderEntity } from '#libs/database/entities/index.js';

/**
 * Folders of the current tenant. Every method takes the tenant transaction's
 * manager: RLS limits all of it to that tenant. Statements still name the tenant:
 * on Citus only a tenant_id equal to a value routes them to the tenant's one node
 * (and recursive CTEs need it there), and on one node it lets the planner use the
 * (tenant_id, ...) indexes.
 */
@Injectable()
export class FoldersRepository {
  async insert(m: EntityManager, row: Pick<FolderEntity, 'tenantId' | 'id' | 'userId' | 'parentId' | 'name'>): Promise<FolderEntity> {
    await m.insert(FolderEntity, row);
    return m.findOneByOrFail(FolderEntity, { tenantId: row.tenantId, id: row.id });
  }

  findById(m: EntityManager, id: string): Promise<FolderEntity | null> {
    return m.findOneBy(FolderEntity, { tenantId: currentTenantId(), id });
  }

  /** Every folder, or only the direct children of parentId. */
  list(m: EntityManager, parentId?: string): Promise<FolderEntity[]> {
    const tenantId = currentTenantId();
    return m.find(FolderEntity, { where: parentId ? { tenantId, parentId } : { tenantId }, order: { name: 'ASC', id: 'ASC' } });
  }

  async update(m: EntityManager, id: string, patch: Partial<Pick<FolderEntity, 'name' | 'parentId'>>): Promise<boolean> {
    const res = await m.update(FolderEntity, { tenantId: currentTenantId(), id }, patch); // also sets updated_at
    return (res.affected ?? 0) > 0;
  }

  /**
   * Serialises moves inside one tenant until the transaction ends, so two
   * concurrent moves (A under B, B under A) cannot both pass the cycle check.
   */
  async lockMoves(m: EntityManager, tenantId: string): Promise<void> {
    await m.query(`SELECT pg_advisory_xact_lock(hashtextextended('folders.move:' || $1, 0))`, [tenantId]);
  }

  /**
   * True when `candidateId` is `folderId` itself or one of its descendants,
   * i.e. when moving folderId under candidateId would make a cycle. Walks up
   * from the candidate (depth steps, not the whole subtree); UNION stops on
   * any cycle already present.
   */
  async isSelfOrDescendant(m: EntityManager, folderId: string, candidateId: string): Promise<boolean> {
    const rows: { found: boolean }[] = await m.query(
      `WITH RECURSIVE ancestors (tenant_id, id, parent_id) AS (
         SELECT tenant_id, id, parent_id FROM folders WHERE tenant_id = $3 AND id = $2
         UNION
         SELECT f.tenant_id, f.id, f.parent_id
           FROM folders f JOIN ancestors a ON f.tenant_id = $3 AND f.id = a.parent_id
       )
       SELECT EXISTS (SELECT 1 FROM ancestors WHERE id = $1) AS found`,
      [folderId, candidateId, currentTenantId()],
    );
    return rows[0]?.found === true;
  }

  /** What deleting the folder takes with it: its subfolders (all levels) and the documents left without a folder. */
  async deletionImpact(m: EntityManager, id: string): Promise<{ subfolders: number; documents: number }> {
    const rows: { subfolders: string; documents: string }[] = await m.query(
      `WITH RECURSIVE tree (tenant_id, id) AS (
         SELECT tenant_id, id FROM folders WHERE tenant_id = $2 AND id = $1
         UNION
         SELECT f.tenant_id, f.id FROM folders f JOIN tree t ON f.tenant_id = $2 AND f.parent_id = t.id
       )
       SELECT (SELECT count(*) FROM tree) - 1 AS subfolders,
              (SELECT count(*) FROM documents d JOIN tree t ON d.tenant_id = $2 AND d.folder_id = t.id) AS documents`,
      [id, currentTenantId()],
    );
    return { subfolders: Math.max(0, Number(rows[0]?.subfolders ?? 0)), documents: Number(rows[0]?.documents ?? 0) };
  }

  /**
   * Subfolders go with it (FK ON DELETE CASCADE); the documents of the whole tree stay, in no folder. That is
   * done here rather than by ON DELETE SET NULL, which Citus cannot run on distributed tables (migration
   * 1764000020000): one behaviour on both.
   */
  async delete(m: EntityManager, id: string): Promise<boolean> {
    const tenantId = currentTenantId();
    await m.query(
      `WITH RECURSIVE tree AS (
         SELECT id FROM folders WHERE tenant_id = $1 AND id = $2
         UNION ALL
         SELECT f.id FROM folders f JOIN tree t ON f.tenant_id = $1 AND f.parent_id = t.id
       )
       UPDATE documents SET folder_id = NULL WHERE tenant_id = $1 AND folder_id IN (SELECT id FROM tree)`,
      [tenantId, id],
    );
    const res = await m.delete(FolderEntity, { tenantId, id });
    return (res.affected ?? 0) > 0;
  }
}
