import { BadRequestException, ConflictException, ForbiddenException, Injectable, NotFoundException } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { QueryFailedError, type EntityManager } from 'typeorm';
import { recordAudit } from '#libs/database/audit/audit.repository.js';
import type { FolderEntity } from '#libs/database/entities/index.js';
import { TenantDb } from '#libs/database/tenant-db.js';
import { currentContext, currentTenantId } from '#libs/tenancy/tenant-context.js';
import type { CreateFolderDto, FolderDto, ListFoldersQueryDto, UpdateFolderDto } from './folders.dto.js';
import { FoldersRepository } from './folders.repository.js';

const toDto = (f: FolderEntity): FolderDto => ({
  id: f.id,
  name: f.name,
  parentId: f.parentId ?? null,
  userId: f.userId ?? null,
  createdAt: f.createdAt,
  updatedAt: f.updatedAt,
});
const pgCode = (e: unknown) => (e instanceof QueryFailedError ? (e as { code?: string }).code : undefined);
const duplicateName = (name: string, parentId: string | null) =>
  new ConflictException(`A folder named "${name}" already exists ${parentId ? 'in this parent folder' : 'at the top level'}`);

/** Folders of the current tenant (RLS hides every other tenant's, so their ids are "not found"). */
@Injectable()
export class FoldersService {
  constructor(
    private readonly db: TenantDb,
    private readonly repo: FoldersRepository,
  ) {}

  async create(dto: CreateFolderDto): Promise<FolderDto> {
    const parentId = dto.parentId ?? null;
    try {
      const folder = await this.db.run(async (m) => {
        if (parentId) await this.requireParent(m, parentId);
        const f = await this.repo.insert(m, {
          tenantId: currentTenantId(),
          id: randomUUID(),
          userId: currentContext().userId!,
          parentId,
          name: dto.name,
        });
        await recordAudit(m, 'folder.created', { type: 'folder', id: f.id }, { name: f.name, parentId });
        return f;
      });
      return toDto(folder);
    } catch (e) {
      if (pgCode(e) === '23505') throw duplicateName(dto.name, parentId);
      if (pgCode(e) === '23503') throw new NotFoundException('Parent folder not found'); // deleted meanwhile
      throw e;
    }
  }

  async list(query: ListFoldersQueryDto): Promise<{ items: FolderDto[] }> {
    const rows = await this.db.run(async (m) => {
      if (query.parentId) await this.requireParent(m, query.parentId);
      return this.repo.list(m, query.parentId);
    });
    return { items: rows.map(toDto) };
  }

  async get(id: string): Promise<FolderDto> {
    const f = await this.db.run((m) => this.repo.findById(m, id));
    if (!f) throw new NotFoundException('Folder not found');
    return toDto(f);
  }

  /** Rename and/or move. Moving under itself or a descendant is refused (it would cut the subtree off in a cycle). */
  async update(id: string, dto: UpdateFolderDto): Promise<FolderDto> {
    if (dto.name === undefined && dto.parentId === undefined) throw new BadRequestException('Nothing to update: give name and/or parentId');
    let name = dto.name; // for the conflict message
    let parent = dto.parentId ?? null;
    try {
      const folder = await this.db.run(async (m) => {
        const moving = dto.parentId !== undefined;
        if (moving && dto.parentId) await this.repo.lockMoves(m, currentTenantId()); // before reading the tree
        const current = await this.repo.findById(m, id);
        if (!current) throw new NotFoundException('Folder not found');
        name ??= current.name;
        if (dto.parentId === undefined) parent = current.parentId;

        const patch: { name?: string; parentId?: string | null } = {};
        if (dto.name !== undefined && dto.name !== current.name) patch.name = dto.name;
        if (moving && (dto.parentId ?? null) !== current.parentId) {
          const target = dto.parentId ?? null;
          if (target) {
            await this.requireParent(m, target);
            if (await this.repo.isSelfOrDescendant(m, id, target)) {
              throw new BadRequestException('a folder cannot be moved into itself or its descendants');
            }
          }
          patch.parentId = target;
        }
        if (patch.name === undefined && patch.parentId === undefined) return current; // nothing changes

        if (!(await this.repo.update(m, id, patch))) throw new NotFoundException('Folder not found');
        if (patch.name !== undefined)
          await recordAudit(m, 'folder.renamed', { type: 'folder', id }, { from: current.name, to: patch.name });
        if (patch.parentId !== undefined)
          await recordAudit(m, 'folder.moved', { type: 'folder', id }, { fromParentId: current.parentId, toParentId: patch.parentId });
        return (await this.repo.findById(m, id))!;
      });
      return toDto(folder);
    } catch (e) {
      if (pgCode(e) === '23505') throw duplicateName(name ?? '', parent);
      if (pgCode(e) === '23503') throw new NotFoundException('Parent folder not found');
      throw e;
    }
  }

  /**
   * Deletes the folder and, by the FK cascade, all its subfolders; documents
   * in any of them stay and move to no folder (FK SET NULL). Only the tenant
   * admin or the folder's creator may delete.
   */
  async delete(id: string): Promise<void> {
    const ctx = currentContext();
    await this.db.run(async (m) => {
      const folder = await this.repo.findById(m, id);
      if (!folder) throw new NotFoundException('Folder not found');
      if (ctx.role !== 'admin' && (!folder.userId || folder.userId !== ctx.userId)) {
        throw new ForbiddenException("Only a tenant admin or the folder's creator may delete it");
      }
      const impact = await this.repo.deletionImpact(m, id);
      if (!(await this.repo.delete(m, id))) throw new NotFoundException('Folder not found');
      await recordAudit(
        m,
        'folder.deleted',
        { type: 'folder', id },
        {
          name: folder.name,
          parentId: folder.parentId,
          deletedSubfolders: impact.subfolders,
          documentsMovedToNoFolder: impact.documents,
        },
      );
    });
  }

  private async requireParent(m: EntityManager, parentId: string): Promise<void> {
    if (!(await this.repo.findById(m, parentId))) throw new NotFoundException('Parent folder not found');
  }
}
