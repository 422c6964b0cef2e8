import { BadRequestException, Body, Controller, Get, HttpCode, Post, Req, Res } from '@nestjs/common';
import { ApiBearerAuth, ApiOkResponse, ApiTags } from '@nestjs/swagger';
import type { Request, Response } from 'express';
import { randomUUID } from 'node:crypto';
import type { ChatMessage, ChatUsage } from '#libs/ai/chat/chat-provider.js';
import { ApiErrors } from '../common/api-errors.decorator.js';
import { streamErrorMessage } from '../common/stream-error.js';
import { ChatService } from '../chat/chat.service.js';
import { abortOnDisconnect, openEventStream } from '../chat/sse.js';
import { UsageService } from '../usage/usage.service.js';
import { ChatCompletionRequestDto } from './openai-compat.dto.js';
import { RateClass, RateLimited } from '../admission/rate-class.js';

/** Token counts as OpenAI names them. */
const openAIUsage = (u: ChatUsage) => ({ prompt_tokens: u.promptTokens, completion_tokens: u.completionTokens, total_tokens: u.promptTokens + u.completionTokens });

/**
 * `/openai/v1`: any OpenAI client (SDKs, chat front ends) talks to a tenant's
 * documents with one of our bearer tokens. The last user message is answered
 * with retrieval over the tenant's documents; earlier messages are history.
 */
@ApiTags('openai-compatible')
@ApiBearerAuth()
@Controller('openai/v1')
export class OpenAICompatController {
  constructor(private readonly chat: ChatService, private readonly usage: UsageService) {}

  @Get('models')
  @ApiOkResponse({ description: 'The one model this endpoint serves: retrieval over your documents' })
  @ApiErrors(401)
  models() {
    return { object: 'list', data: [{ id: this.chat.model, object: 'model', created: 0, owned_by: 'ragdocs' }] };
  }

  @Post('chat/completions')
  @RateLimited(RateClass.OpenAI)
  @HttpCode(200)
  @ApiOkResponse({ description: '`chat.completion`, or with `stream: true` `chat.completion.chunk` events ending with `data: [DONE]`' })
  @ApiErrors(400, 401, 429)
  async completions(@Body() body: ChatCompletionRequestDto, @Req() req: Request, @Res() res: Response): Promise<void> {
    const lastUser = body.messages.map((m) => m.role).lastIndexOf('user');
    if (lastUser < 0) throw new BadRequestException('messages must contain a user message');
    const question = body.messages[lastUser].content;
    const clientSystem = body.messages.filter((m) => m.role === 'system' || m.role === 'developer').map((m) => m.content).join('\n\n');
    const history = body.messages.slice(0, lastUser).filter((m) => m.role === 'user' || m.role === 'assistant') as ChatMessage[];

    await this.usage.assertWithinQuota();
    const abort = abortOnDisconnect(res);
    const turn = await this.chat.prepare({ question, history, systemPrompt: clientSystem || null, topK: 5, signal: abort.signal });
    const id = `chatcmpl-${randomUUID().replace(/-/g, '')}`;
    const created = Math.floor(Date.now() / 1000);
    const model = this.chat.model;

    if (!body.stream) {
      const result = await this.chat.run(turn, () => undefined, abort.signal);
      await this.chat.recordUsage(result);
      res.status(200).json({
        id, object: 'chat.completion', created, model,
        choices: [{ index: 0, message: { role: 'assistant', content: result.text, refusal: null }, logprobs: null, finish_reason: 'stop' }],
        usage: openAIUsage(result.usage),
        citations: result.citations,
      });
      return;
    }

    const sse = openEventStream(res, abort);
    const chunk = (delta: Record<string, unknown>, finish: string | null, extra: Record<string, unknown> = {}) =>
      sse.data({ id, object: 'chat.completion.chunk', created, model, choices: [{ index: 0, delta, logprobs: null, finish_reason: finish }], ...extra });
    try {
      chunk({ role: 'assistant', content: '' }, null);
      const result = await this.chat.run(turn, (text) => chunk({ content: text }, null), abort.signal);
      await this.chat.recordUsage(result);
      chunk({}, 'stop', { citations: result.citations, ...(body.stream_options?.include_usage ? { usage: openAIUsage(result.usage) } : {}) });
      sse.data('[DONE]');
    } catch (e) {
      sse.data({ error: { message: streamErrorMessage(e, req), type: 'server_error' } });
    } finally {
      sse.end();
    }
  }
}
