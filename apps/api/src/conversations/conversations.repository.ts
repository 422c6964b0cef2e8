import { Injectable } from '@nestjs/common';
import type { EntityManager, QueryDeepPartialEntity } from 'typeorm';
import { ConversationEntity, MessageEntity } from '#libs/database/entities/index.js';
import { insertValues } from '#libs/database/insert-values.js';
import { currentTenantId } from '#libs/tenancy/tenant-context.js';
import type { KeysetCursor } from '../common/cursor.js';
import { keysetPage, type KeysetPage } from '../common/keyset-page.js';

export type ConversationRow = Pick<
  ConversationEntity,
  'tenantId' | 'id' | 'userId' | 'title' | 'systemPrompt' | 'folderIds' | 'documentIds'
>;
export type ConversationPatch = Partial<Pick<ConversationEntity, 'title' | 'systemPrompt' | 'folderIds' | 'documentIds'>>;

/** A new message; metadata defaults to {}. */
export interface NewMessage {
  tenantId: string;
  id: string;
  conversationId: string;
  role: MessageEntity['role'];
  content: string;
  metadata?: Record<string, unknown>;
}

/**
 * Conversations and their messages in the current tenant. Every method takes
 * the tenant transaction's manager: RLS limits all of it to that tenant.
 * Statements still name the tenant: on Citus that routes them to the tenant's
 * one node (folders.repository.ts). Who may see which conversation is the
 * service's business, not this one's.
 */
@Injectable()
export class ConversationsRepository {
  async insert(m: EntityManager, row: ConversationRow): Promise<ConversationEntity> {
    await m.insert(ConversationEntity, row);
    return m.findOneByOrFail(ConversationEntity, { tenantId: row.tenantId, id: row.id });
  }

  findById(m: EntityManager, id: string): Promise<ConversationEntity | null> {
    return m.findOneBy(ConversationEntity, { tenantId: currentTenantId(), id });
  }

  /** Most recently updated first (updated_at, id); userId limits it to one owner's conversations. */
  list(m: EntityManager, f: { userId?: string; limit: number; after?: KeysetCursor }): Promise<KeysetPage<ConversationEntity>> {
    const qb = m.createQueryBuilder(ConversationEntity, 'c').where('c.tenant_id = :tenantId', { tenantId: currentTenantId() });
    if (f.userId) qb.andWhere('c.user_id = :userId', { userId: f.userId });
    return keysetPage(qb, 'updated_at', f.limit, f.after);
  }

  async update(m: EntityManager, id: string, patch: ConversationPatch): Promise<boolean> {
    const res = await m.update(ConversationEntity, { tenantId: currentTenantId(), id }, patch); // also sets updated_at
    return (res.affected ?? 0) > 0;
  }

  /** Messages (and their citations) go with it: ON DELETE CASCADE. */
  async delete(m: EntityManager, id: string): Promise<boolean> {
    const res = await m.delete(ConversationEntity, { tenantId: currentTenantId(), id });
    return (res.affected ?? 0) > 0;
  }

  /** The ids among `ids` that are folders of the tenant. */
  async existingFolderIds(m: EntityManager, ids: string[]): Promise<Set<string>> {
    if (!ids.length) return new Set();
    const rows: { id: string }[] = await m.query('SELECT id FROM folders WHERE tenant_id = $2 AND id = ANY($1::uuid[])', [
      ids,
      currentTenantId(),
    ]);
    return new Set(rows.map((r) => r.id));
  }

  /** The ids among `ids` that are documents of the tenant. */
  async existingDocumentIds(m: EntityManager, ids: string[]): Promise<Set<string>> {
    if (!ids.length) return new Set();
    const rows: { id: string }[] = await m.query('SELECT id FROM documents WHERE tenant_id = $2 AND id = ANY($1::uuid[])', [
      ids,
      currentTenantId(),
    ]);
    return new Set(rows.map((r) => r.id));
  }

  countMessages(m: EntityManager, conversationId: string): Promise<number> {
    return m.countBy(MessageEntity, { tenantId: currentTenantId(), conversationId });
  }

  /** True when the message exists and belongs to the conversation. */
  async hasMessage(m: EntityManager, conversationId: string, messageId: string): Promise<boolean> {
    return m.existsBy(MessageEntity, { tenantId: currentTenantId(), conversationId, id: messageId });
  }

  /**
   * The last `limit` messages of the conversation, oldest first (created_at,
   * id); with `before`, only those older than that message (paging back).
   */
  async listMessages(m: EntityManager, conversationId: string, f: { limit: number; before?: string }): Promise<MessageEntity[]> {
    const qb = m
      .createQueryBuilder(MessageEntity, 'msg')
      .where('msg.tenant_id = :tenantId AND msg.conversation_id = :conversationId', { tenantId: currentTenantId(), conversationId })
      .orderBy('msg.created_at', 'DESC')
      .addOrderBy('msg.id', 'DESC')
      .limit(f.limit);
    if (f.before) {
      qb.andWhere(
        `(msg.created_at, msg.id) < (SELECT b.created_at, b.id FROM messages b
           WHERE b.tenant_id = :tenantId AND b.conversation_id = :conversationId AND b.id = :before)`,
        { before: f.before },
      );
    }
    return (await qb.getMany()).reverse();
  }

  /** The last `limit` messages of the conversation, oldest first: the chat history to send to the model. */
  recentMessages(m: EntityManager, conversationId: string, limit: number): Promise<MessageEntity[]> {
    return this.listMessages(m, conversationId, { limit });
  }

  /** The citations of an assistant message, ranked 1..n; a chunk's document deleted meanwhile is stored as NULL. */
  async addCitations(
    m: EntityManager,
    tenantId: string,
    messageId: string,
    citations: { chunkId: string; documentId: string; similarity: number }[],
  ): Promise<void> {
    if (!citations.length) return;
    // Two statements rather than INSERT … SELECT over unnest(): on Citus that form is carried out by COPY, which
    // row-level security forbids (libs/database/insert-values.ts); a handful of rows as VALUES costs nothing.
    const existing = await this.existingDocumentIds(
      m,
      citations.map((c) => c.documentId),
    );
    await insertValues(
      m,
      'message_citations',
      ['tenant_id', 'message_id', 'rank', 'chunk_id', 'document_id', 'similarity'],
      ['uuid', 'uuid', 'int', 'uuid', 'uuid', 'real'],
      citations.map((c, i) => [tenantId, messageId, i + 1, c.chunkId, existing.has(c.documentId) ? c.documentId : null, c.similarity]),
    );
  }

  /**
   * Appends a message (created_at = clock_timestamp(), so messages of one
   * transaction keep their order) and bumps the conversation's updated_at so
   * it rises to the top of the list. Returns the stored row.
   */
  async addMessage(m: EntityManager, row: NewMessage): Promise<MessageEntity> {
    await m.insert(MessageEntity, {
      tenantId: row.tenantId,
      id: row.id,
      conversationId: row.conversationId,
      role: row.role,
      content: row.content,
      metadata: (row.metadata ?? {}) as QueryDeepPartialEntity<MessageEntity['metadata']>, // jsonb: any object
    });
    // The message's own time, read back rather than clock_timestamp() in the UPDATE: Citus refuses volatile functions there.
    await m.query(
      `UPDATE conversations SET updated_at = greatest(updated_at, (SELECT created_at FROM messages WHERE tenant_id = $1 AND id = $3))
       WHERE tenant_id = $1 AND id = $2`,
      [row.tenantId, row.conversationId, row.id],
    );
    return m.findOneByOrFail(MessageEntity, { tenantId: row.tenantId, id: row.id });
  }
}
