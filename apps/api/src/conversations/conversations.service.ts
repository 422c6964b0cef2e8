import { BadRequestException, ForbiddenException, Injectable, NotFoundException } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import type { EntityManager } from 'typeorm';
import { recordAudit } from '#libs/database/audit/audit.repository.js';
import type { ConversationEntity, MessageEntity } from '#libs/database/entities/index.js';
import { TenantDb } from '#libs/database/tenant-db.js';
import { currentContext, currentTenantId } from '#libs/tenancy/tenant-context.js';
import type {
  ConversationDto,
  ConversationListDto,
  CreateConversationDto,
  ListConversationsQueryDto,
  ListMessagesQueryDto,
  MessageDto,
  MessageListDto,
  UpdateConversationDto,
} from './conversations.dto.js';
import { ConversationsRepository, type ConversationPatch } from './conversations.repository.js';
import { decodeCursor } from '../common/cursor.js';
import { toPageDto } from '../common/keyset-page.js';

export const toConversationDto = (c: ConversationEntity): ConversationDto => ({
  id: c.id,
  title: c.title ?? null,
  systemPrompt: c.systemPrompt ?? null,
  folderIds: c.folderIds ?? [],
  documentIds: c.documentIds ?? [],
  userId: c.userId,
  createdAt: c.createdAt,
  updatedAt: c.updatedAt,
});

export const toMessageDto = (msg: MessageEntity): MessageDto => ({
  id: msg.id,
  role: msg.role,
  content: msg.content,
  metadata: msg.metadata ?? {},
  createdAt: msg.createdAt,
});

const unique = (ids: string[] | undefined) => (ids ? [...new Set(ids.map((id) => id.toLowerCase()))] : undefined);
const notFound = () => new NotFoundException('Conversation not found');

/**
 * What the caller may do with a conversation they can see (RLS already hides
 * other tenants'):
 * - `read`: the owner, or a tenant admin (any conversation of the tenant);
 * - `write`: the owner only; a tenant admin gets 403 for someone else's;
 * - `owner`: the owner only; everyone else gets 404 (posting into a chat).
 * A member never learns that someone else's conversation exists (404).
 */
type Access = 'read' | 'write' | 'owner';

/**
 * Conversations of the current tenant. Each belongs to the user who created
 * it; tenant admins may read (not change) every conversation of the tenant.
 */
@Injectable()
export class ConversationsService {
  constructor(
    private readonly db: TenantDb,
    private readonly repo: ConversationsRepository,
  ) {}

  async create(dto: CreateConversationDto): Promise<ConversationDto> {
    const folderIds = unique(dto.folderIds) ?? [];
    const documentIds = unique(dto.documentIds) ?? [];
    const conversation = await this.db.run(async (m) => {
      await this.requireScope(m, folderIds, documentIds);
      const c = await this.repo.insert(m, {
        tenantId: currentTenantId(),
        id: randomUUID(),
        userId: currentContext().userId!,
        title: dto.title ?? null,
        systemPrompt: dto.systemPrompt ?? null,
        folderIds,
        documentIds,
      });
      await recordAudit(
        m,
        'conversation.created',
        { type: 'conversation', id: c.id },
        { folderIds: folderIds.length, documentIds: documentIds.length },
      );
      return c;
    });
    return toConversationDto(conversation);
  }

  /** `own` (default): the caller's conversations; `all`: the tenant's (tenant admin only). */
  async list(q: ListConversationsQueryDto): Promise<ConversationListDto> {
    const ctx = currentContext();
    const scope = q.scope ?? 'own';
    if (scope === 'all' && ctx.role !== 'admin') throw new ForbiddenException('scope=all requires the tenant admin role');
    const after = q.cursor ? decodeCursor(q.cursor) : undefined;
    const userId = scope === 'own' ? ctx.userId! : undefined;
    const page = await this.db.run((m) => this.repo.list(m, { userId, limit: q.limit ?? 20, after }));
    return toPageDto(page, toConversationDto);
  }

  async get(id: string): Promise<ConversationDto> {
    return toConversationDto(await this.db.run((m) => this.findAccessible(m, id, 'read')));
  }

  async update(id: string, dto: UpdateConversationDto): Promise<ConversationDto> {
    const fields = ['title', 'systemPrompt', 'folderIds', 'documentIds'] as const;
    if (fields.every((f) => dto[f] === undefined))
      throw new BadRequestException('Nothing to update: give title, systemPrompt, folderIds and/or documentIds');
    const patch: ConversationPatch = {};
    if (dto.title !== undefined) patch.title = dto.title;
    if (dto.systemPrompt !== undefined) patch.systemPrompt = dto.systemPrompt;
    if (dto.folderIds !== undefined) patch.folderIds = unique(dto.folderIds);
    if (dto.documentIds !== undefined) patch.documentIds = unique(dto.documentIds);
    const conversation = await this.db.run(async (m) => {
      await this.findAccessible(m, id, 'write');
      await this.requireScope(m, patch.folderIds ?? [], patch.documentIds ?? []);
      if (!(await this.repo.update(m, id, patch))) throw notFound();
      return (await this.repo.findById(m, id))!;
    });
    return toConversationDto(conversation);
  }

  /** Only the owner may delete; the messages (and their citations) go with it. */
  async delete(id: string): Promise<void> {
    await this.db.run(async (m) => {
      const c = await this.findAccessible(m, id, 'write');
      const messages = await this.repo.countMessages(m, id);
      if (!(await this.repo.delete(m, id))) throw notFound();
      await recordAudit(m, 'conversation.deleted', { type: 'conversation', id }, { ownerUserId: c.userId, messages });
    });
  }

  /** The messages, oldest first: the last `limit` (default 100), or those before the message `before`. */
  async messages(id: string, q: ListMessagesQueryDto): Promise<MessageListDto> {
    const rows = await this.db.run(async (m) => {
      await this.findAccessible(m, id, 'read');
      if (q.before && !(await this.repo.hasMessage(m, id, q.before))) throw new NotFoundException('Message not found in this conversation');
      return this.repo.listMessages(m, id, { limit: q.limit ?? 100, before: q.before });
    });
    return { items: rows.map(toMessageDto) };
  }

  /**
   * The conversation the caller is about to post into: the owner's own only.
   * Anyone else, a tenant admin included, gets 404 "Conversation not found".
   */
  async getForChat(id: string): Promise<ConversationEntity> {
    return this.db.run((m) => this.findAccessible(m, id, 'owner'));
  }

  private async findAccessible(m: EntityManager, id: string, access: Access): Promise<ConversationEntity> {
    const ctx = currentContext();
    const c = await this.repo.findById(m, id);
    if (!c) throw notFound();
    if (ctx.userId && c.userId === ctx.userId) return c;
    if (access === 'owner' || ctx.role !== 'admin') throw notFound(); // no existence oracle for members
    if (access === 'write') throw new ForbiddenException('Only the owner may change or delete a conversation');
    return c;
  }

  /** Every folder and document id must be one of the tenant's (RLS: another tenant's is unknown too). */
  private async requireScope(m: EntityManager, folderIds: string[], documentIds: string[]): Promise<void> {
    const folders = await this.repo.existingFolderIds(m, folderIds);
    if (folderIds.some((id) => !folders.has(id))) throw new NotFoundException('Folder not found');
    const documents = await this.repo.existingDocumentIds(m, documentIds);
    if (documentIds.some((id) => !documents.has(id))) throw new NotFoundException('Document not found');
  }
}
