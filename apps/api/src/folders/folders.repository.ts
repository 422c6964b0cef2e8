import { Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import { FolderEntity } from '#libs/database/entities/index.js';

/**
 * Folders of the current tenant. Every method takes the tenant transaction's
 * manager: RLS limits all of it to that tenant, the joins on tenant_id only
 * help the planner use the (tenant_id, ...) indexes.
 */
@Injectable()
export class FoldersRepository {
  async insert(m: EntityManager, row: Pick<FolderEntity, 'tenantId' | 'id' | 'userId' | 'parentId' | 'name'>): Promise<FolderEntity> {
    await m.insert(FolderEntity, row);
    return m.findOneByOrFail(FolderEntity, { id: row.id });
  }

  findById(m: EntityManager, id: string): Promise<FolderEntity | null> {
    return m.findOneBy(FolderEntity, { id });
  }

  /** Every folder, or only the direct children of parentId. */
  list(m: EntityManager, parentId?: string): Promise<FolderEntity[]> {
    return m.find(FolderEntity, { where: parentId ? { parentId } : {}, order: { name: 'ASC', id: 'ASC' } });
  }

  async update(m: EntityManager, id: string, patch: Partial<Pick<FolderEntity, 'name' | 'parentId'>>): Promise<boolean> {
    const res = await m.update(FolderEntity, { id }, patch); // also sets updated_at
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
         SELECT tenant_id, id, parent_id FROM folders WHERE id = $2
         UNION
         SELECT f.tenant_id, f.id, f.parent_id
           FROM folders f JOIN ancestors a ON f.tenant_id = a.tenant_id AND f.id = a.parent_id
       )
       SELECT EXISTS (SELECT 1 FROM ancestors WHERE id = $1) AS found`,
      [folderId, candidateId],
    );
    return rows[0]?.found === true;
  }

  /** What deleting the folder takes with it: its subfolders (all levels) and the documents left without a folder. */
  async deletionImpact(m: EntityManager, id: string): Promise<{ subfolders: number; documents: number }> {
    const rows: { subfolders: string; documents: string }[] = await m.query(
      `WITH RECURSIVE tree (tenant_id, id) AS (
         SELECT tenant_id, id FROM folders WHERE id = $1
         UNION
         SELECT f.tenant_id, f.id FROM folders f JOIN tree t ON f.tenant_id = t.tenant_id AND f.parent_id = t.id
       )
       SELECT (SELECT count(*) FROM tree) - 1 AS subfolders,
              (SELECT count(*) FROM documents d JOIN tree t ON d.tenant_id = t.tenant_id AND d.folder_id = t.id) AS documents`,
      [id],
    );
    return { subfolders: Math.max(0, Number(rows[0]?.subfolders ?? 0)), documents: Number(rows[0]?.documents ?? 0) };
  }

  /** Subfolders go with it (FK ON DELETE CASCADE); their documents get folder_id = NULL (FK ON DELETE SET NULL). */
  async delete(m: EntityManager, id: string): Promise<boolean> {
    const res = await m.delete(FolderEntity, { id });
    return (res.affected ?? 0) > 0;
  }
}
