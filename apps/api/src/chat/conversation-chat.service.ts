import { Injectable } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import type { ChatMessage } from '#libs/ai/chat/chat-provider.js';
import { TenantDb } from '#libs/database/tenant-db.js';
import { currentTenantId } from '#libs/tenancy/tenant-context.js';
import { ConversationsRepository } from '../conversations/conversations.repository.js';
import { ConversationsService, toMessageDto } from '../conversations/conversations.service.js';
import type { MessageDto } from '../conversations/conversations.dto.js';
import { UsageService } from '../usage/usage.service.js';
import { ChatService, type PreparedTurn, type TurnResult } from './chat.service.js';

/** A chat turn inside a stored conversation: the user message in, the cited answer out, both kept. */
@Injectable()
export class ConversationChatService {
  constructor(
    private readonly db: TenantDb,
    private readonly chat: ChatService,
    private readonly conversations: ConversationsService,
    private readonly repo: ConversationsRepository,
    private readonly usage: UsageService,
  ) {}

  /** Checks access and quota, stores the question, retrieves and builds the prompt. */
  async begin(conversationId: string, content: string, topK: number, signal: AbortSignal): Promise<PreparedTurn> {
    const conversation = await this.conversations.getForChat(conversationId);
    await this.usage.assertWithinQuota();
    const history = await this.db.run(async (m) => {
      const earlier = await this.repo.recentMessages(m, conversationId, 12);
      await this.repo.addMessage(m, { tenantId: currentTenantId(), id: randomUUID(), conversationId, role: 'user', content });
      return earlier.filter((x) => x.role !== 'system').map((x): ChatMessage => ({ role: x.role, content: x.content }));
    });
    return this.chat.prepare({
      question: content,
      history,
      systemPrompt: conversation.systemPrompt,
      topK,
      signal,
      scope: { folderIds: conversation.folderIds, documentIds: conversation.documentIds },
    });
  }

  run(turn: PreparedTurn, onToken: (t: string) => void, signal: AbortSignal): Promise<TurnResult> {
    return this.chat.run(turn, onToken, signal);
  }

  /** Stores the answer with its citations, model, usage and latency, and counts the tokens. */
  async finish(conversationId: string, turn: PreparedTurn, result: TurnResult): Promise<MessageDto> {
    const id = randomUUID();
    const stored = await this.db.run(async (m) => {
      const msg = await this.repo.addMessage(m, {
        tenantId: currentTenantId(),
        id,
        conversationId,
        role: 'assistant',
        content: result.text,
        metadata: {
          citations: result.citations,
          model: result.model,
          usage: result.usage,
          latencyMs: result.latencyMs,
          searchQuery: turn.searchQuery,
          ...(result.aborted ? { aborted: true } : {}),
        },
      });
      await this.repo.addCitations(m, currentTenantId(), id, result.citations);
      await this.usage.record(m, 'chat', result.model, result.usage);
      return msg;
    });
    return toMessageDto(stored);
  }
}
