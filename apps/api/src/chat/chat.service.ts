import { Inject, Injectable, Logger } from '@nestjs/common';
import { CHAT_PROVIDER } from '#libs/ai/chat/chat.factory.js';
import { completeChat, type ChatMessage, type ChatProvider, type ChatUsage, type GroundingSource } from '#libs/ai/chat/chat-provider.js';
import { TenantDb } from '#libs/database/tenant-db.js';
import { countTokens } from '#libs/ai/tokenizer.js';
import { buildPrompt, citedSourceNumbers, rewritePrompt, toGroundingSources } from '#libs/retrieval/prompt.js';
import { SearchService } from '#libs/retrieval/search.service.js';
import type { Citation, SearchHit, SearchScope } from '#libs/retrieval/search.types.js';
import { currentTenantId } from '#libs/tenancy/tenant-context.js';
import { TenantsRepository } from '../tenants/tenants.repository.js';
import { UsageService } from '../usage/usage.service.js';

/** Everything decided before the model is called. */
export interface PreparedTurn {
  messages: ChatMessage[];
  question: string;
  searchQuery: string;
  hits: SearchHit[];
  sources: GroundingSource[];
  startedAt: number;
}

export interface TurnResult {
  text: string;
  usage: ChatUsage;
  citations: Citation[];
  model: string;
  latencyMs: number;
  aborted: boolean;
}

const HISTORY_MESSAGES = 12;
const HISTORY_TOKEN_BUDGET = 2000;

/**
 * A retrieval-augmented turn: (rewrite) -> retrieve -> prompt -> stream. Used
 * by the conversation route and the OpenAI-compatible endpoint. No database
 * connection is held while the model streams: reads and writes are separate
 * short transactions before and after.
 */
@Injectable()
export class ChatService {
  private readonly logger = new Logger(ChatService.name);

  constructor(
    private readonly db: TenantDb,
    private readonly search: SearchService,
    private readonly usage: UsageService,
    private readonly tenants: TenantsRepository,
    @Inject(CHAT_PROVIDER) private readonly provider: ChatProvider,
  ) {}

  get model(): string {
    return this.provider.model;
  }

  async prepare(input: {
    question: string;
    history: ChatMessage[];
    systemPrompt?: string | null;
    scope?: SearchScope;
    topK: number;
    signal?: AbortSignal;
  }): Promise<PreparedTurn> {
    const startedAt = Date.now();
    const searchQuery = await this.standaloneQuery(input.history, input.question, input.signal);
    const hits = await this.search.search({ query: searchQuery, topK: input.topK, mode: 'hybrid', ...input.scope }, input.signal);
    const sources = toGroundingSources(hits);
    const systemPrompt = input.systemPrompt ?? (await this.tenantSystemPrompt());
    const messages = buildPrompt({
      systemPrompt,
      sources,
      history: input.history.slice(-HISTORY_MESSAGES),
      question: input.question,
      historyTokenBudget: HISTORY_TOKEN_BUDGET,
    });
    return { messages, question: input.question, searchQuery, hits, sources, startedAt };
  }

  /** Streams the answer; `onToken` sees each piece. Aborting (client gone) stops the upstream request. */
  async run(turn: PreparedTurn, onToken: (text: string) => void, signal: AbortSignal): Promise<TurnResult> {
    let text = '';
    let usage: ChatUsage | undefined;
    let aborted = false;
    try {
      for await (const chunk of this.provider.stream({
        messages: turn.messages,
        grounding: { question: turn.question, sources: turn.sources },
        signal,
      })) {
        if (chunk.type === 'token') {
          text += chunk.text;
          onToken(chunk.text);
        } else usage = chunk.usage;
      }
    } catch (e) {
      if (!signal.aborted) throw e;
      aborted = true;
    }
    const cited = new Set(citedSourceNumbers(text, turn.sources, !this.provider.local));
    const citations = turn.hits
      .filter((_, i) => cited.has(i + 1))
      .map((h) => ({
        chunkId: h.chunkId,
        documentId: h.documentId,
        filename: h.filename,
        pageFrom: h.pageFrom,
        pageTo: h.pageTo,
        section: h.section,
        similarity: h.similarity,
      }));
    return {
      text,
      usage: usage ?? { promptTokens: countTokens(turn.messages.map((m) => m.content).join('\n')), completionTokens: countTokens(text) },
      citations,
      model: this.provider.model,
      latencyMs: Date.now() - turn.startedAt,
      aborted,
    };
  }

  /** Records the turn's tokens for the tenant (quota and billing). */
  recordUsage(result: TurnResult): Promise<void> {
    return this.db.run((m) => this.usage.record(m, 'chat', result.model, result.usage));
  }

  /** A follow-up ("and the second one?") becomes a standalone query, when a real LLM is configured. */
  private async standaloneQuery(history: ChatMessage[], question: string, signal?: AbortSignal): Promise<string> {
    if (this.provider.local || history.length === 0) return question;
    try {
      const { text } = await completeChat(this.provider, { messages: rewritePrompt(history.slice(-6), question), maxTokens: 100, signal });
      const q = text.trim().replace(/^["']|["']$/g, '');
      return q && q.length <= 1000 ? q : question;
    } catch (e) {
      if (signal?.aborted) throw e;
      this.logger.warn(`query rewrite failed, using the question as is: ${(e as Error).message}`);
      return question;
    }
  }

  private async tenantSystemPrompt(): Promise<string | null> {
    const tenantId = currentTenantId();
    return (await this.db.run((m) => this.tenants.settings(m, tenantId)))?.systemPrompt ?? null;
  }
}
