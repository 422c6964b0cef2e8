import { BadRequestException, Body, Controller, Get, HttpCode, Post, Req, Res } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { TenantAuth } from '../auth/auth.decorators.js';
import type { Request, Response } from 'express';
import { randomUUID } from 'node:crypto';
import type { ChatMessage, ChatUsage } from '#libs/ai/chat/chat-provider.js';
import { ApiErrors } from '../common/api-errors.decorator.js';
import { streamErrorMessage } from '../common/stream-error.js';
import { ChatService } from '../chat/chat.service.js';
import { abortOnDisconnect, openEventStream } from '../chat/sse.js';
import { UsageService } from '../usage/usage.service.js';
import { ApiEventStream } from '../common/api-event-stream.decorator.js';
import {
  ChatCompletionChunkDto,
  ChatCompletionDto,
  ChatCompletionRequestDto,
  ChatCompletionStreamErrorDto,
  OpenAIModelListDto,
} from './openai-compat.dto.js';
import { RateClass, RateLimited } from '../admission/rate-class.js';

/** Token counts as OpenAI names them. */
const openAIUsage = (u: ChatUsage) => ({
  prompt_tokens: u.promptTokens,
  completion_tokens: u.completionTokens,
  total_tokens: u.promptTokens + u.completionTokens,
});

/**
 * `/openai/v1`: any OpenAI client (SDKs, chat front ends) talks to a tenant's
 * documents with one of our bearer tokens. The last user message is answered
 * with retrieval over the tenant's documents; earlier messages are history.
 */
@ApiTags('openai-compatible')
@TenantAuth()
@Controller('openai/v1')
export class OpenAICompatController {
  constructor(
    private readonly chat: ChatService,
    private readonly usage: UsageService,
  ) {}

  @Get('models')
  @ApiOperation({
    summary: 'List the models (OpenAI-compatible)',
    description: 'The one model this endpoint serves: the configured chat model, answering from your documents.',
  })
  @ApiOkResponse({ type: OpenAIModelListDto })
  @ApiErrors(401, 403)
  models(): OpenAIModelListDto {
    return { object: 'list', data: [{ id: this.chat.model, object: 'model', created: 0, owned_by: 'ragdocs' }] };
  }

  @Post('chat/completions')
  @RateLimited(RateClass.OpenAI)
  @HttpCode(200)
  @ApiOperation({
    summary: 'Answer a chat (OpenAI-compatible)',
    description:
      "The last user message is answered from your tenant's documents (hybrid retrieval, top 5), earlier user and assistant " +
      'messages are history, system and developer messages are added to the system prompt. Sampling options are accepted and ignored. ' +
      '`chat.completion`, or with `stream: true` `chat.completion.chunk` events ending with `data: [DONE]`; both carry `citations`.',
  })
  @ApiEventStream({
    description: '`chat.completion` (JSON), or with `stream: true` Server-Sent Events: `chat.completion.chunk`…, then `data: [DONE]`',
    json: ChatCompletionDto,
    events: { message: ChatCompletionChunkDto, error: ChatCompletionStreamErrorDto },
    example:
      'data: {"id":"chatcmpl-…","object":"chat.completion.chunk","created":1767225600,"model":"local-extractive","choices":[{"index":0,"delta":{"content":"Hold "},"logprobs":null,"finish_reason":null}]}\n\n' +
      '…\n\ndata: {"id":"chatcmpl-…","object":"chat.completion.chunk",…,"choices":[{"index":0,"delta":{},"logprobs":null,"finish_reason":"stop"}],"citations":[…]}\n\ndata: [DONE]\n\n',
  })
  @ApiErrors(400, 401, 403, 429, 502, 503)
  async completions(@Body() body: ChatCompletionRequestDto, @Req() req: Request, @Res() res: Response): Promise<void> {
    const lastUser = body.messages.map((m) => m.role).lastIndexOf('user');
    const question = body.messages[lastUser]?.content;
    if (question === undefined) throw new BadRequestException('messages must contain a user message');
    const clientSystem = body.messages
      .filter((m) => m.role === 'system' || m.role === 'developer')
      .map((m) => m.content)
      .join('\n\n');
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
        id,
        object: 'chat.completion',
        created,
        model,
        choices: [{ index: 0, message: { role: 'assistant', content: result.text, refusal: null }, logprobs: null, finish_reason: 'stop' }],
        usage: openAIUsage(result.usage),
        citations: result.citations,
      });
      return;
    }

    const sse = openEventStream(res, abort);
    const chunk = (delta: Record<string, unknown>, finish: string | null, extra: Record<string, unknown> = {}) =>
      sse.data({
        id,
        object: 'chat.completion.chunk',
        created,
        model,
        choices: [{ index: 0, delta, logprobs: null, finish_reason: finish }],
        ...extra,
      });
    try {
      chunk({ role: 'assistant', content: '' }, null);
      const result = await this.chat.run(turn, (text) => chunk({ content: text }, null), abort.signal);
      await this.chat.recordUsage(result);
      chunk({}, 'stop', {
        citations: result.citations,
        ...(body.stream_options?.include_usage ? { usage: openAIUsage(result.usage) } : {}),
      });
      sse.data('[DONE]');
    } catch (e) {
      sse.data({ error: { message: streamErrorMessage(e, req), type: 'server_error' } });
    } finally {
      sse.end();
    }
  }
}
